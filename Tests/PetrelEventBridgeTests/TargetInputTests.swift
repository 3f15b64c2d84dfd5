import Foundation
import PetrelCore
import PetrelEventBridge
import Testing

@Suite struct TargetInputTests {
    static let event = try! JSONDecoder().decode(JSONValue.self, from: Data(#"""
        {"id":"e1","source":"my.app","time":"2026-03-01T10:00:00Z","detail-type":"Order",
         "detail":{"instance":"i-1","state":"running","items":[{"n":1},{"n":2}]}}
        """#.utf8))

    static func target(input: String? = nil, path: String? = nil, transformer: InputTransformerShape? = nil) throws -> TargetSpec {
        var object: [String: JSONValue] = ["Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"].mapValues(JSONValue.string)
        if let input { object["Input"] = .string(input) }
        if let path { object["InputPath"] = .string(path) }
        if let transformer { object["InputTransformer"] = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(transformer)) }
        return try JSONDecoder().decode(TargetSpec.self, from: JSONEncoder().encode(JSONValue.object(object)))
    }

    static func render(_ target: TargetSpec) -> String {
        TargetInput.render(target, event: event, ruleArn: "arn:aws:events:us-east-1:000000000000:rule/r", ruleName: "r")
    }

    @Test func constantInputReplacesTheEvent() throws {
        #expect(Self.render(try Self.target(input: #"{"fixed":true}"#)) == #"{"fixed":true}"#)
    }

    @Test func inputPathSelectsPartOfTheEvent() throws {
        #expect(Self.render(try Self.target(path: "$.detail.state")) == #""running""#)
        #expect(Self.render(try Self.target(path: "$.detail.items[1]")) == #"{"n":2}"#)
        #expect(Self.render(try Self.target(path: "$.detail.missing")) == "null")
    }

    @Test func transformerFillsStringsAndJSON() throws {
        let quoted = InputTransformerShape(InputPathsMap: ["instance": "$.detail.instance", "state": "$.detail.state"],
                                           InputTemplate: #""<instance> is in state <state>""#)
        #expect(Self.render(try Self.target(transformer: quoted)) == #""i-1 is in state running""#)
        let json = InputTransformerShape(InputPathsMap: ["items": "$.detail.items", "state": "$.detail.state"],
                                         InputTemplate: #"{"items": <items>, "state": "<state>", "rule": "<aws.events.rule-name>"}"#)
        #expect(Self.render(try Self.target(transformer: json)) == #"{"items": [{"n":1},{"n":2}], "state": "running", "rule": "r"}"#)
    }

    @Test func pathsAreValidated() {
        #expect(TargetInput.isValidPath("$.detail['a b'][0]"))
        #expect(!TargetInput.isValidPath("detail.a"))
        #expect(!TargetInput.isValidPath("$..a"))
    }
}
