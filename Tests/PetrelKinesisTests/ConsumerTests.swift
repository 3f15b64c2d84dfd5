import Foundation
import Logging
import PetrelCore
@testable import PetrelKinesis
import PetrelStore
import Synchronization
import Testing

/// The pure parts of enhanced fan-out: consumer ARNs, states, the resubscribe rule, event shapes.
@Suite struct ConsumerPureTests {
    @Test func consumerARNRoundTrips() {
        let arn = ConsumerARN(region: "eu-west-1", account: "000000000000", streamName: "clicks", consumerName: "app.1", createdSeconds: 1_764_000_000)
        #expect(arn.description == "arn:aws:kinesis:eu-west-1:000000000000:stream/clicks/consumer/app.1:1764000000")
        #expect(ConsumerARN(arn.description) == arn)
        #expect(arn.streamARN == "arn:aws:kinesis:eu-west-1:000000000000:stream/clicks")
    }

    @Test(arguments: [
        "arn:aws:kinesis:us-east-1:000000000000:stream/clicks",
        "arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/c",
        "arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/c:abc",
        "arn:aws:kinesis:us-east-1:00000000000:stream/clicks/consumer/c:1",
        "arn:aws:sqs:us-east-1:000000000000:stream/clicks/consumer/c:1",
        "arn:aws:kinesis:us-east-1:000000000000:stream/cl icks/consumer/c:1",
        "arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/c:1/x",
        "",
    ])
    func malformedConsumerARNsAreRefused(_ text: String) {
        #expect(ConsumerARN(text) == nil)
    }

    @Test func statesFollowRegistrationAndDeregistration() {
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: nil, delayMs: 500, nowMs: 1000) == .creating)
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: nil, delayMs: 500, nowMs: 1499) == .creating)
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: nil, delayMs: 500, nowMs: 1500) == .active)
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: 2000, delayMs: 500, nowMs: 2499) == .deleting)
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: 2000, delayMs: 500, nowMs: 2500) == nil)
        // No delay: ACTIVE at once, gone at once.
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: nil, delayMs: 0, nowMs: 1000) == .active)
        #expect(ConsumerState.of(createdMs: 1000, deregisteredMs: 1000, delayMs: 0, nowMs: 1000) == nil)
    }

    @Test func resubscribingWaitsFiveSeconds() {
        #expect(SubscriptionRegistry.admits(lastStartMs: nil, nowMs: 0))
        #expect(!SubscriptionRegistry.admits(lastStartMs: 10_000, nowMs: 14_999))
        #expect(SubscriptionRegistry.admits(lastStartMs: 10_000, nowMs: 15_000))
        let registry = SubscriptionRegistry()
        let key = SubscriptionRegistry.Key(consumerARN: "c", shardIndex: 0)
        let first = registry.begin(key, streamID: 1, nowMs: 0)
        #expect(first != nil)
        #expect(registry.begin(key, streamID: 1, nowMs: 4_000) == nil)
        // Another shard of the same consumer is another subscription.
        #expect(registry.begin(SubscriptionRegistry.Key(consumerARN: "c", shardIndex: 1), streamID: 1, nowMs: 4_000) != nil)
        let second = registry.begin(key, streamID: 1, nowMs: 5_000)
        #expect(second != nil)
        // The newer subscription replaces the open one.
        #expect(!registry.isCurrent(key, ticket: first!))
        #expect(registry.isCurrent(key, ticket: second!))
        #expect(registry.close() == [1])
        #expect(!registry.isCurrent(key, ticket: second!))
        #expect(registry.begin(key, streamID: 1, nowMs: 60_000) == nil)
    }

    @Test func eventLeavesContinuationOutAtShardEnd() {
        let open = KinesisService.subscribeToShardEvent(records: [], continuation: "49", millisBehindLatest: 0, childShards: nil)
        #expect(open["ContinuationSequenceNumber"] == .string("49"))
        #expect(open["ChildShards"] == nil)
        #expect(open["Records"] == .array([]))
        let ended = KinesisService.subscribeToShardEvent(records: [], continuation: nil, millisBehindLatest: 0, childShards: [.string("x")])
        #expect(ended["ContinuationSequenceNumber"] == nil)
        #expect(ended["ChildShards"] == .array([.string("x")]))
    }
}

/// Consumers and subscriptions over a real store (SQLite, or PostgreSQL under `make postgres`).
@Suite struct KinesisConsumerTests {
    let clock = TestClock()
    let service: KinesisService
    let context = KinesisRequestContext(account: "000000000000", region: "us-east-1")
    static let streamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"

    init() throws {
        let store = try Store.temporary(migrations: [KinesisService.registerMigrations])
        let clock = self.clock
        service = KinesisService(store: store, configuration: KinesisConfiguration(shardLimits: nil, consumerDelayMs: 1000, subscriptionMs: 30_000),
                                 logger: Logger(label: "test"), now: { clock.now() })
    }

