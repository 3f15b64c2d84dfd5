import Foundation
import PetrelCore

extension KinesisService {
    func shardIndex(_ input: KinesisInput, _ member: String, _ stream: StreamRecord) throws -> Int {
        let id = try input.required(member)
        guard (1...128).contains(id.utf8.count), KinesisService.isValidName(id) else {
            throw KinesisError.constraint(KinesisInput.memberPath(member), id, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
        guard let index = ShardInfo.index(of: id) else {
            throw KinesisError.shardNotFound(id, stream: stream.name, account: stream.account)
        }
        return index
    }

    /// Runs a reshard on the stream's map and turns ShardMap's errors into AWS's.
    func reshard(_ stream: StreamRecord, _ change: (inout ShardMap) throws -> Void) throws {
        let visible = Set(try visibleShards(stream).map(\.index))
        _ = try store.reshard(stream: stream.id) { map, _ in
            do {
                try change(&map)
            } catch let error as ShardMap.ReshardError {
                switch error {
                case .notOpen(let index) where !visible.contains(index) || map.shard(index) == nil:
                    throw KinesisError.shardNotFound(ShardInfo.shardID(index), stream: stream.name, account: stream.account)
                case .notOpen(let index):
                    throw KinesisError.invalidArgument("Shard \(ShardInfo.shardID(index)) in stream \(stream.name) under account \(stream.account) has already been merged or split, and thus is not eligible for merging or splitting.")
                case .hashKeyOutOfRange, .notAdjacent, .sameShard:
                    throw error
                }
            }
        }
        wakeups.signal(stream.id)
    }

    func splitShard(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let index = try shardIndex(input, "ShardToSplit", stream)
        let keyText = try input.required("NewStartingHashKey")
        guard let key = HashKeys.parse(keyText) else {
            throw KinesisError.constraint("newStartingHashKey", keyText, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})")
        }
        let shard = try store.shards(stream: stream.id).first { $0.index == index }
        guard let shard else { throw KinesisError.shardNotFound(ShardInfo.shardID(index), stream: stream.name, account: stream.account) }
        try checkShardLimit(stream, adding: 1)
        do {
            try reshard(stream) { map in try map.split(index, at: key, now: now()) }
        } catch ShardMap.ReshardError.hashKeyOutOfRange {
            throw KinesisError.invalidArgument("NewStartingHashKey \(keyText) used in SplitShard() on shard \(shard.shardID) in stream \(stream.name) under account \(stream.account) is not both greater than one plus the shard's StartingHashKey \(shard.startingHash) and less than the shard's EndingHashKey \(shard.endingHash - 1).")
        }
        return .object([:])
    }

    func mergeShards(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let a = try shardIndex(input, "ShardToMerge", stream)
        let b = try shardIndex(input, "AdjacentShardToMerge", stream)
        let existing = Set(try visibleShards(stream).map(\.index))
        for index in [a, b] where !existing.contains(index) {
            throw KinesisError.shardNotFound(ShardInfo.shardID(index), stream: stream.name, account: stream.account)
        }
        do {
            try reshard(stream) { map in try map.merge(a, b, now: now()) }
        } catch let error as ShardMap.ReshardError where error == .notAdjacent || error == .sameShard {
            throw KinesisError.invalidArgument("Shards \(ShardInfo.shardID(a)) and \(ShardInfo.shardID(b)) in stream \(stream.name) under account \(stream.account) are not an adjacent pair of shards eligible for merging")
        }
        return .object([:])
    }

    func updateShardCount(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        guard let target = try input.int("TargetShardCount") else {
            throw KinesisError.validation("1 validation error detected: Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null")
        }
        let scaling = try input.required("ScalingType")
        guard scaling == "UNIFORM_SCALING" else {
            throw KinesisError.constraint("scalingType", scaling, "Member must satisfy enum value set: [UNIFORM_SCALING]")
        }
        guard target >= 1 else {
            throw KinesisError.constraint("targetShardCount", String(target), "Member must have value greater than or equal to 1")
        }
        if stream.mode == "ON_DEMAND" {
            throw KinesisError.validation("Request is invalid. Stream \(stream.name) under account \(stream.account) is in On-Demand mode.")
        }
        let current = try store.shards(stream: stream.id).filter(\.isOpen).count
        if target > current * 2 {
            throw KinesisError.validation("UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: \(current) Target shard count: \(target)")
        }
        if target * 2 < current {
            throw KinesisError.validation("UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: \(current) Target shard count: \(target)")
        }
        if target > Self.maxShardsPerStream {
            throw KinesisError.limitExceeded("Target shard count or number of open shards cannot be greater than \(Self.maxShardsPerStream). Current open shard count: \(current) Target shard count: \(target)")
        }
        let uniform = Self.isUniform(try store.shards(stream: stream.id).filter(\.isOpen))
        if target != current || !uniform {
            try reshard(stream) { map in map.scale(to: target, now: now()) }
        }
        return .object(["StreamName": .string(stream.name), "StreamARN": .string(stream.arn),
                        "CurrentShardCount": .number(Double(current)), "TargetShardCount": .number(Double(target))])
    }

    static func isUniform(_ open: [ShardInfo]) -> Bool {
        let ranges = HashKeys.evenRanges(count: max(1, open.count))
        let sorted = open.sorted { $0.startingHash < $1.startingHash }
        return sorted.count == ranges.count && zip(sorted, ranges).allSatisfy { $0.startingHash == $1.lowerBound && $0.endingHash == $1.upperBound }
    }

    func checkShardLimit(_ stream: StreamRecord, adding: Int) throws {
        let open = try store.shards(stream: stream.id).filter(\.isOpen).count
        if open + adding > Self.maxShardsPerStream {
            throw KinesisError.limitExceeded("This request would exceed the shard limit for the account \(stream.account). Current open shard count: \(open). Limit: \(Self.maxShardsPerStream).")
        }
    }
}
