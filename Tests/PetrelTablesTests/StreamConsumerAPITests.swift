import Foundation
import Testing
@testable import PetrelTables
import PetrelCore
import PetrelStore

@Suite struct StreamConsumerAPITests {
    static func service() throws -> TableService {
        let store = try Store.temporary(migrations: [TableService.registerMigrations])
        return TableService(store: store, account: Account())
    }

    static func call(_ service: TableService, _ operation: String, _ body: String) async throws -> JSON {
        try JSONParser.parse(try await service.handle(operation: operation, body: Data(body.utf8), region: "us-east-1"))
    }

    static func createStreamTable(_ service: TableService) async throws -> String {
        let created = try await call(service, "CreateTable", """
            {"TableName":"birds","BillingMode":"PAY_PER_REQUEST",
             "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
             "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
             "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}
            """)
        return try #require(created["TableDescription"]?["LatestStreamArn"]?.string)
    }

    @Test func recordsHaveLambdaShapeAndCommitWithTheItem() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        let info = try #require(try service.streamInfo(streamArn: arn))
        #expect(info.latestSequenceNumber == nil)
        _ = try await Self.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"a"},"n":{"N":"1"}}}"#)
        _ = try await Self.call(service, "UpdateItem", #"{"TableName":"birds","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n + :o","ExpressionAttributeValues":{":o":{"N":"1"}}}"#)
        let records = try service.streamRecords(streamArn: arn, shardId: info.shardId, after: nil, limit: 10)
        #expect(records.count == 2)
        let first = try JSONParser.parse(records[0].record)
        #expect(first["eventName"] == .string("INSERT"))
        #expect(first["eventVersion"] == .string("1.1"))
        #expect(first["eventSource"] == .string("aws:dynamodb"))
        #expect(first["awsRegion"] == .string("us-east-1"))
        #expect(first["dynamodb"]?["SequenceNumber"] == .string(records[0].sequenceNumber))
        #expect(first["dynamodb"]?["NewImage"]?["n"] == .object(["N": .string("1")]))
        #expect(try JSONParser.parse(records[0].keys) == .object(["pk": .object(["S": .string("a")])]))
        let second = try JSONParser.parse(records[1].record)
        #expect(second["eventName"] == .string("MODIFY"))
        #expect(second["dynamodb"]?["OldImage"]?["n"] == .object(["N": .string("1")]))
        #expect(records[0].sequenceNumber < records[1].sequenceNumber)
        let after = try service.streamRecords(streamArn: arn, shardId: info.shardId, after: records[0].sequenceNumber, limit: 10)
        #expect(after.map(\.sequenceNumber) == [records[1].sequenceNumber])
    }

    @Test func waitForStreamChangeWakesOnCommit() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        async let woke: Void = service.waitForStreamChange(streamArn: arn, after: nil)
        try await Task.sleep(for: .milliseconds(50))
        _ = try await Self.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"x"}}}"#)
        await woke
        let info = try #require(try service.streamInfo(streamArn: arn))
        #expect(info.latestSequenceNumber != nil)
        // Already past: returns at once.
        await service.waitForStreamChange(streamArn: arn, after: nil)
    }

    @Test func disablingTheStreamWakesWaiters() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        async let woke: Void = service.waitForStreamChange(streamArn: arn, after: nil)
        // A close wakes the waiters parked at that moment (a stream closed earlier has nothing
        // to wait for): park first, however slowly the waiting task starts on a loaded machine.
        while service.notifier.waiterCount(arn) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        _ = try await Self.call(service, "UpdateTable", #"{"TableName":"birds","StreamSpecification":{"StreamEnabled":false}}"#)
        await woke
        #expect(try service.streamInfo(streamArn: arn)?.enabled == false)
    }

    @Test func waitingIsCancellable() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        let task = Task { await service.waitForStreamChange(streamArn: arn, after: nil) }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
        #expect(task.isCancelled)
    }

    @Test func changesStreamYieldsSequenceNumbers() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        let changes = service.streamChanges(streamArn: arn)
        try await Task.sleep(for: .milliseconds(20))
        _ = try await Self.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"y"}}}"#)
        var iterator = changes.makeAsyncIterator()
        let seq = await iterator.next()
        #expect(seq == StreamRecordWriter.formatSequence(1))
    }

    @Test func ttlSweepRemovesExpiredItemsWithServiceIdentity() async throws {
        let service = try Self.service()
        let arn = try await Self.createStreamTable(service)
        _ = try await Self.call(service, "UpdateTimeToLive", #"{"TableName":"birds","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}"#)
        _ = try await Self.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"old"},"exp":{"N":"1000"}}}"#)
        _ = try await Self.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"new"},"exp":{"N":"99999999999"}}}"#)
        try await service.expireItems(now: Date(timeIntervalSince1970: 2000))
        let got = try await Self.call(service, "GetItem", #"{"TableName":"birds","Key":{"pk":{"S":"old"}}}"#)
        #expect(got["Item"] == nil)
        let info = try #require(try service.streamInfo(streamArn: arn))
        let records = try service.streamRecords(streamArn: arn, shardId: info.shardId, after: nil, limit: 10)
        let last = try JSONParser.parse(records.last!.record)
        #expect(last["eventName"] == .string("REMOVE"))
        #expect(last["userIdentity"] == .object(["principalId": .string("dynamodb.amazonaws.com"), "type": .string("Service")]))
    }
}

