import Foundation
import Testing
@testable import PetrelTables
import PetrelCore

/// Deep or oversized input is a ValidationException, never a stack overflow: every parser and
/// evaluator here is bounded by `Limits`.
@Suite struct LimitsTests {
    static let deep = 20_000

    static func nestedAnd(_ n: Int, _ leaf: String = "a < b") -> String {
        String(repeating: "\(leaf) AND (", count: n) + leaf + String(repeating: ")", count: n)
    }

    static func nestedParens(_ n: Int, _ leaf: String = "a < b") -> String {
        String(repeating: "(", count: n) + leaf + String(repeating: ")", count: n)
    }

    static func parseCondition(_ text: String, kind: String = "ConditionExpression") throws(AWSError) {
        var context = ExpressionContext(names: [:], values: [":v": .s("v"), ":l": .l([])])
        _ = try ExpressionParser.condition(text, kind: kind, context: &context)
    }

    static func sizeMessage(_ kind: String, _ text: String) -> String {
        "Invalid \(kind): Expression size has exceeded the maximum allowed size; expression size: \(text.utf8.count)"
    }

    @Test(arguments: ["ConditionExpression", "FilterExpression", "KeyConditionExpression"])
    func deepConditionsAreTooLarge(kind: String) {
        for text in [Self.nestedAnd(Self.deep), Self.nestedParens(Self.deep)] {
            #expect(throws: AWSError.validation(Self.sizeMessage(kind, text))) { try Self.parseCondition(text, kind: kind) }
        }
    }

    @Test(arguments: [
        "SET a = " + String(repeating: "if_not_exists(a, ", count: deep) + ":v" + String(repeating: ")", count: deep),
        "SET a = " + String(repeating: "list_append(:l, ", count: deep) + ":l" + String(repeating: ")", count: deep),
        "SET a" + String(repeating: "[0]", count: deep) + " = :v",
    ])
    func deepUpdatesAreTooLarge(text: String) {
        var context = ExpressionContext(values: [":v": .s("v"), ":l": .l([])])
        #expect(throws: AWSError.validation(Self.sizeMessage("UpdateExpression", text))) { try ExpressionParser.update(text, context: &context) }
    }

    @Test(arguments: ["a" + String(repeating: ".a", count: deep), "a" + String(repeating: "[0]", count: deep)])
    func deepProjectionsAreTooLarge(text: String) {
        var context = ExpressionContext()
        #expect(throws: AWSError.validation(Self.sizeMessage("ProjectionExpression", text))) { try ExpressionParser.projection(text, context: &context) }
    }

    @Test(arguments: [
        // Within 4 KB, depth costs operators or is redundant.
        (nestedParens(2000), "Invalid ConditionExpression: The expression has redundant parentheses;"),
        ("((a < b))", "Invalid ConditionExpression: The expression has redundant parentheses;"),
        ("NOT ((a < b))", "Invalid ConditionExpression: The expression has redundant parentheses;"),
        ("a < b AND ((c < d))", "Invalid ConditionExpression: The expression has redundant parentheses;"),
        (String(repeating: "NOT ", count: 1000) + "a < b", "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"),
        (nestedAnd(400, "a<b"), "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"),
        ("a = " + String(repeating: "size(", count: 600) + "b" + String(repeating: ")", count: 600),
         "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"),
        (Array(repeating: "a = b", count: 151).joined(separator: " OR "), "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"),
    ])
    func shapeLimits(text: String, message: String) {
        #expect(text.utf8.count <= Limits.expressionBytes)
        #expect(throws: AWSError.validation(message)) { try Self.parseCondition(text) }
    }

    @Test(arguments: [
        "(a < b)", "(a < b) AND (c < d)", "((a < b) OR c < d) AND e < f", "NOT (a < b)", "size(a) < b", "a IN (b, c)",
        Array(repeating: "a = b", count: 150).joined(separator: " OR "),  // 299 operators
        "a = b" + String(repeating: " ", count: 4091),                   // exactly 4,096 bytes
    ])
    func shapesWithinTheLimitsParse(text: String) throws {
        try Self.parseCondition(text)
    }

