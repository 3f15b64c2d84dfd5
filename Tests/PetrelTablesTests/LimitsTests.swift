import Foundation
import Testing
@testable import PetrelTables
import PetrelCore

/// Deep or oversized input is a ValidationException, never a stack overflow: every parser and
/// evaluator here is bounded by `Limits`.
@Suite struct LimitsTests {
    /// A case whose text may be tens of kilobytes: tests print the label, not the text.
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var message: String = ""
        var testDescription: String { label }
    }

    static let deep = 20_000

    static func nestedAnd(_ n: Int, _ leaf: String = "a < b") -> String {
        String(repeating: "\(leaf) AND (", count: n) + leaf + String(repeating: ")", count: n)
    }

    static func nestedParens(_ n: Int, _ leaf: String = "a < b") -> String {
        String(repeating: "(", count: n) + leaf + String(repeating: ")", count: n)
    }

    /// `prefix` + `open` × n + `leaf` + `close` × n, built without long `+` chains.
    static func wrap(_ prefix: String, _ open: String, _ n: Int, _ leaf: String, _ close: String) -> String {
        var text = prefix
        text.append(String(repeating: open, count: n))
        text.append(leaf)
        text.append(String(repeating: close, count: n))
        return text
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

    static let deepUpdates: [Case] = [
        Case(label: "if_not_exists × 20,000", text: wrap("SET a = ", "if_not_exists(a, ", deep, ":v", ")")),
        Case(label: "list_append × 20,000", text: wrap("SET a = ", "list_append(:l, ", deep, ":l", ")")),
        Case(label: "a[0] × 20,000", text: wrap("SET a", "[0]", deep, " = :v", "")),
    ]

    @Test(arguments: deepUpdates)
    func deepUpdatesAreTooLarge(_ c: Case) {
        let text = c.text
        var context = ExpressionContext(values: [":v": .s("v"), ":l": .l([])])
        #expect(throws: AWSError.validation(Self.sizeMessage("UpdateExpression", text))) { try ExpressionParser.update(text, context: &context) }
    }

    static let deepProjections: [Case] = [Case(label: "a.a × 20,000", text: wrap("a", ".a", deep, "", "")),
                                          Case(label: "a[0] × 20,000", text: wrap("a", "[0]", deep, "", ""))]

    @Test(arguments: deepProjections)
    func deepProjectionsAreTooLarge(_ c: Case) {
        let text = c.text
        var context = ExpressionContext()
        #expect(throws: AWSError.validation(Self.sizeMessage("ProjectionExpression", text))) { try ExpressionParser.projection(text, context: &context) }
    }

    static let tooMany = "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
    static let redundant = "Invalid ConditionExpression: The expression has redundant parentheses;"
    static let shapeCases: [Case] = [
        // Within 4 KB, depth costs operators or is redundant.
        Case(label: "2,000 parentheses", text: nestedParens(2000), message: redundant),
        Case(label: "((a < b))", text: "((a < b))", message: redundant),
        Case(label: "NOT ((a < b))", text: "NOT ((a < b))", message: redundant),
        Case(label: "a < b AND ((c < d))", text: "a < b AND ((c < d))", message: redundant),
        Case(label: "NOT × 1,000", text: wrap("", "NOT ", 1000, "a < b", ""), message: tooMany),
        Case(label: "AND ( × 400", text: nestedAnd(400, "a<b"), message: tooMany),
        Case(label: "size( × 600", text: wrap("a = ", "size(", 600, "b", ")"), message: tooMany),
        Case(label: "151 comparisons", text: Array(repeating: "a = b", count: 151).joined(separator: " OR "), message: tooMany),
    ]

    @Test(arguments: shapeCases)
    func shapeLimits(_ c: Case) {
        #expect(c.text.utf8.count <= Limits.expressionBytes)
        #expect(throws: AWSError.validation(c.message)) { try Self.parseCondition(c.text) }
    }

    static let withinLimits: [Case] = [
        "(a < b)", "(a < b) AND (c < d)", "((a < b) OR c < d) AND e < f", "NOT (a < b)", "size(a) < b", "a IN (b, c)",
    ].map { Case(label: $0, text: $0) } + [
        Case(label: "299 operators", text: Array(repeating: "a = b", count: 150).joined(separator: " OR ")),
        Case(label: "4,096 bytes", text: wrap("a = b", " ", 4091, "", "")),
    ]

    @Test(arguments: withinLimits)
    func shapesWithinTheLimitsParse(_ c: Case) throws {
        try Self.parseCondition(c.text)
    }

    @Test func updateOperatorsCountWithoutTheAssignment() throws {
        var context = ExpressionContext(values: [":n": .n(Number(1))])
        let ok = Self.wrap("SET a = :n", " + :n", 301, "", "")
        #expect(throws: AWSError.validation("Invalid UpdateExpression: The expression contains too many operators; operator count: 301")) {
            try ExpressionParser.update(ok, context: &context)
        }
        _ = try ExpressionParser.update("SET " + (0..<200).map { "a\($0) = :n" }.joined(separator: ", "), context: &context)
    }

    @Test func deepJSONIsRefusedBeforeItCostsStack() {
        let bodies: [String] = [Self.wrap("", "[", 100_000, "", "]"), Self.wrap("", "{\"a\":", 100_000, "1", "}"),
                                Self.wrap("", "[", 100_000, "", "")]
        for body in bodies {
            #expect(throws: Limits.nestingExceeded) { try JSONParser.parse(Data(body.utf8)) }
        }
        #expect(throws: Never.self) { try JSONParser.parse(Data(Self.wrap("", "[", 200, "", "]").utf8)) }
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

    @Test func storedItemsAreReadWithABound() throws {
        let valid: Item = ["d": Self.nestedMap(32)]
        #expect(try JSONParser.parseStoredItem(Data(valid.wireBytes)) == valid)
        var deep = JSONWriter()
        deep.write(item: ["d": Self.nestedMap(200)])
        #expect(throws: Limits.nestingExceeded) { try JSONParser.parseStoredItem(Data(deep.bytes)) }
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

    static let nameCases: [([String: JSON], String)] = [
        (["#ok": .string("a"), "bad": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"bad\""),
        (["#a-b": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\""),
        (["#": .string("b")], "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\""),
        ([wrap("#", "a", 255, "", ""): .string("b")],
         "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"),
        (["#a": .string("")], "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"),
        ([:], "ExpressionAttributeNames must not be empty"),
    ]

    @Test(arguments: nameCases.indices)
    func placeholderNames(_ index: Int) {
        let (names, message) = Self.nameCases[index]
        let request = Request(members: ["ExpressionAttributeNames": .object(names)])
        #expect(throws: AWSError.validation(message)) { try request.expressionContext() }
    }

    @Test func placeholderValues() {
        let tooLong = Self.wrap(":", "v", 255, "", "")
        let request = Request(members: ["ExpressionAttributeValues": .object([tooLong: .object(["S": .string("x")])])])
        #expect(throws: AWSError.validation("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long; size of key: 256")) {
            try request.expressionContext()
        }
        let empty = Request(members: ["ExpressionAttributeValues": .object([:])])
        #expect(throws: AWSError.validation("ExpressionAttributeValues must not be empty")) { try empty.expressionContext() }
    }
}
