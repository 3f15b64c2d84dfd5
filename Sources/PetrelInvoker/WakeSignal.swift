import Synchronization

/// A wake-up call for a loop that otherwise sleeps: `signal()` wakes the current `wait`, or
/// the next one if nobody waits yet. One waiter at a time.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    func signal() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let waiter = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }

    /// Returns on a signal or after `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { s in
                    if s.pending || s.cancelled.remove(id) != nil {
                        s.pending = false
                        return true
                    }
                    s.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, Never>? = state.withLock { s in
                if let waiter = s.waiter, waiter.id == id {
                    s.waiter = nil
                    return waiter.continuation
                }
                s.cancelled.insert(id)
                return nil
            }
            continuation?.resume()
        }
    }
}
