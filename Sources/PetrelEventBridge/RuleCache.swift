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

    /// The cached snapshot, and how many times the cache was invalidated: a snapshot whose load
    /// began before the last invalidation may miss that write and is never cached.
    private let state = Mutex<(snapshot: Snapshot?, generation: UInt64)>((nil, 0))
    private let indexes = Mutex<[String: (patterns: [String?], index: PatternIndex)]>([:])
    static let maxAge: Duration = .seconds(2)

    /// Called after a write commits: the next snapshot is loaded from the store.
    func invalidate() {
        state.withLock {
            $0.snapshot = nil
            $0.generation &+= 1
        }
    }

    func snapshot(_ load: () throws -> ([EventBridgeStore.Rule], [String: [TargetSpec]])) throws -> Snapshot {
        let (cached, generation) = state.withLock { ($0.snapshot, $0.generation) }
        if let cached, cached.built.duration(to: .now) < Self.maxAge { return cached }
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
        state.withLock {
            // A write committed while this load ran (its invalidation came after `generation`
            // was read) might be missing from it: then the next caller loads again.
            if $0.generation == generation { $0.snapshot = snapshot }
        }
        return snapshot
    }
}
