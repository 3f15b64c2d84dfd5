@testable import PetrelKinesis
import Testing

@Suite struct ShardMapTests {
    func tiles(_ map: ShardMap) -> Bool {
        let open = map.openShards.sorted { $0.startingHash < $1.startingHash }
        guard open.first?.startingHash == 0, open.last?.endingHash == .max else { return false }
        return zip(open, open.dropFirst()).allSatisfy { $0.endingHash + 1 == $1.startingHash }
    }

    @Test func splitClosesTheParentAndNamesIt() throws {
        var map = ShardMap.initial(count: 1, counter: 1000, now: 0)
        let middle = UInt128.max / 2 + 1
        try map.split(0, at: middle, now: 5)
        #expect(map.shards.count == 3)
        let parent = try #require(map.shard(0))
        #expect(!parent.isOpen && parent.endingCounter == 1001)
        let children = map.children(of: 0)
        #expect(children.map(\.parent) == [0, 0])
        #expect(children[0].endingHash == middle - 1 && children[1].startingHash == middle)
        #expect(children.allSatisfy { $0.startingCounter > parent.endingCounter! })
        #expect(tiles(map))
    }

    @Test func splitRejectsKeysOutsideTheShard() {
        var map = ShardMap.initial(count: 2, counter: 0, now: 0)
        let first = map.shards[0]
        #expect(throws: ShardMap.ReshardError.hashKeyOutOfRange) { try map.split(0, at: first.startingHash, now: 0) }
        #expect(throws: ShardMap.ReshardError.hashKeyOutOfRange) { try map.split(0, at: first.endingHash + 1, now: 0) }
    }

    @Test func mergeNeedsAdjacentOpenShards() throws {
        var map = ShardMap.initial(count: 3, counter: 0, now: 0)
        #expect(throws: ShardMap.ReshardError.notAdjacent) { try map.merge(0, 2, now: 0) }
        try map.merge(1, 0, now: 1)
        let child = try #require(map.shard(3))
        #expect(child.parent == 1 && child.adjacentParent == 0 && child.startingHash == 0)
        #expect(throws: ShardMap.ReshardError.notOpen(0)) { try map.merge(0, 2, now: 0) }
        #expect(tiles(map))
    }

    @Test(arguments: [(1, 2), (2, 4), (4, 2), (3, 5), (5, 3), (4, 7), (6, 3), (2, 1)])
    func scalingEndsUniformWithAtMostTwoParents(from: Int, to: Int) {
        var map = ShardMap.initial(count: from, counter: 0, now: 0)
        map.scale(to: to, now: 1)
        let open = map.openShards.sorted { $0.startingHash < $1.startingHash }
        let expected = HashKeys.evenRanges(count: to)
        #expect(open.count == to)
        #expect(zip(open, expected).allSatisfy { $0.startingHash == $1.lowerBound && $0.endingHash == $1.upperBound })
        // Children start after every parent ended, so reading parents first keeps per-key order.
        for shard in map.shards {
            for parent in [shard.parent, shard.adjacentParent].compactMap({ $0 }) {
                #expect(map.shard(parent)!.endingCounter! < shard.startingCounter)
            }
        }
    }

    @Test(arguments: ["shardId-000000000007", "7", "000000000007"])
    func shardIDs(text: String) {
        #expect(ShardInfo.index(of: text) == 7)
        #expect(ShardInfo.shardID(7) == "shardId-000000000007")
    }
}

@Suite struct IteratorAndThrottleTests {
    @Test func iteratorRoundTripsAndRejectsTampering() throws {
        let token = ShardIteratorToken(streamID: 3, streamCreatedMs: 99, shardIndex: 2, afterCounter: 12345, issuedMs: 1000, streamName: "a.b-c")
        #expect(ShardIteratorToken(token.encoded) == token)
        let forged = String(token.encoded.dropLast(4)) + "AAAA"
        #expect(ShardIteratorToken(forged) == nil)
        #expect(ShardIteratorToken("not an iterator") == nil)
        #expect(!token.isExpired(now: 1000 + 300_000) && token.isExpired(now: 1000 + 300_001))
    }

    @Test func throttleAdmitsOneSecondThenRefills() {
        let throttle = ShardThrottle(limits: .init(bytesPerSecond: 1000, recordsPerSecond: 3))
        #expect((0..<3).allSatisfy { _ in throttle.admit(stream: 1, shard: 0, bytes: 10, nowMs: 0) })
        #expect(!throttle.admit(stream: 1, shard: 0, bytes: 10, nowMs: 0))
        #expect(throttle.admit(stream: 1, shard: 1, bytes: 10, nowMs: 0))
        #expect(throttle.admit(stream: 1, shard: 0, bytes: 10, nowMs: 400))
        #expect(!throttle.admit(stream: 1, shard: 0, bytes: 2000, nowMs: 10_000))
        #expect(ShardThrottle(limits: nil).admit(stream: 1, shard: 0, bytes: .max, nowMs: 0))
        #expect(ShardThrottle.Limits.from(environment: "off") == nil)
        #expect(ShardThrottle.Limits.from(environment: nil) == ShardThrottle.Limits())
    }
}
