import Foundation
import PetrelEvents
import Testing

/// FilterCriteria through the shared matcher: the stream record shapes event source mappings see.
@Suite struct EventFilterTests {
    static let record: [String: Any] = [
        "eventName": "INSERT",
        "dynamodb": ["NewImage": ["v": ["N": "42"], "name": ["S": "Petrel"], "ok": ["BOOL": true]]],
    ]

    @Test(arguments: [
        (#"{"eventName":["INSERT"]}"#, true),
        (#"{"eventName":["MODIFY"]}"#, false),
        (#"{"dynamodb":{"NewImage":{"v":{"N":[{"numeric":[">",10]}]}}}}"#, true),
        (#"{"dynamodb":{"NewImage":{"v":{"N":[{"numeric":["<",10]}]}}}}"#, false),
        (#"{"dynamodb":{"NewImage":{"name":{"S":[{"prefix":"Pet"}]}}}}"#, true),
        (#"{"dynamodb":{"NewImage":{"ok":{"BOOL":[true]}}}}"#, true),
        (#"{"dynamodb":{"NewImage":{"gone":[{"exists":false}]}}}"#, true),
        (#"{"dynamodb":{"NewImage":{"name":{"S":[{"wildcard":"P*l"}]}}}}"#, true),
    ])
    func matches(pattern: String, expected: Bool) throws {
        let filter = try EventFilter(pattern: pattern)
        #expect(filter.matches(Self.record) == expected)
        let json = try JSONSerialization.data(withJSONObject: Self.record)
        #expect(filter.matches(json: json) == expected)
    }

    @Test func invalidPatternsAreRefused() {
        #expect(throws: EventFilterError.self) { try EventFilter(pattern: #"{"eventName":"INSERT"}"#) }
        #expect(throws: EventFilterError.self) { try EventFilter(pattern: #"{"v":[{"numeric":["~",1]}]}"#) }
    }
}
