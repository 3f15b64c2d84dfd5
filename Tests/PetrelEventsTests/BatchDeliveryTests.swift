import Foundation
import Logging
import PetrelCore
@testable import PetrelEvents
import Synchronization
import Testing

/// A function that answers from a script and remembers every event it was given.
final class FakeFunction: FunctionInvoking, Sendable {
    let answer: @Sendable (_ call: Int, _ event: [String: Any]) -> Result<FunctionAnswer, InvokeRefusal>
    let calls = Mutex<[Data]>([])

    init(_ answer: @escaping @Sendable (_ call: Int, _ event: [String: Any]) -> Result<FunctionAnswer, InvokeRefusal>) {
        self.answer = answer
    }

    func checkExists(_ reference: String, account: Account) throws -> (name: String, qualifier: String?) { (reference, nil) }

    func invoke(_ target: FunctionTarget, payload: Data) async throws(InvokeRefusal) -> FunctionAnswer {
        let n = calls.withLock { $0.append(payload); return $0.count }
        let event = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] ?? [:]
        return try answer(n, event).get()
    }

    /// The `v` of every record of every call.
    var batches: [[Int]] {
        calls.withLock { $0 }.map { payload in
            let event = try! JSONSerialization.jsonObject(with: payload) as! [String: Any]
            return (event["Records"] as! [[String: Any]]).map { $0["v"] as! Int }
        }
    }
}


