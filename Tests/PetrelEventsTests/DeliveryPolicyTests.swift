import Foundation
@testable import PetrelEvents
import Testing

@Suite struct DeliveryPolicyTests {
    typealias A = DeliveryPolicy.FailureAction

    @Test(arguments: [
        // count, retries so far, max retries, bisect -> action
        (10, 0, -1, true, A.bisect),     // splitting does not count against the quota
        (1, 0, -1, true, A.retry),       // a single record cannot be split
        (1, 5000, -1, false, A.retry),   // -1: until the record expires
        (4, 0, 0, false, A.discard),     // no retries at all
        (4, 1, 2, false, A.retry),
        (4, 2, 2, false, A.discard),
        (1, 2, 2, true, A.discard),
    ])
    func afterAFailure(count: Int, retries: Int, max: Int, bisect: Bool, expected: A) {
        #expect(DeliveryPolicy.onFailure(batchCount: count, retriesSoFar: retries, maximumRetryAttempts: max, bisect: bisect) == expected)
    }

    @Test func expiredRecordsAreTheOldPrefix() {
        let now = Date(timeIntervalSince1970: 10_000)
        let times = [9_000, 9_500, 9_990].map { Date(timeIntervalSince1970: $0) }
        #expect(DeliveryPolicy.expiredPrefix(creationTimes: times, now: now, maximumRecordAge: 60) == 2)
        #expect(DeliveryPolicy.expiredPrefix(creationTimes: times, now: now, maximumRecordAge: -1) == 0)
    }

    @Test func backoffDoublesAndIsCapped() {
        #expect(DeliveryPolicy.backoff(retry: 1) == .milliseconds(100))
        #expect(DeliveryPolicy.backoff(retry: 3) == .milliseconds(400))
        #expect(DeliveryPolicy.backoff(retry: 30) == .milliseconds(5000))
    }