    @Test func updateOperatorsCountWithoutTheAssignment() throws {
        var context = ExpressionContext(values: [":n": .n(Number(1))])
        let ok = "SET a = :n" + String(repeating: " + :n", count: 300)
        #expect(throws: AWSError.validation("Invalid UpdateExpression: The expression contains too many operators; operator count: 301")) {
            try ExpressionParser.update(ok, context: &context)
        }
        _ = try ExpressionParser.update("SET " + (0..<200).map { "a\($0) = :n" }.joined(separator: ", "), context: &context)
    }

    @Test func deepJSONIsRefusedBeforeItCostsStack() {
        for body in [String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
                     String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000),
                     String(repeating: "[", count: 100_000)] {
            #expect(throws: Limits.nestingExceeded) { try JSONParser.parse(Data(body.utf8)) }
        }
        #expect(throws: Never.self) { try JSONParser.parse(Data((String(repeating: "[", count: 200) + String(repeating: "]", count: 200)).utf8)) }
    }

    static func nestedMap(_ levels: Int) -> AttributeValue {
        var value = AttributeValue.s("x")
        for _ in 0..<levels { value = .m(["a": value]) }
        return value
    }

    @Test(arguments: [(0, false), (31, false), (32, false), (33, true), (200, true)])
    func documentNesting(levels: Int, tooDeep: Bool) {
        let value = Self.nestedMap(levels)
        #expect(value.nests(deeperThan: Limits.documentNesting) == tooDeep)
        if tooDeep {
            #expect(throws: Limits.nestingExceeded) { try AttributeValue(wire: value.wire) }
        } else {
            #expect(throws: Never.self) { try AttributeValue(wire: value.wire) }
        }
    }

    @Test func updatesCannotNestPastTheLimit() throws {
        var context = ExpressionContext(values: [":v": Self.nestedMap(31)])
        let actions = try ExpressionParser.update("SET d.a.a = :v", context: &context)
        let updated = try UpdateEvaluator.apply(actions, to: ["d": Self.nestedMap(31)])
        #expect(throws: Limits.nestingExceeded) { try ItemWriter.checkSize(updated, update: true) }
    }

    @Test func thousandsOfLegacyConditionsMakeAShallowTree() throws {
        var raw: [String: JSON] = [:]
        for i in 0..<100_000 { raw["a\(i)"] = .object(["ComparisonOperator": .string("NULL")]) }
        let condition = try LegacyParameters.filter(raw, conditionalOperator: "AND")
        #expect(ConditionEvaluator.evaluate(condition, [:]))
        #expect(!ConditionEvaluator.evaluate(condition, ["a99999": .s("x")]))
    }

    @Test(arguments: [
        (["#ok": JSON.string("a"), "bad": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"bad\""),
        (["#a-b": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\""),
        (["#": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\""),
        (["#" + String(repeating: "a", count: 255): .string("b")],
         "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"),
        (["#a": .string("")], "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"),
        ([:], "ExpressionAttributeNames must not be empty"),
    ] as [([String: JSON], String)])
    func placeholderNames(names: [String: JSON], message: String) {
        let request = Request(members: ["ExpressionAttributeNames": .object(names)])
        #expect(throws: AWSError.validation(message)) { try request.expressionContext() }
    }

    @Test func placeholderValues() {
        let tooLong = ":" + String(repeating: "v", count: 255)
        let request = Request(members: ["ExpressionAttributeValues": .object([tooLong: .object(["S": .string("x")])])])
        #expect(throws: AWSError.validation("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long; size of key: 256")) {
            try request.expressionContext()
        }
        let empty = Request(members: ["ExpressionAttributeValues": .object([:])])
        #expect(throws: AWSError.validation("ExpressionAttributeValues must not be empty")) { try empty.expressionContext() }
    }
}
