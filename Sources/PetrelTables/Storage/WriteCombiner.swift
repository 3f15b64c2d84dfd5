import Foundation
import GRDB

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
/// GRDB's writer queue so no single request waits behind an endless stream of others.
final class WriteCombiner: Sendable {
    private struct Pending: Sendable {
        let work: @Sendable (Database) throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let state = Locked(State())
    static let maxBatch = 256
    static let leaderBatches = 4

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let lead = state.withLock { s -> Bool in
                s.queue.append(Pending(work: { try work($0) }, continuation: continuation))
                if s.draining { return false }
                s.draining = true
                return true
            }
            guard lead else { return }
            let finished = pool.writeWithoutTransaction { db in self.drain(db, maxBatches: WriteCombiner.leaderBatches) }
            if !finished {
                pool.asyncWriteWithoutTransaction { db in _ = self.drain(db, maxBatches: .max) }
            }
        }
        return result as! T
    }

    /// Commits batches until none are waiting (returns true, combiner idle) or `maxBatches`
    /// were committed (returns false, still draining).
    private func drain(_ db: Database, maxBatches: Int) -> Bool {
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
                try db.inTransaction(.immediate) {
                    // Prepared once per connection: GRDB's inSavepoint re-parses its SQL each time.
                    let savepoint = try db.cachedStatement(sql: "SAVEPOINT combined_write")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT combined_write")
                    let rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT combined_write")
                    for pending in batch {
                        try savepoint.execute()
                        do {
                            let value = try pending.work(db)
                            try release.execute()
                            results.append(.success(value))
                        } catch {
                            try rollback.execute()
                            try release.execute()
                            results.append(.failure(error))
                        }
                    }
                    return .commit
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
