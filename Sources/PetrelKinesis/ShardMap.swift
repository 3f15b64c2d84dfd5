/// One shard as stored: its hash-key range, lineage and sequence-number range.
public struct ShardInfo: Sendable, Equatable {
    public var index: Int
    public var parent: Int?
    public var adjacentParent: Int?
    public var startingHash: UInt128
    public var endingHash: UInt128
    /// The counter its StartingSequenceNumber carries (reserved: no record has it).
    public var startingCounter: Int64
    /// Set when the shard is closed by a split, merge or scaling: its EndingSequenceNumber.
    public var endingCounter: Int64?
    /// Epoch milliseconds.
    public var createdMs: Int64
    public var closedMs: Int64?

    public var isOpen: Bool { endingCounter == nil }
    public var shardID: String { ShardInfo.shardID(index) }
    public var startingSequence: SequenceNumber { SequenceNumber(counter: startingCounter, shardIndex: index) }
    public var endingSequence: SequenceNumber? { endingCounter.map { SequenceNumber(counter: $0, shardIndex: index) } }

    public func contains(_ hash: UInt128) -> Bool { startingHash <= hash && hash <= endingHash }

    /// `shardId-000000000007`, AWS's form.
    public static func shardID(_ index: Int) -> String {
        "shardId-" + SequenceNumber.padded(Int64(index), 12)
    }

    /// The index in a shard id (`shardId-000000000007`, or a bare `7`/`000000000007` as some
    /// clients send); nil when it is not one.
    public static func index(of shardID: String) -> Int? {
        let digits = shardID.hasPrefix("shardId-") ? String(shardID.dropFirst(8)) : shardID
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0 else { return nil }
        return n
    }
}

/// A stream's shards and the changes resharding makes to them (SplitShard, MergeShards,
/// UpdateShardCount), as AWS makes them: closed parents stay readable, children name their
/// parents, every open shard's ranges tile 0…2^128−1. Pure: `KinesisStore` saves the result.
public struct ShardMap: Sendable, Equatable {
    public private(set) var shards: [ShardInfo]
    public private(set) var nextIndex: Int
    /// The stream counter: the last one a record or a reshard took.
    public private(set) var lastCounter: Int64
    /// Indices of shards added or changed since the map was loaded.
    public private(set) var changed: Set<Int> = []

    public init(shards: [ShardInfo], nextIndex: Int, lastCounter: Int64) {
        self.shards = shards.sorted { $0.index < $1.index }
        self.nextIndex = nextIndex
        self.lastCounter = lastCounter
    }

    /// A new stream's `count` shards, evenly spread.
    public static func initial(count: Int, counter: Int64, now: Int64) -> ShardMap {
        var map = ShardMap(shards: [], nextIndex: 0, lastCounter: counter)
        for range in HashKeys.evenRanges(count: count) {
            map.add(range.lowerBound, range.upperBound, parent: nil, adjacent: nil, now: now)
        }
        return map
    }

    public var openShards: [ShardInfo] { shards.filter(\.isOpen) }

    public func shard(_ index: Int) -> ShardInfo? { shards.first { $0.index == index } }

    /// The open shard whose range holds `hash`.
    public func openShard(for hash: UInt128) -> ShardInfo? { shards.first { $0.isOpen && $0.contains(hash) } }

    public enum ReshardError: Error, Equatable {
        case notOpen(Int)
        case hashKeyOutOfRange
        case notAdjacent
        case sameShard
    }

    /// Closes `index` and opens two children: [start, at−1] and [at, end].
    public mutating func split(_ index: Int, at key: UInt128, now: Int64) throws(ReshardError) {
        guard let parent = shard(index), parent.isOpen else { throw .notOpen(index) }
        // AWS: greater than the shard's StartingHashKey and less than its EndingHashKey.
        guard key > parent.startingHash, key < parent.endingHash else { throw .hashKeyOutOfRange }
        divide(parent, at: key, now: now)
    }

    /// Splits an open shard at any key inside it after its start (scaling may need its last key).
    private mutating func divide(_ parent: ShardInfo, at key: UInt128, now: Int64) {
        let index = parent.index
        close(index, now: now)
        add(parent.startingHash, key - 1, parent: index, adjacent: nil, now: now)
        add(key, parent.endingHash, parent: index, adjacent: nil, now: now)
    }

    /// Closes two adjacent open shards and opens one over both ranges (ParentShardId is
    /// `index`, AdjacentParentShardId `adjacent`).
    public mutating func merge(_ index: Int, _ adjacent: Int, now: Int64) throws(ReshardError) {
        guard index != adjacent else { throw .sameShard }
        guard let a = shard(index), a.isOpen else { throw .notOpen(index) }
        guard let b = shard(adjacent), b.isOpen else { throw .notOpen(adjacent) }
        let touching = (a.endingHash != .max && a.endingHash + 1 == b.startingHash) || (b.endingHash != .max && b.endingHash + 1 == a.startingHash)
        guard touching else { throw .notAdjacent }
        close(index, now: now)
        close(adjacent, now: now)
        add(min(a.startingHash, b.startingHash), max(a.endingHash, b.endingHash), parent: index, adjacent: adjacent, now: now)
    }

    /// UNIFORM_SCALING to `target` open shards of even width, as AWS does it: splits every
    /// open shard at the new boundaries inside it, then merges the pieces of each new range
    /// pair by pair, so every child has at most two parents (some shards in between are
    /// closed at once, as AWS's "temporary shards").
    public mutating func scale(to target: Int, now: Int64) {
        let ranges = HashKeys.evenRanges(count: target)
        let boundaries = ranges.dropFirst().map(\.lowerBound)
        for key in boundaries {
            if let shard = openShard(for: key), shard.startingHash != key {
                divide(shard, at: key, now: now)
            }
        }
        for range in ranges {
            while true {
                let pieces = openShards.filter { range.contains($0.startingHash) }.sorted { $0.startingHash < $1.startingHash }
                guard pieces.count > 1 else { break }
                try? merge(pieces[0].index, pieces[1].index, now: now)
            }
        }
    }

    /// The children of `index` (shards naming it as a parent), for GetRecords' ChildShards.
    public func children(of index: Int) -> [ShardInfo] {
        shards.filter { $0.parent == index || $0.adjacentParent == index }
    }

    private mutating func close(_ index: Int, now: Int64) {
        guard let i = shards.firstIndex(where: { $0.index == index }) else { return }
        shards[i].endingCounter = lastCounter
        shards[i].closedMs = now
        changed.insert(index)
    }

    private mutating func add(_ start: UInt128, _ end: UInt128, parent: Int?, adjacent: Int?, now: Int64) {
        lastCounter += 1
        shards.append(ShardInfo(index: nextIndex, parent: parent, adjacentParent: adjacent, startingHash: start, endingHash: end,
                                startingCounter: lastCounter, endingCounter: nil, createdMs: now, closedMs: nil))
        changed.insert(nextIndex)
        nextIndex += 1
    }
}
