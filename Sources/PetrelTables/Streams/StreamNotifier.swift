import Foundation

/// Wakes in-process stream consumers when a commit adds records, so they never poll.
///
/// Holds the latest sequence number known per stream and the suspended waiters; continuations
/// are resumed outside the lock.
final class StreamNotifier: Sendable {
    private struct Waiter {
        var id: UInt64
        var after: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var latest: [String: Int64] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextId: UInt64 = 0
        var subscribers: [String: [UInt64: AsyncStream<Int64>.Continuation]] = [:]
    }

    private let state = Locked(State())

    /// Called after a commit with the last sequence number each stream received.
    func published(_ appended: [String: Int64]) {
        guard !appended.isEmpty else { return }
        var ready: [CheckedContinuation<Void, Never>] = []
        var feeds: [(AsyncStream<Int64>.Continuation, Int64)] = []
        state.withLock { s in
            for (arn, seq) in appended {
                s.latest[arn] = max(s.latest[arn] ?? 0, seq)
                if var list = s.waiters[arn] {
                    ready += list.filter { $0.after < seq }.map(\.continuation)
                    list.removeAll { $0.after < seq }
                    s.waiters[arn] = list.isEmpty ? nil : list
                }
                for c in s.subscribers[arn]?.values ?? [:].values { feeds.append((c, seq)) }
            }
        }
        for c in ready { c.resume() }
        for (c, seq) in feeds { c.yield(seq) }
    }

    /// Wakes every waiter on a stream that will get no more records (disabled, or its table
    /// deleted), so consumers can notice and stop.
    func closed(_ arn: String) {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            let list = s.waiters.removeValue(forKey: arn) ?? []
            for c in s.subscribers.removeValue(forKey: arn)?.values ?? [:].values { c.finish() }
            return list.map(\.continuation)
        }
        for c in waiting { c.resume() }
    }

    func latest(_ arn: String) -> Int64? { state.withLock { $0.latest[arn] } }

    /// How many waiters a stream has (tests wait for a waiter to be parked before they act).
    func waiterCount(_ arn: String) -> Int { state.withLock { $0.waiters[arn]?.count ?? 0 } }

    func seed(_ arn: String, _ seq: Int64) {
        state.withLock { s in s.latest[arn] = max(s.latest[arn] ?? 0, seq) }
    }

    /// Suspends until the stream holds a record after `after`, or the task is cancelled.
    func wait(_ arn: String, after: Int64) async {
        let id = state.withLock { s -> UInt64 in s.nextId += 1; return s.nextId }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if (s.latest[arn] ?? 0) > after || Task.isCancelled { return true }
                    s.waiters[arn, default: []].append(Waiter(id: id, after: after, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard var list = s.waiters[arn], let i = list.firstIndex(where: { $0.id == id }) else { return nil }
                let c = list.remove(at: i).continuation
                s.waiters[arn] = list.isEmpty ? nil : list
                return c
            }
            c?.resume()
        }
    }

    /// A stream of "new records up to this sequence number" events for one stream.
    func subscribe(_ arn: String) -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s -> UInt64 in
            s.nextId += 1
            s.subscribers[arn, default: [:]][s.nextId] = continuation
            return s.nextId
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { s in s.subscribers[arn]?[id] = nil }
        }
        return stream
    }
}
