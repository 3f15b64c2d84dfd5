import Synchronization

/// The timeouts of running invocations, watched by one loop instead of a timer per
/// invocation: `add` at dispatch, `remove` when the invocation ends, and `run` calls `expire`
/// for each invocation whose deadline passes first.
final class Deadlines: Sendable {
    private let entries = Mutex<[ObjectIdentifier: (deadline: ContinuousClock.Instant, invocation: Invocation)]>([:])
    /// When the loop looks next: a deadline after that needs no wake-up (the common case, as
    /// the loop never sleeps longer than a second and timeouts are at least one).
    private let plannedWake = Mutex<ContinuousClock.Instant>(.now)
    private let wakeUp = WakeSignal()

    func add(_ invocation: Invocation, at deadline: ContinuousClock.Instant) {
        entries.withLock { $0[ObjectIdentifier(invocation)] = (deadline, invocation) }
        if plannedWake.withLock({ deadline < $0 }) { wakeUp.signal() }
    }

    func remove(_ invocation: Invocation) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(invocation)) }
    }

    /// Takes the invocations whose deadline is at or before `now`.
    func due(at now: ContinuousClock.Instant) -> (due: [Invocation], next: ContinuousClock.Instant?) {
        entries.withLock { entries in
            let due = entries.filter { $0.value.deadline <= now }
            for key in due.keys { entries.removeValue(forKey: key) }
            return (due.values.map(\.invocation), entries.values.map(\.deadline).min())
        }
    }

    /// Expires invocations as their deadlines pass, until cancelled.
    func run(expire: @Sendable (Invocation) async -> Void) async {
        while !Task.isCancelled {
            let (due, next) = self.due(at: .now)
            for invocation in due { await expire(invocation) }
            if !due.isEmpty { continue }
            let now = ContinuousClock.now
            let wait = max(.milliseconds(1), min(next.map { now.duration(to: $0) } ?? .seconds(1), .seconds(1)))
            plannedWake.withLock { $0 = now + wait }
            // A deadline added between `due` and here is at or after `now + wait`, or signals.
            if let earliest = entries.withLock({ $0.values.map(\.deadline).min() }), earliest < now + wait { continue }
            await wakeUp.wait(timeout: wait)
        }
    }
}
