import Foundation
import PetrelStore
import PetrelCore

/// Appends stream records inside the item write's transaction, so a change and its record
/// commit together. Remembers the last sequence number per stream so the service can wake
/// waiters after the commit.
struct StreamRecordWriter {
    let region: String
    private(set) var appended: [String: Int64] = [:]

    init(region: String) { self.region = region }

    static let serviceIdentity: JSON = .object(["principalId": .string("dynamodb.amazonaws.com"), "type": .string("Service")])

    static func formatSequence(_ seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 21 - digits.count)) + digits
    }

    mutating func append(_ db: any SQLConnection, table: TableDefinition, old: Item?, new: Item?, byService: Bool = false) throws {
        guard let stream = table.stream, stream.enabled else { return }
        let eventName: String
        switch (old, new) {
        case (nil, nil): return
        case (nil, _): eventName = "INSERT"
        case (_, nil): eventName = "REMOVE"
        default: eventName = "MODIFY"
        }
        // One counter for every stream record, taken in the writing transaction: on PostgreSQL
        // the row lock orders concurrent writers, so sequence numbers follow commit order.
        guard let seq = try db.fetchOne(Int64.self, sql: "UPDATE ddb_counters SET last = last + 1 WHERE name = 'stream_records' RETURNING last") else {
            throw AWSError.service("The stream record counter is missing from the database.")
        }
        let now = Date().timeIntervalSince1970
        let keys = table.key.keyItem(of: (new ?? old)!)
        var body: [String: JSON] = [
            "ApproximateCreationDateTime": .number(String(Int64(now))),
            "Keys": keys.wire,
            "SequenceNumber": .string(StreamRecordWriter.formatSequence(seq)),
            "StreamViewType": .string(stream.viewType),
        ]
        var size = keys.itemSize
        if let new, stream.viewType == "NEW_IMAGE" || stream.viewType == "NEW_AND_OLD_IMAGES" {
            body["NewImage"] = new.wire
            size += new.itemSize
        }
        if let old, stream.viewType == "OLD_IMAGE" || stream.viewType == "NEW_AND_OLD_IMAGES" {
            body["OldImage"] = old.wire
            size += old.itemSize
        }
        body["SizeBytes"] = .int(size)
        var record: [String: JSON] = [
            "eventID": .string(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()),
            "eventName": .string(eventName),
            "eventVersion": .string("1.1"),
            "eventSource": .string("aws:dynamodb"),
            "awsRegion": .string(table.region),
            "dynamodb": .object(body),
        ]
        if byService { record["userIdentity"] = StreamRecordWriter.serviceIdentity }
        try db.execute(sql: "INSERT INTO ddb_stream_records (seq, stream_arn, created, record) VALUES (?, ?, ?, ?)", arguments: [seq, stream.arn, now, JSONWriter.encode(.object(record))])
        appended[stream.arn] = seq
    }
}
