import Foundation
import PetrelEvents
import PetrelKinesis

/// A Kinesis stream as the event-source engine's `ShardedSource`, over PetrelKinesis's read
/// API: every retained shard with its parents, records after a sequence number, a wake-up on
/// the stream's commits. Records go out in AWS's Kinesis event shape; FilterCriteria see the
/// record's metadata with `data` decoded from base64 and parsed as JSON.
struct KinesisStreamSource: EndingShardedSource {
    let kinesis: KinesisService
    let arn: String

    var kind: ShardedSourceKind { .kinesis }
    var region: String { arn.split(separator: ":", omittingEmptySubsequences: false).dropFirst(3).first.map(String.init) ?? "" }

    func checkExists() throws(EventSourceError) {
        let id: Int64?
        do { id = try kinesis.streamID(arn: arn) } catch { throw EventSourceError.unavailable("\(error)") }
        guard id != nil else { throw EventSourceError.notFound(arn) }
    }

    func shards() throws(EventSourceError) -> [ShardDescription] {
        do {
            return try kinesis.shards(streamARN: arn).map { shard in
                ShardDescription(id: shard.shardID, parents: [shard.parentShardID, shard.adjacentParentShardID].compactMap { $0 }, closed: !shard.isOpen)
            }
        } catch {
            throw map(error, shard: nil)
        }
    }

    func read(shard: String, after position: String?, limit: Int) throws(EventSourceError) -> [SourceRecord] {
        // Reading after a position older than the retention horizon returns the oldest retained
        // records (the read filters by arrival time), so `.trimmed` is never needed here.
        try readShard(shard, after: position, limit: limit).records.map(record(shard: shard))
    }

    func shardEnded(shard: String, after position: String?) throws(EventSourceError) -> Bool {
        do throws(EventSourceError) {
            let read = try readShard(shard, after: position, limit: 1)
            return read.records.isEmpty && read.shardEnded
        } catch {
            // A closed shard that retention removed has nothing left to read.
            if case .notFound = error, (try? checkExists()) != nil { return true }
            throw error
        }
    }

    func waitForChange(shard: String, after position: String?) async {
        guard let id = try? kinesis.streamID(arn: arn) else {
            try? await Task.sleep(for: .seconds(1))
            return
        }
        let seen = kinesis.wakeups.generation(id)
        if let read = try? readShard(shard, after: position, limit: 1), !read.records.isEmpty { return }
        await kinesis.waitForRecords(streamID: id, seen: seen, until: .now + .seconds(3600))
    }

    func position(_ start: StartingPosition, shard: String) throws(EventSourceError) -> String? {
        let position: KinesisStartingPosition
        switch start {
        case .trimHorizon: return nil
        case .latest: position = .latest
        case .atTimestamp(let date): position = .atTimestamp(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        }
        do { return try kinesis.startingPosition(streamARN: arn, shardID: shard, position) } catch { throw map(error, shard: shard) }
    }

    // MARK: -

    /// nil reads the shard from its start (TRIM_HORIZON).
    func readShard(_ shard: String, after position: String?, limit: Int) throws(EventSourceError) -> KinesisShardRead {
        do {
            let after = try position ?? kinesis.startingPosition(streamARN: arn, shardID: shard, .trimHorizon)
            return try kinesis.read(streamARN: arn, shardID: shard, after: after, limit: limit)
        } catch {
            throw map(error, shard: shard)
        }
    }

    func map(_ error: any Error, shard: String?) -> EventSourceError {
        switch error as? KinesisReadError {
        case .streamNotFound?: return .notFound(arn)
        case .shardNotFound(let id)?: return .notFound(id)
        case .invalidPosition(let position)?: return .unavailable("Invalid position \(position) in shard \(shard ?? "")")
        case nil: return .unavailable("\(error)")
        }
    }

    func record(shard: String) -> (KinesisRecord) -> SourceRecord {
        let region = self.region
        return { r in
            let arrival = Double(r.approximateArrivalMs) / 1000
            let kinesis: [String: Any] = [
                "kinesisSchemaVersion": "1.0", "partitionKey": r.partitionKey, "sequenceNumber": r.sequenceNumber,
                "data": r.data.base64EncodedString(), "approximateArrivalTimestamp": arrival,
            ]
            let event: [String: Any] = [
                "kinesis": kinesis, "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": "\(shard):\(r.sequenceNumber)",
                "eventName": "aws:kinesis:record", "awsRegion": region,
            ]
            var filterable = kinesis
            if let decoded = try? JSONSerialization.jsonObject(with: r.data, options: [.fragmentsAllowed]) {
                filterable["data"] = decoded
            } else {
                filterable.removeValue(forKey: "data")
            }
            let payload = (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data("{}".utf8)
            let document = try? JSONSerialization.data(withJSONObject: filterable, options: [.sortedKeys])
            return SourceRecord(position: r.sequenceNumber, partitionKey: Data(r.partitionKey.utf8), payload: payload, filterDocument: document,
                                created: Date(timeIntervalSince1970: arrival))
        }
    }
}
