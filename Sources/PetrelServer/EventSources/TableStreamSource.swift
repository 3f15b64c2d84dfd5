import Foundation
import PetrelEvents
import PetrelTables

/// A DynamoDB table stream as the event-source engine's `ShardedSource`: one shard today.
struct TableStreamSource: ShardedSource {
    let tables: TableService
    let arn: String

    var kind: ShardedSourceKind { .dynamodb }

    func info() throws(EventSourceError) -> StreamInfo {
        let info: StreamInfo?
        do { info = try tables.streamInfo(streamArn: arn) } catch { throw EventSourceError.unavailable("\(error)") }
        guard let info else { throw EventSourceError.notFound(arn) }
        return info
    }

    func shards() throws(EventSourceError) -> [ShardDescription] {
        [ShardDescription(id: try info().shardId)]
    }

    func read(shard: String, after position: String?, limit: Int) throws(EventSourceError) -> [SourceRecord] {
        do {
            return try tables.streamRecords(streamArn: arn, shardId: shard, after: position, limit: limit).map { e in
                SourceRecord(position: e.sequenceNumber, partitionKey: e.keys, payload: e.record, created: e.approximateCreationDateTime)
            }
        } catch {
            // Which failure it was is decided from the stream's state, not the error's code.
            let info = try self.info()
            if let position, let at = Int64(position), let horizon = Int64(info.trimmedThrough), at < horizon { throw EventSourceError.trimmed }
            if info.shardId != shard { throw EventSourceError.notFound(shard) }
            throw EventSourceError.unavailable("\(error)")
        }
    }

    func waitForChange(shard: String, after position: String?) async {
        await tables.waitForStreamChange(streamArn: arn, after: position)
    }

    func position(_ start: StartingPosition, shard: String) throws(EventSourceError) -> String? {
        switch start {
        case .trimHorizon: return nil
        case .latest: return try info().latestSequenceNumber
        case .atTimestamp(let date):
            do { return try tables.streamPosition(streamArn: arn, atOrAfter: date) } catch { throw EventSourceError.unavailable("\(error)") }
        }
    }
}
