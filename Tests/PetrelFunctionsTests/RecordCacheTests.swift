import Foundation
@testable import PetrelFunctions
import Testing

/// FunctionRegistry's version cache under the race between a read and an update: a read that
/// looked at the database before the update committed must not cache what it read once the
/// update has invalidated the function.
@Suite struct RecordCacheTests {
    enum Step: String, Sendable {
        /// A `get` misses the cache and reads the database (sees the record as it was).
        case readBegins
        /// That read stores its result.
        case readStores
        /// An update commits and drops the function's entries.
        case updateForgets
    }

    static func record(_ revision: String) -> FunctionRecord {
        FunctionRecord(name: "f", version: "$LATEST",
                       settings: FunctionSettings(runtime: "nodejs20.x", handler: "index.handler", role: "r"),
                       codeSha256: "", codeDigest: "", codeSize: 0, lastModified: 0, revisionId: revision)
    }

    @Test(arguments: [
        // interleaving -> what the cache holds afterwards (nil: nothing, the next get reads the database)
        ([Step.readBegins, .readStores, .updateForgets], nil as String?),
        ([.readBegins, .updateForgets, .readStores], nil),   // the race: the stale read is not kept
        ([.updateForgets, .readBegins, .readStores], "old"),  // a read after the update is cached
    ])
    func interleaving(_ steps: [Step], cached: String?) {
        let cache = FunctionRegistry.RecordCache()
        var seen = 0
        for step in steps {
            switch step {
            case .readBegins: seen = cache.generation
            case .readStores: cache.put(Self.record("old"), readAt: seen)
            case .updateForgets: cache.forget("f")
            }
        }
        #expect(cache.get("f", "$LATEST")?.revisionId == cached)
    }

    @Test func forgettingOneFunctionKeepsOthers() {
        let cache = FunctionRegistry.RecordCache()
        var other = Self.record("x")
        other.name = "g"
        cache.put(other, readAt: cache.generation)
        cache.forget("f")
        // Another function's entry survives; a read that began before the forget is refused.
        #expect(cache.get("g", "$LATEST")?.revisionId == "x")
    }
}