    func call(_ operation: String, _ members: [String: JSONValue]) async throws -> JSONValue {
        try await service.handle(operation, KinesisInput(.object(members)), context: context)
    }

    func code(_ operation: String, _ members: [String: JSONValue]) async -> String? {
        do { _ = try await call(operation, members); return nil } catch let error as AWSError { return error.code } catch { return "\(error)" }
    }

    func register(_ name: String) async throws -> String {
        let out = try await call("RegisterStreamConsumer", ["StreamARN": .string(Self.streamARN), "ConsumerName": .string(name)])
        return out["Consumer"]!["ConsumerARN"]!.stringValue!
    }

    func status(_ arn: String) async throws -> String? {
        try await call("DescribeStreamConsumer", ["ConsumerARN": .string(arn)])["ConsumerDescription"]?["ConsumerStatus"]?.stringValue
    }

    @Test func registerDescribeListDeregister() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        #expect(arn == "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/app:\(clock.now() / 1000)")
        #expect(try await status(arn) == "CREATING")
        #expect(await code("RegisterStreamConsumer", ["StreamARN": .string(Self.streamARN), "ConsumerName": .string("app")]) == "ResourceInUseException")
        clock.advance(1000)
        #expect(try await status(arn) == "ACTIVE")
        let byName = try await call("DescribeStreamConsumer", ["StreamARN": .string(Self.streamARN), "ConsumerName": .string("app")])
        #expect(byName["ConsumerDescription"]?["StreamARN"] == .string(Self.streamARN))
        let summary = try await call("DescribeStreamSummary", ["StreamName": .string("s")])
        #expect(summary["StreamDescriptionSummary"]?["ConsumerCount"] == .number(1))
        _ = try await call("DeregisterStreamConsumer", ["ConsumerARN": .string(arn)])
        #expect(try await status(arn) == "DELETING")
        clock.advance(1000)
        #expect(await code("DescribeStreamConsumer", ["ConsumerARN": .string(arn)]) == "ResourceNotFoundException")
        // The name is free again, under another ARN.
        clock.advance(1000)
        #expect(try await register("app") != arn)
    }

    @Test func twentyConsumersPerStreamAndPagedListing() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        for i in 0..<20 { _ = try await register("c\(i)") }
        #expect(await code("RegisterStreamConsumer", ["StreamARN": .string(Self.streamARN), "ConsumerName": .string("c20")]) == "LimitExceededException")
        var names: [String] = []
        var token: JSONValue?
        repeat {
            var members: [String: JSONValue] = ["StreamARN": .string(Self.streamARN), "MaxResults": .number(7)]
            if let token { members["NextToken"] = token }
            let page = try await call("ListStreamConsumers", members)
            if case .array(let consumers)? = page["Consumers"] { names += consumers.compactMap { $0["ConsumerName"]?.stringValue } }
            token = page["NextToken"]
        } while token != nil
        #expect(names == (0..<20).map { "c\($0)" })
        let first = try await call("ListStreamConsumers", ["StreamARN": .string(Self.streamARN), "MaxResults": .number(5)])
        clock.advance(301_000)
        #expect(await code("ListStreamConsumers", ["StreamARN": .string(Self.streamARN), "NextToken": first["NextToken"]!]) == "ExpiredNextTokenException")
    }

    @Test func deletingAStreamTakesItsConsumers() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        #expect(await code("DeleteStream", ["StreamName": .string("s")]) == "ResourceInUseException")
        _ = try await call("DeleteStream", ["StreamName": .string("s"), "EnforceConsumerDeletion": .bool(true)])
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        #expect(await code("DescribeStreamConsumer", ["ConsumerARN": .string(arn)]) == "ResourceNotFoundException")
        let list = try await call("ListStreamConsumers", ["StreamARN": .string(Self.streamARN)])
        #expect(list["Consumers"] == .array([]))
    }

    func subscribe(_ arn: String, shard: String = "shardId-000000000000", _ position: [String: JSONValue]) throws -> ShardSubscription {
        try service.subscribeToShard(KinesisInput(.object(["ConsumerARN": .string(arn), "ShardId": .string(shard),
                                                           "StartingPosition": .object(position)])), context: context)
    }

    func subscribeCode(_ arn: String, shard: String = "shardId-000000000000", _ position: [String: JSONValue]) -> String? {
        do { _ = try subscribe(arn, shard: shard, position); return nil } catch let error as AWSError { return error.code } catch { return "\(error)" }
    }

    @Test func subscribeRefusesWhatAWSRefuses() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        #expect(subscribeCode(arn, ["Type": .string("LATEST")]) == "ResourceInUseException")
        clock.advance(1000)
        #expect(subscribeCode(arn + "9", ["Type": .string("LATEST")]) == "ResourceNotFoundException")
        #expect(subscribeCode(arn, shard: "shardId-000000000007", ["Type": .string("LATEST")]) == "ResourceNotFoundException")
        #expect(subscribeCode(arn, ["Type": .string("AT_SEQUENCE_NUMBER")]) == "InvalidArgumentException")
        #expect(subscribeCode(arn, ["Type": .string("SOMEWHERE")]) == "ValidationException")
        #expect(subscribeCode(arn, ["Type": .string("LATEST")]) == nil)
        #expect(subscribeCode(arn, ["Type": .string("LATEST")]) == "ResourceInUseException")
        clock.advance(5000)
        #expect(subscribeCode(arn, ["Type": .string("LATEST")]) == nil)
    }

    struct Enough: Error {}

    /// Collects a subscription's events until it ends, or until `done` says enough were seen.
    func events(_ subscription: ShardSubscription, until done: @escaping @Sendable ([SubscriptionEvent]) -> Bool = { _ in false }) async throws -> [SubscriptionEvent] {
        let collected = Mutex<[SubscriptionEvent]>([])
        do {
            try await service.run(subscription) { event in
                let all = collected.withLock { list -> [SubscriptionEvent] in list.append(event); return list }
                if done(all) { throw Enough() }
            }
        } catch is Enough {}
        return collected.withLock { $0 }
    }

    static func data(_ event: SubscriptionEvent) -> [String] {
        guard case .records(let payload) = event, case .array(let records)? = payload["Records"] else { return [] }
        return records.map { String(decoding: Data(base64Encoded: $0["Data"]!.stringValue!)!, as: UTF8.self) }
    }

    @Test func aSubscriptionPushesRecordsAsTheyArriveAndContinues() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        clock.advance(1000)
        _ = try await call("PutRecord", ["StreamName": .string("s"), "PartitionKey": .string("k"), "Data": .string(Data("a".utf8).base64EncodedString())])
        let subscription = try subscribe(arn, ["Type": .string("TRIM_HORIZON")])
        let service = self.service
        let context = self.context
        let writer = Task {
            try await Task.sleep(for: .milliseconds(100))
            _ = try await service.handle("PutRecord", KinesisInput(.object(["StreamName": .string("s"), "PartitionKey": .string("k"),
                                                                              "Data": .string(Data("b".utf8).base64EncodedString())])),
                                         context: context)
        }
        let got = try await events(subscription) { $0.flatMap(Self.data).count >= 2 }
        try await writer.value
        #expect(got.flatMap(Self.data) == ["a", "b"])
        // The first event came at once with the record already there; "b" came in its own event.
        #expect(Self.data(got[0]) == ["a"])
        guard case .records(let last) = got.last!, let continuation = last["ContinuationSequenceNumber"]?.stringValue else {
            Issue.record("no continuation"); return
        }
        clock.advance(5000)
        let again = try subscribe(arn, ["Type": .string("AFTER_SEQUENCE_NUMBER"), "SequenceNumber": .string(continuation)])
        // The first event comes at once, with nothing after the continuation.
        #expect(try await events(again) { !$0.isEmpty }.flatMap(Self.data) == [])
    }

    @Test func aClosedShardEndsTheSubscriptionWithItsChildren() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        clock.advance(1000)
        _ = try await call("PutRecord", ["StreamName": .string("s"), "PartitionKey": .string("k"), "Data": .string(Data("a".utf8).base64EncodedString())])
        _ = try await call("SplitShard", ["StreamName": .string("s"), "ShardToSplit": .string("shardId-000000000000"),
                                          "NewStartingHashKey": .string("170141183460469231731687303715884105728")])
        let got = try await events(try subscribe(arn, ["Type": .string("TRIM_HORIZON")]))
        #expect(got.count == 1)
        guard case .records(let event) = got[0], case .array(let children)? = event["ChildShards"] else { Issue.record("no children"); return }
        #expect(children.count == 2)
        #expect(event["ContinuationSequenceNumber"] == nil)
        #expect(Self.data(got[0]) == ["a"])
    }

    @Test func deregisteringEndsASubscriptionWithAnError() async throws {
        _ = try await call("CreateStream", ["StreamName": .string("s"), "ShardCount": .number(1)])
        let arn = try await register("app")
        clock.advance(1000)
        let subscription = try subscribe(arn, ["Type": .string("LATEST")])
        _ = try await call("DeregisterStreamConsumer", ["ConsumerARN": .string(arn)])
        let got = try await events(subscription)
        #expect(got.count == 1)
        if case .failure(let error) = got[0] { #expect(error.code == "ResourceNotFoundException") } else { Issue.record("no error") }
    }
}
