import Synchronization

/// The timeouts of running invocations, watched by one loop instead of a timer per
/// invocation: `add` at dispatch, `remove` when the invocation ends, and `run` calls `expire`
/// for each invocation whose deadline passes first.
final class Deadlines: Sendable {
    private let entries = Mutex<[ObjectIdentifier: (deadline: ContinuousClock.Instant, invocation: Invocation)]>([:])
    private let wakeUp = WakeSignal()

    func add(_ invocation: Invocation, at deadline: ContinuousClock.Instant) {
        let earliest: Bool = entries.withLock { entries in
            let before = entries.values.map(\.deadline).min()
            entries[ObjectIdentifier(invocation)] = (deadline, invocation)
            return before.map { deadline < $0 } ?? true
        }
        if earliest { wakeUp.signal() }
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
            let wait = next.map { ContinuousClock.now.duration(to: $0) } ?? .seconds(1)
            await wakeUp.wait(timeout: max(.milliseconds(1), min(wait, .seconds(1))))
        }
    }
}