let ok = FunctionAnswer(payload: Data("{}".utf8), isError: false)
let failure = FunctionAnswer(payload: Data(#"{"errorMessage":"boom"}"#.utf8), isError: true)

func values(_ event: [String: Any]) -> [Int] { (event["Records"] as? [[String: Any]] ?? []).map { $0["v"] as! Int } }

/// What a delivery gave up on.
final class Discarded: Sendable {
    let records = Mutex<[Data]>([])
    var count: Int { records.withLock { $0.count } }
    var first: Data { records.withLock { $0[0] } }
}

func delivery(_ function: FakeFunction, _ configure: (inout EventSourceMapping) -> Void = { _ in },
              now: Date = Date(timeIntervalSince1970: 1_010), discarded: Discarded = Discarded()) -> BatchDelivery {
    var mapping = EventSourceMapping(uuid: "u", functionName: "f", eventSourceArn: "arn:aws:dynamodb:us-east-1:1:table/t/stream/s",
                                     startingPosition: "TRIM_HORIZON", lastModified: 0, region: "us-east-1")
    configure(&mapping)
    var d = BatchDelivery(settings: mapping, sourceArn: mapping.eventSourceArn, functionArn: "arn:aws:lambda:us-east-1:1:function:f",
                          kind: .dynamodb, invoker: function, logger: Logger(label: "test"), report: { _, _ in },
                          discard: { record in discarded.records.withLock { $0.append(record) } })
    d.pause = { (_: Duration) in }
    d.now = { now }
    return d
}

@Suite struct BatchDeliveryTests {
    @Test func bisectIsolatesThePoisonRecord() async {
        let function = FakeFunction { _, event in .success(values(event).contains(2) ? failure : ok) }
        let discarded = Discarded()
        let d = delivery(function, { $0.bisectBatchOnFunctionError = true; $0.maximumRetryAttempts = 0 }, discarded: discarded)
        #expect(await d.deliver(records([1, 2, 3, 4]), shardId: "s"))
        #expect(function.batches == [[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]])  // the poison (v 2) ends alone
        #expect(discarded.count == 1)
    }

    @Test func retriesStopAtMaximumRetryAttempts() async {
        let function = FakeFunction { _, _ in .success(failure) }
        let discarded = Discarded()
        let d = delivery(function, { $0.maximumRetryAttempts = 2 }, discarded: discarded)
        #expect(await d.deliver(records([1, 2]), shardId: "s"))
        #expect(function.batches.count == 3)
        let record = try! JSONSerialization.jsonObject(with: discarded.first) as! [String: Any]
        #expect((record["requestContext"] as! [String: Any])["condition"] as? String == "RetryAttemptsExhausted")
        #expect((record["DDBStreamBatchInfo"] as! [String: Any])["batchSize"] as? Int == 2)
    }

    @Test func throttlingIsRetriedWithoutCountingAnAttempt() async {
        let function = FakeFunction { call, _ in call < 3 ? .failure(.throttled("busy")) : .success(ok) }
        let d = delivery(function, { $0.maximumRetryAttempts = 0 })
        #expect(await d.deliver(records([1]), shardId: "s"))
        #expect(function.batches.count == 3)
    }

    @Test func recordsOlderThanMaximumRecordAgeAreDiscardedUnsent() async {
        let function = FakeFunction { _, _ in .success(ok) }
        let discarded = Discarded()
        // Created at 1000, 1001, 1002; now 1061.5; age limit 60 s: the first two expired.
        let d = delivery(function, { $0.maximumRecordAgeInSeconds = 60 }, now: Date(timeIntervalSince1970: 1_061.5), discarded: discarded)
        #expect(await d.deliver(records([1, 2, 3]), shardId: "s"))
        #expect(function.batches == [[2]])
        #expect(discarded.count == 1)
    }

    @Test func reportBatchItemFailuresRetriesFromTheFirstFailure() async {
        let rs = records([1, 2, 3, 4])
        let function = FakeFunction { call, _ in
            call == 1 ? .success(FunctionAnswer(payload: Data(#"{"batchItemFailures":[{"itemIdentifier":"\#(rs[2].position)"}]}"#.utf8), isError: false))
                : .success(ok)
        }
        let d = delivery(function, { $0.functionResponseTypes = ["ReportBatchItemFailures"] })
        #expect(await d.deliver(rs, shardId: "s"))
        #expect(function.batches == [[0, 1, 2, 3], [2, 3]])
    }

    @Test func tumblingWindowStateIsCarriedAndAFinalInvocationHandsItOver() async throws {
        let function = FakeFunction { _, event in
            let sum = Int((event["state"] as? [String: Any])?["sum"] as? String ?? "0")! + values(event).reduce(0, +)
            return .success(FunctionAnswer(payload: Data(#"{"state":{"sum":"\#(sum)"}}"#.utf8), isError: false))
        }
        let d = delivery(function, { $0.tumblingWindowInSeconds = 2 })
        let first = try #require(await d.deliverWindow(records([1, 2]), windowStart: 1000, state: Data("{}".utf8), final: false, shardId: "s"))
        let second = try #require(await d.deliverWindow(records([3]), windowStart: 1000, state: first, final: false, shardId: "s"))
        _ = await d.deliverWindow([], windowStart: 1000, state: second, final: true, shardId: "s")
        let last = try JSONSerialization.jsonObject(with: function.calls.withLock { $0.last! }) as! [String: Any]
        #expect(last["isFinalInvokeForWindow"] as? Bool == true)
        #expect((last["state"] as? [String: Any])?["sum"] as? String == "1")
        #expect((last["Records"] as? [Any])?.isEmpty == true)
    }

    @Test func aStateOverOneMegabyteEndsTheWindowEarly() {
        #expect(!DeliveryPolicy.terminatesWindowEarly(state: Data(count: 1_048_576)))
        #expect(DeliveryPolicy.terminatesWindowEarly(state: Data(count: 1_048_577)))
        let event = ShardEvents.windowEvent([], sourceArn: "a", shardId: "s", windowStart: 0, seconds: 2, state: Data("{}".utf8), final: true, early: true)
        let object = try! JSONSerialization.jsonObject(with: event) as! [String: Any]
        #expect(object["isWindowTerminatedEarly"] as? Bool == true && object["isFinalInvokeForWindow"] as? Bool == true)
    }
}

@Suite struct QueueEventsTests {
    func message(_ id: String, group: String? = nil, body: String = "{}") -> QueueMessage {
        QueueMessage(messageID: id, receiptHandle: "rh-\(id)", body: body, md5OfBody: "md5", attributes: group.map { ["MessageGroupId": $0] } ?? [:],
                     messageAttributes: ["a": QueueMessageAttribute(dataType: "String", stringValue: "x", binaryValue: nil)])
    }

    @Test func theEventHasAWSsSQSShape() throws {
        let event = QueueEvents.event([message("m1", body: "hello")], sourceArn: "arn:aws:sqs:us-east-1:1:q", region: "us-east-1")
        let record = (try JSONSerialization.jsonObject(with: event) as! [String: Any])["Records"] as! [[String: Any]]
        #expect(record[0]["messageId"] as? String == "m1" && record[0]["receiptHandle"] as? String == "rh-m1")
        #expect(record[0]["body"] as? String == "hello" && record[0]["md5OfBody"] as? String == "md5")
        #expect(record[0]["eventSource"] as? String == "aws:sqs" && record[0]["eventSourceARN"] as? String == "arn:aws:sqs:us-east-1:1:q")
        #expect(record[0]["awsRegion"] as? String == "us-east-1")
        let attribute = (record[0]["messageAttributes"] as! [String: Any])["a"] as! [String: Any]
        #expect(attribute["stringValue"] as? String == "x" && attribute["dataType"] as? String == "String")
    }

    @Test func filtersMatchAJSONBody() throws {
        let filter = try EventFilter(pattern: #"{"body":{"kind":["order"]}}"#)
        #expect(QueueEvents.passes(message("1", body: #"{"kind":"order"}"#), sourceArn: "a", region: "r", [filter]))
        #expect(!QueueEvents.passes(message("2", body: #"{"kind":"refund"}"#), sourceArn: "a", region: "r", [filter]))
        #expect(!QueueEvents.passes(message("3", body: "plain text"), sourceArn: "a", region: "r", [filter]))
    }

    @Test func onlyFailedMessagesStayAndAFIFOGroupStopsAtItsFirstFailure() {
        let batch = [message("1", group: "a"), message("2", group: "b"), message("3", group: "a"), message("4", group: "b")]
        #expect(QueueEvents.finished(batch, failed: [0], fifo: false).map(\.messageID) == ["2", "3", "4"])
        #expect(QueueEvents.finished(batch, failed: [0], fifo: true).map(\.messageID) == ["2", "4"])
    }

    @Test func batchItemFailuresAreReadByMessageId() {
        let ids = ["a", "b", "c"]
        #expect(DeliveryPolicy.failedItems(Data(#"{"batchItemFailures":[{"itemIdentifier":"b"}]}"#.utf8), identifiers: ids) == [1])
        #expect(DeliveryPolicy.failedItems(Data(#"{"batchItemFailures":[]}"#.utf8), identifiers: ids) == [])
        #expect(DeliveryPolicy.failedItems(Data("null".utf8), identifiers: ids) == [])
        #expect(DeliveryPolicy.failedItems(Data(#"{"batchItemFailures":[{"itemIdentifier":""}]}"#.utf8), identifiers: ids) == nil)
        #expect(DeliveryPolicy.failedItems(Data(#"{"batchItemFailures":[{"itemIdentifier":"zz"}]}"#.utf8), identifiers: ids) == nil)
    }

    @Test func bigBatchesAreSplitUnderThePayloadLimit() {
        let big = String(repeating: "x", count: 400_000)
        let batch = (0..<20).map { message("\($0)", body: big) }
        let chunks = QueueEvents.chunks(batch, maxBytes: BatchLimits.invokePayloadBytes)
        #expect(chunks.count > 1 && chunks.flatMap { $0 }.count == 20)
    }
}
