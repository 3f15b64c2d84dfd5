import Foundation
import Logging
import PetrelCore
@testable import PetrelKinesis
import PetrelStore
import Synchronization
import Testing

/// A clock the test moves (epoch milliseconds).
final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_764_000_000_000)
    func now() -> Int64 { value.withLock { $0 } }
    func advance(_ ms: Int64) { value.withLock { $0 += ms } }
}

/// The service over a real store (SQLite, or PostgreSQL under `make postgres`), with a clock
/// the test moves.
@Suite struct KinesisServiceTests {
    let clock = TestClock()
    let service: KinesisService
    let context = KinesisRequestContext(account: "000000000000", region: "us-east-1")

    init() throws {
        let store = try Store.temporary(migrations: [KinesisService.registerMigrations])
        let clock = self.clock
        service = KinesisService(store: store, configuration: KinesisConfiguration(shardLimits: nil), logger: Logger(label: "test"),
                                 now: { clock.now() })
    }

    func call(_ operation: String, _ members: [String: JSONValue]) async throws -> JSONValue {
        try await service.handle(operation, KinesisInput(.object(members)), context: context)
    }

    func put(_ stream: String, _ key: String, _ text: String) async throws -> (shard: String, sequence: String) {
        let out = try await call("PutRecord", ["StreamName": .string(stream), "PartitionKey": .string(key),
                                               "Data": .string(Data(text.utf8).base64EncodedString())])
        return (out["ShardId"]!.stringValue!, out["SequenceNumber"]!.stringValue!)
    }

    func readAll(_ stream: String, _ shard: String) async throws -> [String] {
        let it = try await call("GetShardIterator", ["StreamName": .string(stream), "ShardId": .string(shard), "ShardIteratorType": .string("TRIM_HORIZON")])
        let out = try await call("GetRecords", ["ShardIterator": it["ShardIterator"]!])
        guard case .array(let records)? = out["Records"] else { return [] }
        return records.map { String(decoding: Data(base64Encoded: $0["Data"]!.stringValue!)!, as: UTF8.self) }
    }

    @Test func putThenReadInOrderPerShard() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(2)])
        var written: [String: [String]] = [:]
        for i in 0..<20 {
            let (shard, _) = try await put("s", "key-\(i % 5)", "r\(i)")
            written[shard, default: []].append("r\(i)")
        }
        for (shard, texts) in written { #expect(try await readAll("s", shard) == texts) }
    }

    @Test func aSplitKeepsParentReadableAndRoutesToChildren() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        _ = try await put("s", "k", "before")
        _ = try await call("SplitShard", ["StreamName": .string("s"), "ShardToSplit": .string("shardId-000000000000"),
                                          "NewStartingHashKey": .string(String(UInt128.max / 2 + 1))])
        let (child, _) = try await put("s", "k", "after")
        #expect(child != "shardId-000000000000")
        #expect(try await readAll("s", "shardId-000000000000") == ["before"])
        let shards = try service.shards(streamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s")
        #expect(shards.count == 3 && shards[0].endingSequenceNumber != nil)
        #expect(shards.filter { $0.parentShardID == "shardId-000000000000" }.count == 2)
        // The read API: the parent ends, and names its children.
        let start = try service.startingPosition(streamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s", shardID: "shardId-000000000000", .trimHorizon)
        let read = try service.read(streamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s", shardID: "shardId-000000000000", after: start, limit: 10)
        #expect(read.records.count == 1 && read.shardEnded && read.children.count == 2)
    }

    @Test func decreasingRetentionTrims() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        _ = try await call("IncreaseStreamRetentionPeriod", ["StreamName": .string("s"), "RetentionPeriodHours": .number(48)])
        _ = try await put("s", "k", "old")
        clock.advance(30 * 3_600_000)
        _ = try await put("s", "k", "new")
        #expect(try await readAll("s", "shardId-000000000000") == ["old", "new"])
        _ = try await call("DecreaseStreamRetentionPeriod", ["StreamName": .string("s"), "RetentionPeriodHours": .number(24)])
        #expect(try await readAll("s", "shardId-000000000000") == ["new"])
    }

    @Test func iteratorsExpireAfterFiveMinutes() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let it = try await call("GetShardIterator", ["StreamName": .string("s"), "ShardId": .string("shardId-000000000000"), "ShardIteratorType": .string("LATEST")])
        clock.advance(300_001)
        await #expect(throws: AWSError.self) { _ = try await call("GetRecords", ["ShardIterator": it["ShardIterator"]!]) }
        do {
            _ = try await call("GetRecords", ["ShardIterator": it["ShardIterator"]!])
        } catch let error as AWSError {
            #expect(error.code == "ExpiredIteratorException")
        }
    }

    @Test func badInputGetsAWSErrors() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let cases: [(String, [String: JSONValue], String)] = [
            ("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)], "ResourceInUseException"),
            ("CreateStream", ["StreamName": .string("bad name"), "ShardCount": .number(1)], "ValidationException"),
            ("DescribeStream", ["StreamName": .string("nope")], "ResourceNotFoundException"),
            ("PutRecord", ["StreamName": .string("s"), "PartitionKey": .string("k"), "Data": .string("AA=="), "ExplicitHashKey": .string("-3")], "InvalidArgumentException"),
            ("PutRecord", ["StreamName": .string("s"), "PartitionKey": .string(String(repeating: "k", count: 257)), "Data": .string("AA==")], "ValidationException"),
            ("GetRecords", ["ShardIterator": .string("garbage")], "InvalidArgumentException"),
            ("GetShardIterator", ["StreamName": .string("s"), "ShardId": .string("shardId-000000000009"), "ShardIteratorType": .string("LATEST")], "ResourceNotFoundException"),
            ("MergeShards", ["StreamName": .string("s"), "ShardToMerge": .string("shardId-000000000000"), "AdjacentShardToMerge": .string("shardId-000000000000")], "InvalidArgumentException"),
        ]
        for (operation, members, code) in cases {
            do {
                _ = try await call(operation, members)
                Issue.record("\(operation) \(members) succeeded")
            } catch let error as AWSError {
                #expect(error.code == code, "\(operation): \(error)")
            }
        }
    }
}
