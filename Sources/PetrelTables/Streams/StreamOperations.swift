import Foundation
import PetrelStore
import PetrelCore

/// A shard iterator: an opaque token naming a position (records after `after`) and when it
/// was issued. Iterators expire after 15 minutes, as on AWS.
struct ShardIterator: Equatable {
    var streamArn: String
    var shardId: String
    var after: Int64
    var issued: Double

    static let lifetime: Double = 15 * 60

    var token: String {
        let text = "1|\(after)|\(Int64(issued * 1000))|\(shardId)|\(streamArn)"
        return Data(text.utf8).base64EncodedString()
    }

    init(streamArn: String, shardId: String, after: Int64, issued: Double) {
        self.streamArn = streamArn
        self.shardId = shardId
        self.after = after
        self.issued = issued
    }

    init(token: String) throws(AWSError) {
        let invalid = AWSError.validation("Invalid ShardIterator: the iterator is not one this service issued. Get a new one with GetShardIterator.")
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { throw invalid }
        let parts = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "1", let after = Int64(parts[1]), let issued = Int64(parts[2]) else { throw invalid }
        self.init(streamArn: String(parts[4]), shardId: String(parts[3]), after: after, issued: Double(issued) / 1000)
    }
}

extension TableService {
    /// Stored records have Lambda's event shape; the Streams API spells userIdentity's members
    /// `PrincipalId` and `Type`.
    static func streamsAPIShape(_ record: JSON) -> JSON {
        guard case .object(var members) = record, let identity = members["userIdentity"] else { return record }
        members["userIdentity"] = .object(["PrincipalId": identity["principalId"] ?? .null, "Type": identity["type"] ?? .null])
        return .object(members)
    }

    func listStreams(_ request: Request, _ context: OperationContext) async throws -> Data {
        let tableName = try request.string("TableName")
        if let tableName { try Request.validateTableName(tableName) }
        let limit = try request.int("Limit", range: 1...100) ?? 100
        let start = try request.string("ExclusiveStartStreamArn", length: 37...1024)
        let rows = try await store.database.read { db in
            try db.fetchAll(sql: "SELECT arn, table_name, label FROM ddb_streams WHERE region = ? AND (? IS NULL OR table_name = ?) ORDER BY arn",
                             arguments: [context.region, tableName, tableName])
        }
        let all = rows.filter { start == nil || ($0["arn"] as String) > start! }
        let page = all.prefix(max(1, limit))
        var out: [String: JSON] = [
            "Streams": .array(page.map { .object(["StreamArn": .string($0["arn"]), "TableName": .string($0["table_name"]), "StreamLabel": .string($0["label"])]) }),
        ]
        if all.count > page.count, let last = page.last { out["LastEvaluatedStreamArn"] = .string(last["arn"]) }
        return Response.encode(out)
    }

