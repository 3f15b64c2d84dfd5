import Foundation
import GRDB

/// Group commit: item writes that arrive while another transaction is committing are run
/// together in the next transaction, each inside its own savepoint.
///
/// One commit per batch instead of one per request divides the WAL traffic and the
/// BEGIN/COMMIT overhead by the batch size under load, and costs nothing when idle. Every
/// caller is answered only after the transaction holding its write has committed, so an
/// acknowledged write is durable; a write that throws rolls back only its own savepoint.
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

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let lead = state.withLock { s -> Bool in
                s.queue.append(Pending(work: { try work($0) }, continuation: continuation))
                if s.draining { return false }
                s.draining = true
                return true
            }
            if lead {
                pool.asyncWriteWithoutTransaction { db in self.drain(db) }
            }
        }
        return result as! T
    }

    /// Runs on GRDB's writer queue until no writes are waiting.
    private func drain(_ db: Database) {
        while true {
            let batch = state.withLock { s -> [Pending] in
                let n = min(s.queue.count, WriteCombiner.maxBatch)
                let batch = Array(s.queue.prefix(n))
                s.queue.removeFirst(n)
                if batch.isEmpty { s.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            var results: [Result<any Sendable, any Error>] = []
            results.reserveCapacity(batch.count)
            do {
                try db.inTransaction(.immediate) {
                    for pending in batch {
                        var outcome: Result<any Sendable, any Error> = .failure(CancellationError())
                        do {
                            try db.inSavepoint {
                                outcome = .success(try pending.work(db))
                                return .commit
                            }
                        } catch {
                            outcome = .failure(error)
                        }
                        results.append(outcome)
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
