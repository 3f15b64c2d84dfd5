import Testing
@testable import PetrelEventBridge

@Suite struct RuleCacheTests {
    static func rule(_ name: String) -> EventBridgeStore.Rule {
        .init(region: "us-east-1", bus: "default", name: name, pattern: #"{"source":["s"]}"#, schedule: nil,
              state: "ENABLED", description: nil, roleArn: nil, created: 0, lastFired: nil)
    }

    static func names(_ snapshot: RuleCache.Snapshot) -> [String] {
        snapshot.buses["us-east-1\u{1}default"]?.rules.map(\.rule.name) ?? []
    }

    @Test func aSnapshotIsReusedUntilAWriteInvalidatesIt() throws {
        let cache = RuleCache()
        var loads = 0
        var stored = [Self.rule("a")]
        let load = { () -> ([EventBridgeStore.Rule], [String: [TargetSpec]]) in
            loads += 1
            return (stored, [:])
        }
        #expect(Self.names(try cache.snapshot(load)) == ["a"])
        #expect(Self.names(try cache.snapshot(load)) == ["a"])
        #expect(loads == 1)
        stored.append(Self.rule("b"))
        cache.invalidate()
        #expect(Self.names(try cache.snapshot(load)) == ["a", "b"])
        #expect(loads == 2)
    }

    /// A load that began before a write committed (and so may have missed it) must not be
    /// cached once the write's invalidation came: otherwise every caller would miss the write
    /// until the snapshot's age ran out (a PutTargets followed at once by PutEvents delivered
    /// to nobody).
    @Test func aLoadOverlappingAWriteIsNotCached() throws {
        let cache = RuleCache()
        var stored = [Self.rule("a")]
        let stale = try cache.snapshot {
            let before = stored                // read before the write commits
            stored.append(Self.rule("b"))      // the write commits…
            cache.invalidate()                 // …and invalidates, while this load runs
            return (before, [:])
        }
        #expect(Self.names(stale) == ["a"])
        #expect(Self.names(try cache.snapshot { (stored, [:]) }) == ["a", "b"])
    }
}
