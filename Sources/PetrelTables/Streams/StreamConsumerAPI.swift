import Foundation
import PetrelStore
import PetrelCore

/// One stream record as an in-process consumer (an event source mapping) receives it.
public struct StreamRecordEnvelope: Sendable, Equatable {
    /// The record's SequenceNumber (21 decimal digits; string order is numeric order).
    public let sequenceNumber: String
    /// The record exactly as Lambda puts it in an event's `Records[]` — eventID, eventName,
    /// eventVersion "1.1", eventSource "aws:dynamodb", awsRegion, dynamodb{…} and, for TTL
    /// deletions, userIdentity — as a JSON object. The mapping adds `eventSourceARN`.
    public let record: Data
    /// `dynamodb.Keys` as JSON, so consumers can keep order per item key.
    public let keys: Data
    public let approximateCreationDateTime: Date
    public let sizeBytes: Int
}

/// What a consumer needs to know about one stream.
public struct StreamInfo: Sendable, Equatable {
    public let streamArn: String
    public let tableName: String
    public let region: String
    public let viewType: String
    /// The stream's single shard.
    public let shardId: String
    public let enabled: Bool
    /// Records with sequence numbers at or below this were removed by 24-hour retention.
    public let trimmedThrough: String
    /// The newest record's sequence number, or nil when the stream holds none.
    public let latestSequenceNumber: String?
}

/// The in-process stream API for consumers such as event source mappings (issue 5).
///
/// Records are read with `streamRecords`; `waitForStreamChange` suspends until a commit adds
/// a record after a position, without polling. A record commits in the same SQLite
/// transaction as the item change that caused it, so anything a consumer reads is durable.
extension TableService {
    /// Describes a stream, or nil if there is no such stream.
    public func streamInfo(streamArn: String) throws -> StreamInfo? {
        try store.database.read { db in try self.streamInfo(db, arn: streamArn) }
    }

    /// The ARN of a table's current stream (enabled or not), or nil.
    public func latestStreamArn(tableName: String, region: String) throws -> String? {
        try store.database.read { db in try self.catalog.find(db, region: region, name: tableName)?.stream?.arn }
    }

    /// Up to `limit` records after `sequenceNumber` (nil: from the oldest retained), oldest
    /// first. Throws ResourceNotFoundException for an unknown stream or shard and
    /// TrimmedDataAccessException when the position was removed by retention.
    public func streamRecords(streamArn: String, shardId: String, after sequenceNumber: String?, limit: Int) throws -> [StreamRecordEnvelope] {
        let after = try sequenceNumber.map(TableService.parseSequence) ?? 0
        return try store.database.read { db in
            guard let info = try self.streamInfo(db, arn: streamArn) else { throw TableService.streamNotFound(streamArn) }
            guard info.shardId == shardId else { throw TableService.shardNotFound(shardId) }
            if sequenceNumber != nil, after < (Int64(info.trimmedThrough) ?? 0) {
                throw TableService.trimmed
            }
            return try self.records(db, arn: streamArn, after: after, limit: max(1, limit)).map(TableService.envelope)
        }
    }

    /// The sequence number just before the first record created at or after `date`, for
    /// StartingPosition AT_TIMESTAMP (pass it as `after`). Nil means "from the beginning".
    public func streamPosition(streamArn: String, atOrAfter date: Date) throws -> String? {
        try store.database.read { db in
            let seq = try db.fetchOne(Int64.self, sql: "SELECT seq FROM ddb_stream_records WHERE stream_arn = ? AND created >= ? ORDER BY seq LIMIT 1",
                                         arguments: [streamArn, date.timeIntervalSince1970])
            if let seq { return seq > 1 ? StreamRecordWriter.formatSequence(seq - 1) : nil }
            let last = try db.fetchOne(Int64.self, sql: "SELECT max(seq) FROM ddb_stream_records WHERE stream_arn = ?", arguments: [streamArn])
            return last.map(StreamRecordWriter.formatSequence)
        }
    }

    /// Returns once the stream holds a record after `sequenceNumber` (nil: any record), or when
    /// the calling task is cancelled. Never polls: commits wake it.
    public func waitForStreamChange(streamArn: String, after sequenceNumber: String?) async {
        let after = (try? sequenceNumber.map(TableService.parseSequence) ?? 0) ?? 0
        if notifier.latest(streamArn) == nil {
            let last = try? await store.database.read { db in
                try db.fetchOne(Int64.self, sql: "SELECT max(seq) FROM ddb_stream_records WHERE stream_arn = ?", arguments: [streamArn])
            }
            notifier.seed(streamArn, (last ?? nil) ?? 0)
        }
        await notifier.wait(streamArn, after: after)
    }

