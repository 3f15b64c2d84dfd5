import Foundation
import PetrelPatterns
import Synchronization

/// Compiled rules per bus, with their targets, rebuilt after a write (and every few seconds,
/// for writes another server of a cluster made). Rules whose pattern names exact `source`
/// values are indexed by them, so an event is matched only against rules that could match it.
final class RuleCache: Sendable {
    struct Compiled: Sendable {
        var rule: EventBridgeStore.Rule
        var pattern: EventPattern?
        var schedule: ScheduleExpression?
        var targets: [TargetSpec]
    }

    struct BusRules: Sendable {
        var bySource: [String: [Int]] = [:]
        var unindexed: [Int] = []
        var rules: [Compiled] = []

        func candidates(source: String?) -> [Compiled] {
            var indexes = unindexed
            if let source, let more = bySource[source] { indexes += more }
            indexes.sort()
            return indexes.map { rules[$0] }
        }
    }

    struct Snapshot: Sendable {
        var buses: [String: BusRules] = [:]
        var scheduled: [Compiled] = []
        var built: ContinuousClock.Instant
    }

    private let state = Mutex<Snapshot?>(nil)
    static let maxAge: Duration = .seconds(2)

    func invalidate() { state.withLock { $0 = nil } }

    func snapshot(_ load: () throws -> ([EventBridgeStore.Rule], [String: [TargetSpec]])) throws -> Snapshot {
        if let current = state.withLock({ $0 }), current.built.duration(to: .now) < Self.maxAge { return current }
        let (rules, targets) = try load()
        var snapshot = Snapshot(built: .now)
        for rule in rules {
            let key = [rule.region, rule.bus, rule.name].joined(separator: "\u{1}")
            let compiled = Compiled(rule: rule, pattern: rule.pattern.flatMap { try? EventPattern(json: $0) },
                                    schedule: rule.schedule.flatMap { try? ScheduleExpression($0) },
                                    targets: targets[key] ?? [])
            if compiled.schedule != nil { snapshot.scheduled.append(compiled) }
            guard let pattern = compiled.pattern else { continue }
            let busKey = rule.region + "\u{1}" + rule.bus
            var bus = snapshot.buses[busKey] ?? BusRules()
            let index = bus.rules.count
            bus.rules.append(compiled)
            if let sources = pattern.exactStrings(at: "source") {
                for source in sources { bus.bySource[source, default: []].append(index) }
            } else {
                bus.unindexed.append(index)
            }
            snapshot.buses[busKey] = bus
        }
        state.withLock { $0 = snapshot }
        return snapshot
    }
}