    func describeStream(_ request: Request, _ context: OperationContext) async throws -> Data {
        _ = try request.required("StreamArn")
        let arn = try request.string("StreamArn", length: 37...1024) ?? ""
        let limit = try request.int("Limit", range: 1...100) ?? 100
        let startShard = try request.string("ExclusiveStartShardId", length: 28...65)
        let description = try await store.database.read { db -> JSON in
            guard let row = try db.fetchOne(sql: "SELECT * FROM ddb_streams WHERE arn = ?", arguments: [arn]),
                  let info = try self.streamInfo(db, arn: arn) else {
                throw TableService.streamNotFound(arn)
            }
            let first = try db.fetchOne(Int64.self, sql: "SELECT min(seq) FROM ddb_stream_records WHERE stream_arn = ?", arguments: [arn])
            let next = (try db.fetchOne(Int64.self, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_records'") ?? 0) + 1
            var range: [String: JSON] = ["StartingSequenceNumber": .string(StreamRecordWriter.formatSequence(first ?? next))]
            if !info.enabled, let last = info.latestSequenceNumber { range["EndingSequenceNumber"] = .string(last) }
            let key = try JSONDecoder().decode(KeySchema.self, from: row["key_schema"] as Data)
            let keySchema = key.wire
            return .object([
                "StreamArn": .string(arn),
                "StreamLabel": .string(row["label"]),
                "StreamStatus": .string(info.enabled ? "ENABLED" : "DISABLED"),
                "StreamViewType": .string(info.viewType),
                "CreationRequestDateTime": .number(String(format: "%.3f", row["created"] as Double)),
                "TableName": .string(info.tableName),
                "KeySchema": keySchema,
                // One shard per stream: a page after it (ExclusiveStartShardId) is empty.
                "Shards": .array(Array([JSON.object(["ShardId": .string(info.shardId), "SequenceNumberRange": .object(range)])]
                    .filter { _ in startShard.map { info.shardId > $0 } ?? true }.prefix(limit))),
            ])
        }
        return Response.encode(["StreamDescription": description])
    }

    func getShardIterator(_ request: Request, _ context: OperationContext) async throws -> Data {
        _ = try request.required("StreamArn")
        _ = try request.required("ShardId")
        _ = try request.required("ShardIteratorType")
        let arn = try request.string("StreamArn", length: 37...1024) ?? ""
        let shardId = try request.string("ShardId", length: 28...65) ?? ""
        let type = try request.choice("ShardIteratorType", ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"], default: "LATEST")
        let sequence = try request.string("SequenceNumber", length: 21...40)
        if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") && sequence == nil {
            throw AWSError.validation("Must specify a sequence number for iterator type \(type)")
        }
        let after = try await store.database.read { db -> Int64 in
            guard let info = try self.streamInfo(db, arn: arn) else { throw TableService.streamNotFound(arn) }
            guard info.shardId == shardId else { throw TableService.shardNotFound(shardId) }
            let trimmed = Int64(info.trimmedThrough) ?? 0
            switch type {
            case "TRIM_HORIZON":
                return trimmed
            case "LATEST":
                return Int64(info.latestSequenceNumber ?? "") ?? trimmed
            default:
                let n = try TableService.parseSequence(sequence!)
                if n <= trimmed { throw TableService.trimmed }
                return type == "AT_SEQUENCE_NUMBER" ? n - 1 : n
            }
        }
        let iterator = ShardIterator(streamArn: arn, shardId: shardId, after: after, issued: Date().timeIntervalSince1970)
        return Response.encode(["ShardIterator": .string(iterator.token)])
    }

    func getRecords(_ request: Request, _ context: OperationContext) async throws -> Data {
        let iterator = try ShardIterator(token: try request.requiredString("ShardIterator"))
        let limit = try request.int("Limit", range: 1...1000) ?? 1000
        let now = Date().timeIntervalSince1970
        if now - iterator.issued > ShardIterator.lifetime {
            throw AWSError("ExpiredIteratorException", status: 400, "Iterator expired. The iterator was created at time \(Date(timeIntervalSince1970: iterator.issued)) while right now it is \(Date(timeIntervalSince1970: now)). Get a new one with GetShardIterator.")
        }
        let (records, info) = try await store.database.read { db -> ([StoredRecord], StreamInfo) in
            guard let info = try self.streamInfo(db, arn: iterator.streamArn) else { throw TableService.streamNotFound(iterator.streamArn) }
            if iterator.after < (Int64(info.trimmedThrough) ?? 0) { throw TableService.trimmed }
            return (try self.records(db, arn: iterator.streamArn, after: iterator.after, limit: limit), info)
        }
        var parsed: [JSON] = []
        for r in records { parsed.append(TableService.streamsAPIShape(try JSONParser.parse(r.record))) }
        var out: [String: JSON] = ["Records": .array(parsed)]
        let lastSeq = records.last?.seq ?? iterator.after
        let exhausted = !info.enabled && lastSeq >= (Int64(info.latestSequenceNumber ?? "") ?? 0)
        if !exhausted {
            out["NextShardIterator"] = .string(ShardIterator(streamArn: iterator.streamArn, shardId: iterator.shardId, after: lastSeq, issued: now).token)
        }
        return Response.encode(out)
    }
}
