import Foundation
import PetrelCore

/// A shard as a stream consumer (an event-source engine) sees it.
public struct KinesisShard: Sendable, Equatable {
    public var shardID: String
    public var parentShardID: String?
    public var adjacentParentShardID: String?
    public var startingSequenceNumber: String
    /// Set once the shard is closed (split, merged, rescaled): no record comes after it.
    public var endingSequenceNumber: String?
    public var startingHashKey: String
    public var endingHashKey: String
    public var isOpen: Bool { endingSequenceNumber == nil }
}

/// One record as a consumer gets it.
public struct KinesisRecord: Sendable, Equatable {
    public var sequenceNumber: String
    public var partitionKey: String
    public var data: Data
    /// Epoch milliseconds.
    public var approximateArrivalMs: Int64
}

/// What one read of a shard found.
public struct KinesisShardRead: Sendable, Equatable {
    public var records: [KinesisRecord]
    /// How far behind the shard's newest record this read ends (0: caught up).
    public var millisBehindLatest: Int64
    /// The shard is closed and every record in it has been read: go on with `children`.
    public var shardEnded: Bool
    public var children: [String]
    /// The oldest record still retained (nil: none is); a position older than this lost records to retention.
    public var trimHorizon: String?
}

/// Typed errors of the read API.
public enum KinesisReadError: Error, Equatable {
    case streamNotFound(String)
    case shardNotFound(String)
    case invalidPosition(String)
}

/// Where a consumer starts reading a shard.
public enum KinesisStartingPosition: Sendable, Equatable {
    case trimHorizon
    case latest
    /// Epoch milliseconds.
    case atTimestamp(Int64)
}

/// The read API an event-source engine uses: shards with their lineage, records after a
/// position, and a wake-up when a stream gets records. Positions are sequence numbers:
/// "read after this one" (a shard's StartingSequenceNumber reads it from the start).
extension KinesisService {
    /// The stream's id, which is also its wake-up channel in `wakeups`.
    public func streamID(arn: String) throws -> Int64? {
        guard let parsed = Self.parseARN(arn) else { return nil }
        return try store.stream(region: parsed.region, account: parsed.account, name: parsed.name)?.id
    }

    func stream(arn: String) throws -> StreamRecord {
        guard let parsed = Self.parseARN(arn), let stream = try store.stream(region: parsed.region, account: parsed.account, name: parsed.name) else {
            throw KinesisReadError.streamNotFound(arn)
        }
        return stream
    }

    /// Every shard still retained, parents before children (index order).
    public func shards(streamARN: String) throws -> [KinesisShard] {
        try visibleShards(stream(arn: streamARN)).map { s in
            KinesisShard(shardID: s.shardID, parentShardID: s.parent.map(ShardInfo.shardID), adjacentParentShardID: s.adjacentParent.map(ShardInfo.shardID),
                         startingSequenceNumber: s.startingSequence.description, endingSequenceNumber: s.endingSequence?.description,
                         startingHashKey: String(s.startingHash), endingHashKey: String(s.endingHash))
        }
    }

    /// The position to read after for a starting position (TRIM_HORIZON: the shard's start;
    /// LATEST: its newest record; AT_TIMESTAMP: just before the first record at or after it).
    public func startingPosition(streamARN: String, shardID: String, _ position: KinesisStartingPosition) throws -> String {
        let stream = try stream(arn: streamARN)
        guard let index = ShardInfo.index(of: shardID), let shard = try visibleShards(stream).first(where: { $0.index == index }) else {
            throw KinesisReadError.shardNotFound(shardID)
        }
        let counter: Int64
        switch position {
        case .trimHorizon: counter = shard.startingCounter
        case .latest: counter = shard.endingCounter ?? stream.lastCounter
        case .atTimestamp(let ms):
            counter = try store.counter(stream: stream.id, shard: index, arrivedAtOrAfter: ms) ?? (shard.endingCounter ?? stream.lastCounter)
        }
        return SequenceNumber(counter: max(counter, shard.startingCounter), shardIndex: index).description
    }

    /// Up to `limit` records (and about `maxBytes` of data, at least one record) of a shard
    /// after `position`.
    public func read(streamARN: String, shardID: String, after position: String, limit: Int, maxBytes: Int = 10 * 1_048_576) throws -> KinesisShardRead {
        let stream = try stream(arn: streamARN)
        guard let index = ShardInfo.index(of: shardID) else { throw KinesisReadError.shardNotFound(shardID) }
        guard let sequence = SequenceNumber(position), sequence.shardIndex == index else { throw KinesisReadError.invalidPosition(position) }
        do {
            let read = try readShard(stream, shard: index, after: sequence.counter, limit: max(1, limit), maxBytes: maxBytes, nowMs: now())
            let horizon = try store.firstRecord(stream: stream.id, shard: index, after: Int64.min, notBeforeMs: trimCutoff(stream))
            return KinesisShardRead(records: read.records.map { KinesisRecord(sequenceNumber: $0.sequenceNumber.description, partitionKey: $0.partitionKey,
                                                                               data: $0.data, approximateArrivalMs: $0.arrivalMs) },
                                    millisBehindLatest: read.millisBehindLatest, shardEnded: read.shardEnded,
                                    children: read.children.map(\.shardID),
                                    trimHorizon: horizon.map { SequenceNumber(counter: $0.counter, shardIndex: index).description })
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            throw KinesisReadError.shardNotFound(shardID)
        }
    }

    /// Suspends until the stream with `streamID` gets records or changes shards after the
    /// caller read `seen` (`wakeups.generation(streamID)`, taken before reading), or `deadline`.
    public func waitForRecords(streamID: Int64, seen: UInt64, until deadline: ContinuousClock.Instant) async {
        await wakeups.wait(streamID, seen: seen, until: deadline)
    }

    struct ShardReadResult {
        var records: [StoredRecord]
        var millisBehindLatest: Int64
        var shardEnded: Bool
        var children: [ShardInfo]
    }

    /// GetRecords and the read API: records after `counter`, within retention.
    func readShard(_ stream: StreamRecord, shard index: Int, after counter: Int64, limit: Int, maxBytes: Int, nowMs: Int64) throws -> ShardReadResult {
        let shards = try visibleShards(stream)
        guard let shard = shards.first(where: { $0.index == index }) else {
            throw KinesisError.shardNotFound(ShardInfo.shardID(index), stream: stream.name, account: stream.account)
        }
        let cutoff = trimCutoff(stream)
        let records = try store.records(stream: stream.id, shard: index, after: counter, notBeforeMs: cutoff, limit: limit, maxBytes: maxBytes)
        let next = try store.firstRecord(stream: stream.id, shard: index, after: records.last?.counter ?? counter, notBeforeMs: cutoff)
        let map = ShardMap(shards: shards, nextIndex: stream.nextShardIndex, lastCounter: stream.lastCounter)
        let ended = !shard.isOpen && next == nil
        // Behind: how old the last record answered is (the next unread one when none was), as
        // Lambda's IteratorAge; 0 once the answer reached the shard's newest record.
        let behind = next.map { max(0, nowMs - (records.last?.arrivalMs ?? $0.arrivalMs)) } ?? 0
        return ShardReadResult(records: records, millisBehindLatest: behind,
                               shardEnded: ended, children: ended ? map.children(of: index) : [])
    }
}
