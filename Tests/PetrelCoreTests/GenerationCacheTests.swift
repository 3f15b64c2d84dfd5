import PetrelCore
import Testing

/// The read/invalidate race every store cache has (FunctionRegistry's versions, aliases,
/// function policies): a read that looked at the database before a write committed must not
/// cache what it read once the write has invalidated the cache.
@Suite struct GenerationCacheTests {
    enum Step: Sendable {
        /// A read misses the cache and reads the database (sees the value as it was).
        case readBegins
        /// That read stores its result.
        case readStores
        /// A write commits and invalidates.
        case writeInvalidates
    }

    @Test(arguments: [
        // interleaving -> what the cache holds afterwards (nil: nothing, the next read goes to the database)
        ([Step.readBegins, .readStores, .writeInvalidates], nil as String?),
        ([.readBegins, .writeInvalidates, .readStores], nil),   // the race: the stale read is not kept
        ([.writeInvalidates, .readBegins, .readStores], "old"),  // a read after the write is cached
    ])
    func interleaving(_ steps: [Step], cached: String?) {
        let cache = GenerationCache<String>()
        var seen = 0
        for step in steps {
            switch step {
            case .readBegins: seen = cache.lookup("f").generation
            case .readStores: cache.store("old", for: "f", readAt: seen)
            case .writeInvalidates: cache.invalidate { key, _ in key == "f" }
            }
        }
        #expect(cache.lookup("f").value == cached)
    }

    @Test func invalidatingOneKeyKeepsTheOthersButRefusesOlderReads() {
        let cache = GenerationCache<String>()
        let before = cache.lookup("g").generation
        cache.store("x", for: "g", readAt: before)
        cache.store("y", for: "f", readAt: before)
        cache.invalidate { key, _ in key == "f" }
        #expect(cache.lookup("g").value == "x")
        #expect(cache.lookup("f").value == nil)
        cache.store("z", for: "h", readAt: before)
        #expect(cache.lookup("h").value == nil)
        cache.invalidateAll()
        #expect(cache.lookup("g").value == nil)
    }

    @Test func aFullCacheStartsAgainRatherThanGrowing() {
        let cache = GenerationCache<Int>(capacity: 3)
        for i in 0..<4 { cache.store(i, for: "k\(i)", readAt: cache.lookup("k\(i)").generation) }
        #expect(cache.lookup("k3").value == 3)
        #expect(cache.lookup("k0").value == nil)
    }
}
