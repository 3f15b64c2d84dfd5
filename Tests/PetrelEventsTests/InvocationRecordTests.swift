import Foundation
@testable import PetrelEvents
import Testing

/// The record a given-up batch sends to its OnFailure destination, in AWS's shape.
@Suite struct InvocationRecordTests {
    func decode(_ data: Data) -> [String: Any] { try! JSONSerialization.jsonObject(with: data) as! [String: Any] }

    @Test func kinesisRecordNamesTheBatchAndTheLastInvocation() {
        let rs = records([1, 2, 3])
        let answer = FunctionAnswer(payload: Data(#"{"errorMessage":"boom"}"#.utf8), isError: true, requestID: "req-1", executedVersion: "7")
        let record = decode(BatchDelivery.invocationRecord(rs, shardId: "shardId-000000000001", condition: "RetryAttemptsExhausted", invokeCount: 3,
                                                           answer: answer, functionArn: "arn:aws:lambda:us-east-1:1:function:f",
                                                           sourceArn: "arn:aws:kinesis:us-east-1:1:stream/s", kind: .kinesis,
                                                           now: Date(timeIntervalSince1970: 1_573_691_886.021)))
        #expect(record["version"] as? String == "1.0")
        #expect(record["timestamp"] as? String == "2019-11-14T00:38:06.021Z")
        let context = record["requestContext"] as! [String: Any]
        #expect(context["requestId"] as? String == "req-1")
        #expect(context["functionArn"] as? String == "arn:aws:lambda:us-east-1:1:function:f")
        #expect(context["condition"] as? String == "RetryAttemptsExhausted")
        #expect(context["approximateInvokeCount"] as? Int == 3)
        let response = record["responseContext"] as! [String: Any]
        #expect(response["statusCode"] as? Int == 200)
        #expect(response["executedVersion"] as? String == "7")
        #expect(response["functionError"] as? String == "Unhandled")
        #expect(record["DDBStreamBatchInfo"] == nil)
        let info = record["KinesisBatchInfo"] as! [String: Any]
        #expect(info["shardId"] as? String == "shardId-000000000001")
        #expect(info["startSequenceNumber"] as? String == rs[0].position)
        #expect(info["endSequenceNumber"] as? String == rs[2].position)
        #expect(info["approximateArrivalOfFirstRecord"] as? String == "1970-01-01T00:16:40.000Z")
        #expect(info["approximateArrivalOfLastRecord"] as? String == "1970-01-01T00:16:42.000Z")
        #expect(info["batchSize"] as? Int == 3)
        #expect(info["streamArn"] as? String == "arn:aws:kinesis:us-east-1:1:stream/s")
    }

    @Test func recordsGivenUpBeforeAnyInvocationHaveAnEmptyResponseContext() {
        let record = decode(BatchDelivery.invocationRecord(records([1]), shardId: "s", condition: "RecordAgeExceeded", invokeCount: 0, answer: nil,
                                                           functionArn: "f", sourceArn: "a", kind: .dynamodb, now: Date()))
        #expect((record["responseContext"] as! [String: Any]).isEmpty)
        #expect((record["requestContext"] as! [String: Any])["condition"] as? String == "RecordAgeExceeded")
        #expect((record["DDBStreamBatchInfo"] as! [String: Any])["batchSize"] as? Int == 1)
    }

    @Test func theDiscardedRecordCarriesTheFunctionsRequestID() async {
        let function = FakeFunction { _, _ in .success(FunctionAnswer(payload: failure.payload, isError: true, requestID: "r-9", executedVersion: "$LATEST")) }
        let discarded = Discarded()
        let d = delivery(function, { $0.maximumRetryAttempts = 1 }, discarded: discarded)
        #expect(await d.deliver(records([1]), shardId: "s"))
        let record = decode(discarded.records.withLock { $0[0] })
        let context = record["requestContext"] as! [String: Any]
        #expect(context["requestId"] as? String == "r-9")
        #expect(context["approximateInvokeCount"] as? Int == 2)
    }
}
