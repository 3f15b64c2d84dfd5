import Foundation

/// Serializes this node's writes to one stream (records, reshards, settings, trims) before
/// they open their transaction.
///
/// Every such write reads and updates the stream's row (its record counter). On SQLite writes
/// are serial anyway; on PostgreSQL each is a SERIALIZABLE transaction, and concurrent writers
/// of one stream on one node conflicted on that row: eight concurrent PutRecords could exhaust
/// the store's conflict retries and answer 500. Taking the stream's lock first means one node
/// never conflicts with itself; the store's retry still resolves conflicts with other nodes.
/// Locks are striped by stream id, so unrelated streams rarely wait for each other.
final class StreamWriteLocks: Sendable {
    private let stripes: [NSLock]

    init(stripes count: Int = 64) {
        stripes = (0..<max(1, count)).map { _ in NSLock() }
    }

    func withLock<T>(_ stream: Int64, _ body: () throws -> T) rethrows -> T {
        let lock = stripes[Int(UInt64(bitPattern: stream) % UInt64(stripes.count))]
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
