import Foundation
import PetrelCore
import PetrelPatterns
import Synchronization

/// Compiled rules per bus, with their targets, rebuilt after a write (and every few seconds,
/// for writes another server of a cluster made). Each bus's patterns are compiled into one
/// `PatternIndex`, so matching an event costs what its fields cost, not what the number of
/// rules does.
final class RuleCache: Sendable {
    struct Compiled: Sendable {
        var rule: EventBridgeStore.Rule
        var pattern: EventPattern?
        var schedule: ScheduleExpression?
        var targets: [TargetSpec]
    }

    struct BusRules: Sendable {
        var rules: [Compiled] = []
        var index = PatternIndex([])

        /// The rules whose pattern `event` matches, in the order they were loaded.
        func matching(_ event: JSONValue) -> [Compiled] {
            index.matches(event).map { rules[$0] }
        }
    }

    struct Snapshot: Sendable {
        var buses: [String: BusRules] = [:]
        var scheduled: [Compiled] = []
        var built: ContinuousClock.Instant
    }

    private let state = Mutex<Snapshot?>(nil)
    private let indexes = Mutex<[String: (patterns: [String?], index: PatternIndex)]>([:])
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
            guard compiled.pattern != nil else { continue }
            let busKey = rule.region + "\u{1}" + rule.bus
            var bus = snapshot.buses[busKey] ?? BusRules()
            bus.rules.append(compiled)
            snapshot.buses[busKey] = bus
        }
        // A bus whose patterns did not change keeps its index (building one for 1,000 rules
        // takes tens of milliseconds, and the snapshot is reloaded every `maxAge`).
        let previous = indexes.withLock { $0 }
        var kept: [String: (patterns: [String?], index: PatternIndex)] = [:]
        for (key, bus) in snapshot.buses {
            let texts = bus.rules.map(\.rule.pattern)
            let index = previous[key].flatMap { $0.patterns == texts ? $0.index : nil }
                ?? PatternIndex(bus.rules.compactMap(\.pattern))
            snapshot.buses[key]?.index = index
            kept[key] = (texts, index)
        }
        indexes.withLock { $0 = kept }
        state.withLock { $0 = snapshot }
        return snapshot
    }
}