    @Test(arguments: [
        ("", DeliveryPolicy.BatchResponse.success),
        ("null", .success),
        ("{}", .success),
        (#"{"batchItemFailures":[]}"#, .success),
        (#"{"batchItemFailures":[{"itemIdentifier":"3"},{"itemIdentifier":"2"}]}"#, .failedFrom(index: 1)),
        (#"{"batchItemFailures":[{"itemIdentifier":"99"}]}"#, .invalid),
        (#"{"batchItemFailures":[{"itemIdentifier":null}]}"#, .invalid),
        (#"{"batchItemFailures":"x"}"#, .invalid),
        ("not json", .invalid),
    ])
    func batchItemFailures(payload: String, expected: DeliveryPolicy.BatchResponse) {
        #expect(DeliveryPolicy.batchResponse(Data(payload.utf8), sequenceNumbers: ["1", "2", "3"]) == expected)
    }

    @Test func partitionsAreStablePerKeyAndSpread() {
        let keys = (0..<200).map { Data(#"{"id":{"S":"item-\#($0)"}}"#.utf8) }
        for key in keys { #expect(DeliveryPolicy.partition(ofKeys: key, partitions: 4) == DeliveryPolicy.partition(ofKeys: key, partitions: 4)) }
        let used = Set(keys.map { DeliveryPolicy.partition(ofKeys: $0, partitions: 4) })
        #expect(used == [0, 1, 2, 3])
        #expect(DeliveryPolicy.partition(ofKeys: keys[0], partitions: 1) == 0)
    }
}

@Suite struct EventFilterTests {
    let record: [String: Any] = [
        "eventName": "MODIFY",
        "dynamodb": ["NewImage": ["code": ["S": "SUMMER-10"], "count": ["N": "42"], "active": ["BOOL": true]],
                     "Keys": ["id": ["S": "v1"]]],
        "tags": ["a", "b"],
    ]

    @Test(arguments: [
        (#"{"eventName": ["MODIFY"]}"#, true),
        (#"{"eventName": ["INSERT", "REMOVE"]}"#, false),
        (#"{"dynamodb": {"NewImage": {"code": {"S": [{"prefix": "SUMMER"}]}}}}"#, true),
        (#"{"dynamodb": {"NewImage": {"code": {"S": [{"suffix": "-10"}]}}}}"#, true),
        (#"{"dynamodb": {"NewImage": {"code": {"S": [{"equals-ignore-case": "summer-10"}]}}}}"#, true),
        (#"{"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 40, "<=", 42]}]}}}}"#, true),
        (#"{"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 42]}]}}}}"#, false),
        (#"{"dynamodb": {"NewImage": {"active": {"BOOL": [true]}}}}"#, true),
        (#"{"eventName": [{"anything-but": ["REMOVE"]}]}"#, true),
        (#"{"eventName": [{"anything-but": {"prefix": "MOD"}}]}"#, false),
        (#"{"dynamodb": {"OldImage": [{"exists": false}]}}"#, true),
        (#"{"dynamodb": {"NewImage": [{"exists": true}]}}"#, true),
        (#"{"dynamodb": {"OldImage": {"code": {"S": ["x"]}}}}"#, false),
        (#"{"tags": ["b"]}"#, true),
        (#"{"eventName": ["MODIFY"], "tags": ["z"]}"#, false),
    ])
    func matches(pattern: String, expected: Bool) throws {
        #expect(try EventFilter(pattern: pattern).matches(record) == expected)
    }

    @Test(arguments: ["not json", #"{"a": "scalar"}"#, #"{"a": [{"numeric": [">"]}]}"#, #"{"a": [{"bogus": 1}]}"#])
    func rejectsInvalidPatterns(pattern: String) {
        #expect(throws: EventFilterError.self) { try EventFilter(pattern: pattern) }
    }
}

@Suite struct StreamEventTests {
    @Test func recordsGetTheirSourceArn() throws {
        let envelope = Data(#"{"eventID":"1","eventName":"INSERT"}"#.utf8)
        let event = ShardEvents.event([envelope, envelope], sourceArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x")
        let object = try #require(JSONSerialization.jsonObject(with: event) as? [String: Any])
        let records = try #require(object["Records"] as? [[String: Any]])
        #expect(records.count == 2)
        #expect(records[0]["eventSourceARN"] as? String == "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x")
        #expect(records[1]["eventName"] as? String == "INSERT")
    }
}

@Suite struct TumblingWindowTests {
    @Test func windowsAreEpochAligned() {
        #expect(DeliveryPolicy.windowStart(of: Date(timeIntervalSince1970: 125.9), seconds: 60) == 120)
        #expect(DeliveryPolicy.windowStart(of: Date(timeIntervalSince1970: 120), seconds: 60) == 120)
        #expect(DeliveryPolicy.windowStart(of: Date(timeIntervalSince1970: 119.99), seconds: 60) == 60)
    }

    @Test func stateIsReadFromTheResponse() throws {
        let state = try #require(DeliveryPolicy.windowState(Data(#"{"state":{"b":"2","a":1},"batchItemFailures":[]}"#.utf8)))
        #expect(String(decoding: state, as: UTF8.self) == #"{"a":1,"b":"2"}"#)
        #expect(DeliveryPolicy.windowState(Data(#"{"batchItemFailures":[]}"#.utf8)) == nil)
        #expect(DeliveryPolicy.windowState(Data(#"{"state":"x"}"#.utf8)) == nil)
        #expect(DeliveryPolicy.windowState(Data("null".utf8)) == nil)
    }

    @Test func theWindowEventCarriesItsProperties() throws {
        let event = ShardEvents.windowEvent([Data(#"{"eventID":"1"}"#.utf8)], sourceArn: "arn:s", shardId: "shard-1",
                                            windowStart: 120, seconds: 60, state: Data(#"{"n":1}"#.utf8), final: true, early: false)
        let object = try #require(JSONSerialization.jsonObject(with: event) as? [String: Any])
        #expect((object["window"] as? [String: String]) == ["start": "1970-01-01T00:02:00Z", "end": "1970-01-01T00:03:00Z"])
        #expect((object["state"] as? [String: Int]) == ["n": 1])
        #expect(object["shardId"] as? String == "shard-1" && object["eventSourceARN"] as? String == "arn:s")
        #expect(object["isFinalInvokeForWindow"] as? Bool == true && object["isWindowTerminatedEarly"] as? Bool == false)
        #expect((object["Records"] as? [[String: Any]])?.first?["eventSourceARN"] as? String == "arn:s")
    }
}
