import Foundation
import Logging
import PetrelCore
@testable import PetrelEventBridge
import PetrelStore
import Synchronization
import Testing

/// Retry bookkeeping against a real database (SQLite; PostgreSQL with `PETREL_TEST_STORE`):
/// a failed send becomes an `eb_retries` row, each retry updates it, and exhaustion sends the
/// event to the dead-letter queue with AWS's attributes; errors AWS does not retry (a missing
/// queue, a queue policy that refuses) go to it at once. The queue and metrics are doubles.
@Suite struct EventBridgeRetryStoreTests {
    final class Sent: Sendable {
        let messages = Mutex<[(queue: String, body: String, attributes: [String: String])]>([])
        let metrics = Mutex<[String: Double]>([:])
        /// Queue ARNs that take messages (the others exist but answer an internal error).
        let queues = Mutex<Set<String>>([])
        /// Queue ARNs that do not exist.
        let missing = Mutex<Set<String>>([])
        /// Queue ARNs whose policy does not allow events.amazonaws.com.
        let refusing = Mutex<Set<String>>([])
    }

    static let dlq = "arn:aws:sqs:us-east-1:000000000000:dlq"
    static let target = "arn:aws:sqs:us-east-1:000000000000:target"
    let sent: Sent
    let service: EventBridgeService

    init() throws {
        let store = try Store.temporary(migrations: [EventBridgeService.registerMigrations, { migrator in
            migrator.registerMigration("test-async-queue") { db in
                try db.executeScript("""
                    CREATE TABLE lambda_async_invocations (request_id TEXT PRIMARY KEY, function_name TEXT NOT NULL, qualifier TEXT,
                        region TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, not_before REAL NOT NULL,
                        created REAL NOT NULL)
                    """)
            }
        }])
        let sent = Sent()
        self.sent = sent
        sent.queues.withLock { $0 = [Self.dlq] }
        var sinks = EventSinks(
            sendMessage: { queue, body, _, attributes in
                guard sent.queues.withLock({ $0.contains(queue) }) else {
                    throw AWSError("InternalError", status: 500, "The queue is unavailable.")
                }
                sent.messages.withLock { $0.append((queue, body, attributes)) }
            },
            functionExists: { _, _ in false },
            wakeFunctions: {},
            recordMetric: { metric, sets, value in
                sent.metrics.withLock { totals in
                    for set in sets where set.isEmpty { totals[metric.rawValue, default: 0] += value }
                }
            })
        sinks.queueExists = { queue in !sent.missing.withLock { $0.contains(queue) } }
        sinks.queueAllows = { queue, _ in !sent.refusing.withLock { $0.contains(queue) } }
        service = EventBridgeService(store: store, accountID: "000000000000", sinks: sinks, logger: Logger(label: "test"),
                                     retryBaseDelay: 0.01)
    }

    func call(_ operation: String, _ body: String) throws {
        _ = try service.handle(operation: operation, body: Data(body.utf8), region: "us-east-1")
    }