    /// Every commit that adds records to the stream yields the newest sequence number. Only
    /// the newest pending value is buffered: a slow consumer sees one wake-up, then reads all.
    public func streamChanges(streamArn: String) -> AsyncStream<String> {
        let raw = notifier.subscribe(streamArn)
        return AsyncStream { continuation in
            let task = Task {
                for await seq in raw { continuation.yield(StreamRecordWriter.formatSequence(seq)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: Shared with the DynamoDBStreams operations

    static func parseSequence(_ text: String) throws(AWSError) -> Int64 {
        guard let n = Int64(text), n >= 0 else {
            throw AWSError.validation("1 validation error detected: Value '\(text)' at 'sequenceNumber' failed to satisfy constraint: Member must have length less than or equal to 40, and must be a sequence number")
        }
        return n
    }

    static func streamNotFound(_ arn: String) -> AWSError {
        AWSError.resourceNotFound("Requested resource not found: Stream: \(arn) not found")
    }

    static func shardNotFound(_ shard: String) -> AWSError {
        AWSError.resourceNotFound("Requested resource not found: Shard: \(shard) not found")
    }

    static let trimmed = AWSError("TrimmedDataAccessException", status: 400,
                                  "The operation attempted to read past the oldest stream record in a shard. Start again from TRIM_HORIZON or LATEST.")

    static func shardId(arn: String, created: Double) -> String {
        var h: UInt32 = 2166136261
        for b in arn.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let millis = String(Int64(created * 1000))
        let padded = String(repeating: "0", count: max(0, 20 - millis.count)) + millis
        let hex = String(h, radix: 16)
        return "shardId-" + padded + "-" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    func streamInfo(_ db: any SQLConnection, arn: String) throws -> StreamInfo? {
        guard let row = try db.fetchOne(sql: "SELECT * FROM ddb_streams WHERE arn = ?", arguments: [arn]) else { return nil }
        let last = try db.fetchOne(Int64.self, sql: "SELECT max(seq) FROM ddb_stream_records WHERE stream_arn = ?", arguments: [arn])
        let disabled: Double? = row["disabled"]
        return StreamInfo(streamArn: arn, tableName: row["table_name"], region: row["region"], viewType: row["view_type"],
                          shardId: TableService.shardId(arn: arn, created: row["created"]), enabled: disabled == nil,
                          trimmedThrough: StreamRecordWriter.formatSequence(row["trimmed_through"]),
                          latestSequenceNumber: last.map(StreamRecordWriter.formatSequence))
    }

    struct StoredRecord {
        var seq: Int64
        var created: Double
        var record: Data
    }

    func records(_ db: any SQLConnection, arn: String, after: Int64, limit: Int) throws -> [StoredRecord] {
        try db.fetchAll(sql: "SELECT seq, created, record FROM ddb_stream_records WHERE stream_arn = ? AND seq > ? ORDER BY seq LIMIT ?",
                         arguments: [arn, after, limit]).map { StoredRecord(seq: $0["seq"], created: $0["created"], record: $0["record"]) }
    }

    static func envelope(_ stored: StoredRecord) throws -> StreamRecordEnvelope {
        let parsed = try JSONParser.parse(stored.record)
        let body = parsed["dynamodb"]
        return StreamRecordEnvelope(
            sequenceNumber: StreamRecordWriter.formatSequence(stored.seq),
            record: stored.record,
            keys: JSONWriter.encode(body?["Keys"] ?? .object([:])),
            approximateCreationDateTime: Date(timeIntervalSince1970: stored.created),
            sizeBytes: body?["SizeBytes"]?.int ?? 0)
    }

    /// Removes records older than 24 hours and remembers how far each stream was trimmed.
    func trimStreams(now: Date) async throws {
        let cutoff = now.timeIntervalSince1970 - 24 * 3600
        // Records are in creation order: look at the oldest one before scanning anything.
        let oldest = try await store.database.read { db in
            try db.fetchOne(Double.self, sql: "SELECT created FROM ddb_stream_records ORDER BY seq LIMIT 1")
        }
        let disabledStreams = try await store.database.read { db in
            try db.fetchOne(Int.self, sql: "SELECT count(*) FROM ddb_streams WHERE disabled IS NOT NULL AND disabled < ?", arguments: [cutoff]) ?? 0
        }
        guard (oldest ?? .infinity) < cutoff || disabledStreams > 0 else { return }
        let appended: Void = try await store.database.write { db in
            let rows = try db.fetchAll(sql: "SELECT stream_arn, max(seq) AS last FROM ddb_stream_records WHERE created < ? GROUP BY stream_arn", arguments: [cutoff])
            for row in rows {
                let arn: String = row["stream_arn"]
                let last: Int64 = row["last"]
                try db.execute(sql: "DELETE FROM ddb_stream_records WHERE stream_arn = ? AND seq <= ?", arguments: [arn, last])
                try db.execute(sql: "UPDATE ddb_streams SET trimmed_through = CASE WHEN trimmed_through < ? THEN ? ELSE trimmed_through END WHERE arn = ?", arguments: [last, last, arn])
            }
            try db.execute(sql: "DELETE FROM ddb_streams WHERE disabled IS NOT NULL AND disabled < ?", arguments: [cutoff])
        }
        _ = appended
    }
}
