import Foundation
import PetrelStore

/// Group commit: item writes that arrive while another transaction is committing are run
/// together in the next transaction, each inside its own savepoint.
///
/// One commit per batch instead of one per request divides the WAL traffic and the
/// BEGIN/COMMIT overhead by the batch size under load, and costs nothing when idle. Every
/// caller is answered only after the transaction holding its write has committed, so an
/// acknowledged write is durable; a write that throws rolls back only its own savepoint.
///
/// The first writer to find the combiner idle becomes the leader and commits on its own
/// thread (no hop to another queue); it drains a few batches, then hands any remainder to
/// the database's writer queue so no single request waits behind an endless stream of others.
final class WriteCombiner: Sendable {
    private struct Pending: Sendable {
        let work: @Sendable (any SQLConnection) throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
    }

    private let database: any SQLDatabase
    private let state = Locked(State())
    static let maxBatch = 256
    static let leaderBatches = 4

    /// PostgreSQL: this node's writes that append stream records, one at a time.
    private let streamWrites = DispatchQueue(label: "petrel.tables.stream-writes")

    init(database: any SQLDatabase) { self.database = database }

    /// - Parameter appendsStreamRecords: whether the write may append stream records (a table
    ///   with its stream enabled). Every stream record takes the next value of one counter row,
    ///   so on PostgreSQL concurrent such writes conflicted on it and eight concurrent PutItems
    ///   could exhaust the conflict retries (a 500). They run one at a time on this node, so a
    ///   node never conflicts with itself; the retried write still resolves other nodes'.
    func write<T: Sendable>(appendsStreamRecords: Bool = false, _ work: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        // PostgreSQL: one SERIALIZABLE transaction per write, run again on a conflict (a batch could not be).
        if database.dialect == .postgres {
            guard appendsStreamRecords else { return try await database.write(work) }
            let database = self.database
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                streamWrites.async { continuation.resume(with: Result { try database.write(work) }) }
            }
        }
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let lead = state.withLock { s -> Bool in
                s.queue.append(Pending(work: { try work($0) }, continuation: continuation))
                if s.draining { return false }
                s.draining = true
                return true
            }
            guard lead else { return }
            let finished = (try? database.writeWithoutTransaction { db in self.drain(db, maxBatches: WriteCombiner.leaderBatches) }) ?? false
            if !finished {
                database.asyncWriteWithoutTransaction { db in _ = self.drain(db, maxBatches: .max) }
            }
        }
        return result as! T
    }

    /// Commits batches until none are waiting (returns true, combiner idle) or `maxBatches`
    /// were committed (returns false, still draining).
    private func drain(_ db: any SQLConnection, maxBatches: Int) -> Bool {
        var done = 0
        while true {
            if done == maxBatches { return false }
            let batch = state.withLock { s -> [Pending] in
                let n = min(s.queue.count, WriteCombiner.maxBatch)
                let batch = Array(s.queue.prefix(n))
                s.queue.removeFirst(n)
                if batch.isEmpty { s.draining = false }
                return batch
            }
            if batch.isEmpty { return true }
            done += 1
            var results: [Result<any Sendable, any Error>] = []
            results.reserveCapacity(batch.count)
            do {
                try db.inWriteTransaction {
                    for pending in batch {
                        try db.execute(sql: "SAVEPOINT combined_write")
                        do {
                            let value = try pending.work(db)
                            try db.execute(sql: "RELEASE SAVEPOINT combined_write")
                            results.append(.success(value))
                        } catch {
                            try db.execute(sql: "ROLLBACK TO SAVEPOINT combined_write")
                            try db.execute(sql: "RELEASE SAVEPOINT combined_write")
                            results.append(.failure(error))
                        }
                    }
                    return true
                }
            } catch {
                // The commit itself failed: nothing in the batch is durable.
                results = Array(repeating: .failure(error), count: batch.count)
            }
            for (pending, result) in zip(batch, results) {
                pending.continuation.resume(with: result)
            }
        }
    }
}