    func rule(target: String, retry: String) throws {
        try call("PutRule", #"{"Name": "r", "EventPattern": "{\"source\": [\"app\"]}"}"#)
        try call("PutTargets", #"{"Rule": "r", "Targets": [{"Id": "t", "Arn": "\#(target)", "DeadLetterConfig": {"Arn": "\#(Self.dlq)"}, "RetryPolicy": \#(retry)}]}"#)
    }

    func putEvent() throws {
        try call("PutEvents", #"{"Entries": [{"Source": "app", "DetailType": "d", "Detail": "{\"n\": 1}"}]}"#)
    }

    func pending() throws -> [EventBridgeStore.PendingRetry] { try service.store.dueRetries(now: .greatestFiniteMagnitude) }

    func dead() -> [(queue: String, body: String, attributes: [String: String])] {
        sent.messages.withLock { $0.filter { $0.queue == Self.dlq } }
    }

    @Test func aFailedSendIsRetriedThenDeadLetteredWhenTheAttemptsRunOut() throws {
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 2}"#)
        try putEvent()
        var rows = try pending()
        #expect(rows.count == 1 && rows[0].retries == 0 && rows[0].errorCode == "INTERNAL_ERROR")
        #expect(rows[0].notBefore > rows[0].firstAttempt)
        service.retry(rows[0])
        rows = try pending()
        #expect(rows.count == 1 && rows[0].retries == 1)
        service.retry(rows[0])
        #expect(try pending().isEmpty)
        let letters = dead()
        #expect(letters.count == 1)
        let attributes = letters.first?.attributes ?? [:]
        #expect(attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttemptsExhausted")
        #expect(attributes["RETRY_ATTEMPTS"] == "2")
        #expect(attributes["ERROR_CODE"] == "INTERNAL_ERROR")
        #expect(attributes["TARGET_ARN"] == Self.target && attributes["RULE_ARN"] == "arn:aws:events:us-east-1:000000000000:rule/r")
        let body = try JSONDecoder().decode(JSONValue.self, from: Data((letters.first?.body ?? "").utf8))
        #expect(body["source"] == .string("app"))
        let metrics = sent.metrics.withLock { $0 }
        #expect(metrics["RetryInvocationAttempts"] == 2 && metrics["FailedInvocations"] == 1 && metrics["InvocationsSentToDlq"] == 1)
        #expect(metrics["Invocations"] == 1 && metrics["MatchedEvents"] == 1 && metrics["TriggeredRules"] == 1)
    }

    @Test func aRetryThatSucceedsDeliversAndForgetsTheRow() throws {
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        let rows = try pending()
        #expect(rows.count == 1)
        sent.queues.withLock { _ = $0.insert(Self.target) }   // the queue is back
        service.retry(rows[0])
        #expect(try pending().isEmpty)
        #expect(sent.messages.withLock { $0.filter { $0.queue == Self.target }.count } == 1)
        #expect(dead().isEmpty)
        #expect(sent.metrics.withLock { $0["Invocations"] } == 1)
    }

    @Test func anEventPastItsMaximumAgeIsDeadLettered() throws {
        try rule(target: Self.target, retry: #"{"MaximumEventAgeInSeconds": 60}"#)
        try putEvent()
        var row = try #require(try pending().first)
        row.firstAttempt -= 120   // the event was first tried two minutes ago
        service.retry(row)
        #expect(try pending().isEmpty)
        #expect(dead().first?.attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeExceeded")
        #expect(dead().first?.attributes["RETRY_ATTEMPTS"] == "1")
    }

    @Test func aRemovedTargetsPendingRetriesAreDropped() throws {
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        let row = try #require(try pending().first)
        try call("RemoveTargets", #"{"Rule": "r", "Ids": ["t"]}"#)
        sent.queues.withLock { _ = $0.insert(Self.target) }
        service.retry(row)
        #expect(try pending().isEmpty)
        #expect(sent.messages.withLock { $0.isEmpty })
        #expect(sent.metrics.withLock { $0["RetryInvocationAttempts"] } == nil)
    }

    @Test func aMissingFunctionIsNotRetried() throws {
        try rule(target: "arn:aws:lambda:us-east-1:000000000000:function:gone", retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        #expect(try pending().isEmpty)
        let attributes = dead().first?.attributes ?? [:]
        #expect(attributes["ERROR_CODE"] == "ResourceNotFoundException")
        #expect(attributes["RETRY_ATTEMPTS"] == "0" && attributes["EXHAUSTED_RETRY_CONDITION"] == nil)
    }

    @Test func aMissingQueueIsNotRetried() throws {
        sent.missing.withLock { _ = $0.insert(Self.target) }
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        #expect(try pending().isEmpty)
        let attributes = dead().first?.attributes ?? [:]
        #expect(attributes["ERROR_CODE"] == "NO_RESOURCE")
        #expect(attributes["RETRY_ATTEMPTS"] == "0" && attributes["EXHAUSTED_RETRY_CONDITION"] == nil)
    }

    @Test func aQueueWhosePolicyRefusesIsNotRetried() throws {
        sent.queues.withLock { _ = $0.insert(Self.target) }
        sent.refusing.withLock { _ = $0.insert(Self.target) }
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        #expect(try pending().isEmpty)
        #expect(sent.messages.withLock { $0.filter { $0.queue == Self.target }.isEmpty })
        #expect(dead().first?.attributes["ERROR_CODE"] == "NO_PERMISSIONS")
    }

    @Test func aDeadLetterQueueWhosePolicyRefusesDropsTheEvent() throws {
        sent.missing.withLock { _ = $0.insert(Self.target) }
        sent.refusing.withLock { _ = $0.insert(Self.dlq) }
        try rule(target: Self.target, retry: #"{"MaximumRetryAttempts": 5}"#)
        try putEvent()
        #expect(try pending().isEmpty)
        #expect(dead().isEmpty)
        let metrics = sent.metrics.withLock { $0 }
        #expect(metrics["InvocationsFailedToBeSentToDlq"] == 1 && metrics["InvocationsSentToDlq"] == nil)
        #expect(metrics["FailedInvocations"] == 1)
    }
}
