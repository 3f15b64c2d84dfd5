import Foundation
import Logging
import PetrelCore
@testable import PetrelQueues
import PetrelStore
import Synchronization
import Testing

/// The service over a real temporary store, with a clock the test moves.
@Suite struct QueueServiceTests {
    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_700_000_000_000)
        func advance(seconds: Double) { ms.withLock { $0 += Int64(seconds * 1000) } }
        var now: Int64 { ms.withLock { $0 } }
    }

    let clock = Clock()
    let service: QueueService
    let context = QueueRequestContext(account: "000000000000", region: "us-east-1", host: "127.0.0.1:4566", senderID: "000000000000")

    init() throws {
        let store = try Store.temporary(migrations: [QueueStore.registerMigrations])
        let clock = clock
        service = QueueService(store: store, logger: Logger(label: "test"), now: { clock.now })
    }

    func call(_ operation: String, _ input: [String: JSONValue]) async throws -> JSONValue {
        try await service.handle(operation, SQSInput(.object(input)), context: context)
    }

    func create(_ name: String, _ attributes: [String: String] = [:]) async throws -> String {
        let out = try await call("CreateQueue", ["QueueName": .string(name), "Attributes": .object(attributes.mapValues { .string($0) })])
        return try #require(out["QueueUrl"]?.stringValue)
    }

    func receive(_ url: String, max: Int = 10, visibility: Int? = nil) async throws -> [JSONValue] {
        var input: [String: JSONValue] = ["QueueUrl": .string(url), "MaxNumberOfMessages": .number(Double(max)),
                                          "MessageSystemAttributeNames": .array([.string("All")])]
        if let visibility { input["VisibilityTimeout"] = .number(Double(visibility)) }
        guard case .array(let messages)? = try await call("ReceiveMessage", input)["Messages"] else { return [] }
        return messages
    }

    func send(_ url: String, _ body: String, extra: [String: JSONValue] = [:]) async throws -> JSONValue {
        try await call("SendMessage", ["QueueUrl": .string(url), "MessageBody": .string(body)].merging(extra) { $1 })
    }

    @Test func messageReappearsAfterVisibilityTimeout() async throws {
        let url = try await create("vis", ["VisibilityTimeout": "10"])
        _ = try await send(url, "hello")
        let first = try await receive(url)
        #expect(first.count == 1)
        #expect(try await receive(url).isEmpty)
        clock.advance(seconds: 10.5)
        let again = try await receive(url)
        #expect(again.first?["Body"]?.stringValue == "hello")
        #expect(again.first?["Attributes"]?["ApproximateReceiveCount"]?.stringValue == "2")
        // A standard queue takes any receipt of the message, as AWS does: the first one deletes it.
        _ = try await call("DeleteMessage", ["QueueUrl": .string(url), "ReceiptHandle": first[0]["ReceiptHandle"]!])
        clock.advance(seconds: 11)
        #expect(try await receive(url).isEmpty)
        // Deleting it again succeeds.
        _ = try await call("DeleteMessage", ["QueueUrl": .string(url), "ReceiptHandle": again[0]["ReceiptHandle"]!])
    }

    @Test func fifoReceiptHandlesExpireWithTheirReceive() async throws {
        let url = try await create("expiry.fifo", ["FifoQueue": "true", "VisibilityTimeout": "5"])
        _ = try await send(url, "m", extra: ["MessageGroupId": .string("g"), "MessageDeduplicationId": .string("d")])
        let first = try await receive(url)
        clock.advance(seconds: 6)
        await #expect(throws: AWSError.self) {
            _ = try await call("DeleteMessage", ["QueueUrl": .string(url), "ReceiptHandle": first[0]["ReceiptHandle"]!])
        }
        let again = try await receive(url)
        await #expect(throws: AWSError.self) {
            _ = try await call("ChangeMessageVisibility", ["QueueUrl": .string(url), "ReceiptHandle": first[0]["ReceiptHandle"]!,
                                                           "VisibilityTimeout": .number(10)])
        }
        _ = try await call("DeleteMessage", ["QueueUrl": .string(url), "ReceiptHandle": again[0]["ReceiptHandle"]!])
        clock.advance(seconds: 6)
        #expect(try await receive(url).isEmpty)
    }

    @Test func fifoDeduplicatesForFiveMinutesAndBlocksGroups() async throws {
        let url = try await create("orders.fifo", ["FifoQueue": "true", "ContentBasedDeduplication": "true"])
        let a = try await send(url, "one", extra: ["MessageGroupId": .string("g1")])
        let dup = try await send(url, "one", extra: ["MessageGroupId": .string("g1")])
        #expect(a["MessageId"] == dup["MessageId"])
        #expect(a["SequenceNumber"] == dup["SequenceNumber"])
        _ = try await send(url, "two", extra: ["MessageGroupId": .string("g1")])
        _ = try await send(url, "three", extra: ["MessageGroupId": .string("g2")])
        let got = try await receive(url, max: 1)
        #expect(got.map { $0["Body"]?.stringValue } == ["one"])
        // g1 is blocked while "one" is in flight; g2 is not.
        let next = try await receive(url, max: 10)
        #expect(next.map { $0["Body"]?.stringValue } == ["three"])
        clock.advance(seconds: 301)
        let later = try await send(url, "one", extra: ["MessageGroupId": .string("g1")])
        #expect(later["MessageId"] != a["MessageId"])
    }

    @Test func fifoReceiveRequestAttemptIdRepeatsTheSameReceive() async throws {
        let url = try await create("attempt.fifo", ["FifoQueue": "true", "VisibilityTimeout": "30"])
        for body in ["a", "b"] {
            _ = try await send(url, body, extra: ["MessageGroupId": .string("g"), "MessageDeduplicationId": .string(body)])
        }
        func receive(_ attempt: String) async throws -> [JSONValue] {
            let out = try await call("ReceiveMessage", ["QueueUrl": .string(url), "MaxNumberOfMessages": .number(1),
                                                        "ReceiveRequestAttemptId": .string(attempt)])
            guard case .array(let messages)? = out["Messages"] else { return [] }
            return messages
        }
        let first = try await receive("try-1")
        let retried = try await receive("try-1")
        #expect(first.map { $0["Body"] } == [.string("a")])
        #expect(retried.map { $0["ReceiptHandle"] } == first.map { $0["ReceiptHandle"] })
        // Once the message is deleted, the attempt gives nothing new from it; a new attempt gets b.
        _ = try await call("DeleteMessage", ["QueueUrl": .string(url), "ReceiptHandle": first[0]["ReceiptHandle"]!])
        #expect(try await receive("try-2").map { $0["Body"] } == [.string("b")])
    }

    @Test func deadLetterAfterMaxReceiveCount() async throws {
        let dlq = try await create("dead")
        let arn = "arn:aws:sqs:us-east-1:000000000000:dead"
        let url = try await create("work", ["VisibilityTimeout": "1",
                                            "RedrivePolicy": "{\"deadLetterTargetArn\":\"\(arn)\",\"maxReceiveCount\":2}"])
        _ = try await send(url, "poison")
        for _ in 0..<2 {
            #expect(try await receive(url).count == 1)
            clock.advance(seconds: 2)
        }
        #expect(try await receive(url).isEmpty)
        let dead = try await receive(dlq)
        #expect(dead.first?["Body"]?.stringValue == "poison")
        #expect(dead.first?["Attributes"]?["DeadLetterQueueSourceArn"]?.stringValue == "arn:aws:sqs:us-east-1:000000000000:work")
        let sources = try await call("ListDeadLetterSourceQueues", ["QueueUrl": .string(dlq)])
        #expect(sources["queueUrls"] == .array([.string(url)]))
    }

    @Test func createIsIdempotentOnlyWithEqualAttributes() async throws {
        let url = try await create("same", ["VisibilityTimeout": "40"])
        #expect(try await create("same", ["VisibilityTimeout": "40"]) == url)
        await #expect(throws: AWSError.self) { _ = try await create("same", ["VisibilityTimeout": "41"]) }
    }

    @Test func longPollWakesOnSend() async throws {
        let url = try await create("poll")
        async let polled = call("ReceiveMessage", ["QueueUrl": .string(url), "WaitTimeSeconds": .number(5)])
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        _ = try await send(url, "wake")
        let out = try await polled
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(out["Messages"]?.stringValue == nil)
        guard case .array(let messages)? = out["Messages"] else { Issue.record("no messages"); return }
        #expect(messages.first?["Body"]?.stringValue == "wake")
    }
}
