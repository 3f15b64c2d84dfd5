import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct ExpressionParserTests {
    static let values: [String: AttributeValue] = [
        ":one": .n(Number(1)), ":two": .n(Number(2)), ":s": .s("x"), ":l": .l([.s("y")]), ":ss": .ss(["a"]),
    ]

    static func context() -> ExpressionContext {
        ExpressionContext(names: ["#n": "name", "#a": "a"], values: values)
    }

    @Test(arguments: [
        ("a = :one", Condition.compare(.path([.name("a")]), .eq, .value(.n(Number(1))))),
        ("#n <> :s", .compare(.path([.name("name")]), .ne, .value(.s("x")))),
        ("a.b[2].c >= :one", .compare(.path([.name("a"), .name("b"), .index(2), .name("c")]), .ge, .value(.n(Number(1))))),
        ("a = :one OR a = :two AND b = :s", .or(.compare(.path([.name("a")]), .eq, .value(.n(Number(1)))),
                                               .and(.compare(.path([.name("a")]), .eq, .value(.n(Number(2)))), .compare(.path([.name("b")]), .eq, .value(.s("x")))))),
        ("(a = :one OR a = :two) AND b = :s", .and(.or(.compare(.path([.name("a")]), .eq, .value(.n(Number(1)))), .compare(.path([.name("a")]), .eq, .value(.n(Number(2))))),
                                                   .compare(.path([.name("b")]), .eq, .value(.s("x"))))),
        ("NOT a = :one AND b = :s", .and(.not(.compare(.path([.name("a")]), .eq, .value(.n(Number(1))))), .compare(.path([.name("b")]), .eq, .value(.s("x"))))),
        ("a BETWEEN :one AND :two", .between(.path([.name("a")]), .value(.n(Number(1))), .value(.n(Number(2))))),
        ("a IN (:one, :two)", .isIn(.path([.name("a")]), [.value(.n(Number(1))), .value(.n(Number(2)))])),
        ("attribute_exists(#a) and attribute_not_exists(b)", .and(.exists([.name("a")]), .notExists([.name("b")]))),
        ("begins_with(a, :s)", .beginsWith(.path([.name("a")]), .value(.s("x")))),
        ("contains(a, :s)", .contains(.path([.name("a")]), .value(.s("x")))),
        ("size(a) > :one", .compare(.size(.path([.name("a")])), .gt, .value(.n(Number(1))))),
        ("attribute_type(a, :s)", .attributeType(.path([.name("a")]), .value(.s("x")))),
    ] as [(String, Condition)])
    func parsesConditions(text: String, expected: Condition) throws {
        var context = Self.context()
        if text.contains("attribute_type") { context.values[":s"] = .s("S") }
        var expectedAdjusted = expected
        if text.contains("attribute_type") { expectedAdjusted = .attributeType(.path([.name("a")]), .value(.s("S"))) }
        #expect(try ExpressionParser.condition(text, context: &context) == expectedAdjusted)
    }

    @Test(arguments: [
        ("a = ", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""),
        ("a = :missing", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing"),
        ("#missing = :one", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #missing"),
        ("name = :s", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
        ("  ", "Invalid ConditionExpression: The expression can not be empty;"),
        ("a BETWEEN :two AND :one", "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"),
        ("foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"),
        ("begins_with(a, :one)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
        ("attribute_exists(a, b)", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"),
        ("a = :one AND", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""),
        ("a.b = a.b", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b]"),
        ("contains(a, a)", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"),
        ("a BETWEEN :one AND :s", "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}"),
        ("size(size(a)) = :one", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"),
        ("begins_with(size(a), :s)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
        ("attribute_type(a, b)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"),
    ])
    func rejectsConditions(text: String, message: String) {
        var context = Self.context()
        #expect(throws: AWSError.validation(message)) { try ExpressionParser.condition(text, context: &context) }
    }

    @Test func reportsUnusedPlaceholders() throws {
        var context = Self.context()
        _ = try ExpressionParser.condition("#a = :one", context: &context)
        #expect(throws: AWSError.validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}")) { try context.checkAllUsed() }
        context.usedNames.insert("#n")
        #expect(throws: AWSError.validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {:l, :s, :ss, :two}")) { try context.checkAllUsed() }
    }

    @Test func parsesUpdateSections() throws {
        var context = Self.context()
        let actions = try ExpressionParser.update("SET a = a + :one, b = list_append(if_not_exists(b, :l), :l) REMOVE c, d[1] ADD e :one DELETE f :ss", context: &context)
        #expect(actions.set.map(\.0) == [[.name("a")], [.name("b")]])
        #expect(actions.set[0].1 == .plus(.path([.name("a")]), .value(.n(Number(1)))))
        #expect(actions.set[1].1 == .listAppend(.ifNotExists([.name("b")], .value(.l([.s("y")]))), .value(.l([.s("y")]))))
        #expect(actions.remove == [[.name("c")], [.name("d"), .index(1)]])
        #expect(actions.add.map(\.0) == [[.name("e")]])
        #expect(actions.delete.map(\.0) == [[.name("f")]])
    }

    @Test(arguments: [
        ("SET a = :one SET b = :two", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
        ("SET a = :one REMOVE a", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"),
        ("SET a = :one, a.b = :two", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"),
        ("ADD a :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: S"),
        ("DELETE a :one", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: N"),
        ("SET a = :s + :one", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"),
        ("SET a = list_append(:one, :l)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"),
        ("SET a :one", "Invalid UpdateExpression: Syntax error; token: \":one\", near: \"a :one\""),
        ("UPSERT a = :one", "Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT a\""),
    ])
    func rejectsUpdates(text: String, message: String) {
        var context = Self.context()
        #expect(throws: AWSError.self) { try ExpressionParser.update(text, context: &context) }
        var context2 = Self.context()
        do {
            _ = try ExpressionParser.update(text, context: &context2)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func parsesProjection() throws {
        var context = Self.context()
        #expect(try ExpressionParser.projection("#a, b.c[0], d", context: &context) == [[.name("a")], [.name("b"), .name("c"), .index(0)], [.name("d")]])
        #expect(throws: AWSError.self) { try ExpressionParser.projection("a, a.b", context: &context) }
    }

    @Test func keyConditions() throws {
        let schema = KeySchema(hash: KeyAttribute(name: "pk", type: "S"), range: KeyAttribute(name: "sk", type: "N"))
        var context = ExpressionContext(values: [":p": .s("x"), ":a": .n(Number(1)), ":b": .n(Number(5)), ":s": .s("q")])
        let c1 = try ExpressionParser.condition("pk = :p AND sk BETWEEN :a AND :b", kind: "KeyConditionExpression", context: &context)
        #expect(try KeyCondition.from(c1, schema: schema) == KeyCondition(hash: .s("x"), range: .between(.n(Number(1)), .n(Number(5)))))
        let c2 = try ExpressionParser.condition(":a < sk AND pk = :p", kind: "KeyConditionExpression", context: &context)
        #expect(try KeyCondition.from(c2, schema: schema) == KeyCondition(hash: .s("x"), range: .compare(.gt, .n(Number(1)))))
        let c3 = try ExpressionParser.condition("sk = :a", kind: "KeyConditionExpression", context: &context)
        #expect(throws: AWSError.validation("Query condition missed key schema element: pk")) { try KeyCondition.from(c3, schema: schema) }
        let c4 = try ExpressionParser.condition("pk = :p OR sk = :a", kind: "KeyConditionExpression", context: &context)
        #expect(throws: AWSError.self) { try KeyCondition.from(c4, schema: schema) }
        #expect(throws: AWSError.self) { try ExpressionParser.condition("pk = :p AND begins_with(sk, :a)", kind: "KeyConditionExpression", context: &context) }
        let c6 = try ExpressionParser.condition("pk = :a", kind: "KeyConditionExpression", context: &context)
        #expect(throws: AWSError.validation("One or more parameter values were invalid: Condition parameter type does not match schema type")) { try KeyCondition.from(c6, schema: schema) }
    }
}
