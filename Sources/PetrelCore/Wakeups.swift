import Foundation
import Synchronization

/// Wakes waiters when a commit changes what they wait for: SQS long polls (a send, a
/// visibility change, a move makes a message receivable in their queue), Kinesis readers (a
/// put adds records to their stream). No polling interval. Channels are ids the owner picks.
///
/// A generation counter per channel: a waiter that read generation G before looking
/// suspends until the generation passes G, so a commit between the look and the suspension is
/// never missed.
public final class Wakeups: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var generation: [Int64: UInt64] = [:]
        var waiters: [Int64: [Waiter]] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    public func generation(_ queue: Int64) -> UInt64 {
        state.withLock { $0.generation[queue] ?? 0 }
    }

    /// Called after a commit that may have made messages receivable in `queue`.
    public func signal(_ queue: Int64) {
        let ready = state.withLock { s -> [Waiter] in
            s.generation[queue, default: 0] &+= 1
            return s.waiters.removeValue(forKey: queue) ?? []
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Whether the server is shutting down: long polls answer with what they have.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Wakes every waiter for good (graceful shutdown), so parked long polls answer at once
    /// instead of holding the shutdown for their remaining wait.
    public func close() {
        let all = state.withLock { s -> [Waiter] in
            s.closed = true
            let waiting = s.waiters.values.flatMap { $0 }
            s.waiters = [:]
            return waiting
        }
        for waiter in all { waiter.continuation.resume() }
    }

    /// Suspends until `queue`'s generation passes `seen`, the deadline passes, or the task
    /// is cancelled.
    public func wait(_ queue: Int64, seen: UInt64, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal(queue, seen: seen) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal(_ queue: Int64, seen: UInt64) async {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if (s.generation[queue] ?? 0) != seen || s.closed || Task.isCancelled { return true }
                    s.waiters[queue, default: []].append(Waiter(id: id, continuation: continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                guard var list = s.waiters[queue], let i = list.firstIndex(where: { $0.id == id }) else { return nil }
                let w = list.remove(at: i)
                s.waiters[queue] = list.isEmpty ? nil : list
                return w
            }
            waiter?.continuation.resume()
        }
    }
}