@Suite struct StreamRetentionTests {
    static func streams(_ service: TableService, _ operation: String, _ body: [String: JSON]) async throws -> JSON {
        try JSONParser.parse(try await service.handleStreams(operation: operation, body: JSONWriter.encode(.object(body)), region: "us-east-1"))
    }

    @Test func expiredIteratorsAreRejected() async throws {
        let service = try StreamConsumerAPITests.service()
        let arn = try await StreamConsumerAPITests.createStreamTable(service)
        let info = try #require(try service.streamInfo(streamArn: arn))
        let old = ShardIterator(streamArn: arn, shardId: info.shardId, after: 0, issued: Date().timeIntervalSince1970 - 3600)
        await #expect(throws: AWSError.self) {
            _ = try await Self.streams(service, "GetRecords", ["ShardIterator": .string(old.token)])
        }
        do {
            _ = try await Self.streams(service, "GetRecords", ["ShardIterator": .string(old.token)])
        } catch let error as AWSError {
            #expect(error.code == "ExpiredIteratorException")
        }
    }

    @Test func trimmedPositionsAreRejectedAfterRetention() async throws {
        let service = try StreamConsumerAPITests.service()
        let arn = try await StreamConsumerAPITests.createStreamTable(service)
        _ = try await StreamConsumerAPITests.call(service, "PutItem", #"{"TableName":"birds","Item":{"pk":{"S":"a"}}}"#)
        let info = try #require(try service.streamInfo(streamArn: arn))
        let first = try #require(info.latestSequenceNumber)
        let iterator = try await Self.streams(service, "GetShardIterator", [
            "StreamArn": .string(arn), "ShardId": .string(info.shardId), "ShardIteratorType": .string("TRIM_HORIZON"),
        ])
        try await service.trimStreams(now: Date().addingTimeInterval(25 * 3600))
        do {
            _ = try await Self.streams(service, "GetShardIterator", [
                "StreamArn": .string(arn), "ShardId": .string(info.shardId),
                "ShardIteratorType": .string("AT_SEQUENCE_NUMBER"), "SequenceNumber": .string(first),
            ])
            Issue.record("expected TrimmedDataAccessException")
        } catch let error as AWSError {
            #expect(error.code == "TrimmedDataAccessException")
        }
        // An iterator issued before the trim now points at removed records.
        do {
            _ = try await Self.streams(service, "GetRecords", ["ShardIterator": iterator["ShardIterator"]!])
            Issue.record("expected TrimmedDataAccessException")
        } catch let error as AWSError {
            #expect(error.code == "TrimmedDataAccessException")
        }
        #expect(throws: AWSError.self) { try service.streamRecords(streamArn: arn, shardId: info.shardId, after: "000000000000000000000", limit: 10) }
        // TRIM_HORIZON after the trim is fine and empty.
        let fresh = try await Self.streams(service, "GetShardIterator", [
            "StreamArn": .string(arn), "ShardId": .string(info.shardId), "ShardIteratorType": .string("TRIM_HORIZON"),
        ])
        let page = try await Self.streams(service, "GetRecords", ["ShardIterator": fresh["ShardIterator"]!])
        #expect(page["Records"] == .array([]))
    }
}
