import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct EvaluatorTests {
    static let item: Item = [
        "id": .s("k1"), "n": .n(Number(5)), "s": .s("hello"), "b": .b([1, 2, 3]), "flag": .bool(true), "nil": .null,
        "lst": .l([.s("a"), .n(Number(2)), .m(["deep": .s("x")])]),
        "mp": .m(["innr": .m(["v": .n(Number(7))]), "t": .s("tag")]),
        "ss": .ss(["red", "green"]), "ns": .ns([Number(1), Number(2)]),
    ]

    static let values: [String: AttributeValue] = [
        ":5": .n(Number(5)), ":6": .n(Number(6)), ":4": .n(Number(4)), ":hello": .s("hello"), ":he": .s("he"), ":red": .s("red"),
        ":x": .s("x"), ":a": .s("a"), ":two": .n(Number(2)), ":S": .s("S"), ":N": .s("N"), ":SS": .s("SS"), ":b12": .b([1, 2]),
        ":3": .n(Number(3)), ":7": .n(Number(7)), ":true": .bool(true), ":l": .l([.s("a")]),
    ]

    @Test(arguments: [
        ("n = :5", true), ("n <> :5", false), ("n < :6", true), ("n <= :5", true), ("n > :4", true), ("n >= :6", false),
        ("s = :5", false), ("s <> :5", true), ("s < :5", false), ("absent = :5", false), ("absent <> :5", true),
        ("n BETWEEN :4 AND :6", true), ("n BETWEEN :6 AND :7", false), ("s BETWEEN :4 AND :6", false),
        ("n IN (:4, :5)", true), ("n IN (:6, :7)", false),
        ("attribute_exists(mp.innr.v)", true), ("attribute_exists(mp.innr.w)", false), ("attribute_not_exists(nope)", true),
        ("attribute_exists(lst[2].deep)", true), ("attribute_exists(lst[3])", false), ("attribute_exists(s[0])", false),
        ("attribute_type(s, :S)", true), ("attribute_type(n, :S)", false), ("attribute_type(ss, :SS)", true),
        ("begins_with(s, :he)", true), ("begins_with(s, :x)", false), ("begins_with(b, :b12)", true), ("begins_with(n, :he)", false),
        ("contains(s, :he)", true), ("contains(ss, :red)", true), ("contains(ss, :x)", false), ("contains(lst, :a)", true),
        ("contains(ns, :two)", true), ("contains(lst, :two)", true),
        ("size(s) = :5", true), ("size(lst) = :3", true), ("size(ss) = :two", true), ("size(b) = :3", true), ("size(mp) = :two", true),
        ("size(n) = :5", false),
        ("mp.innr.v = :7", true), ("lst[1] = :two", true), ("flag = :true", true),
        ("NOT n = :5", false), ("n = :5 AND s = :hello", true), ("n = :6 OR s = :hello", true), ("NOT (n = :6 OR s = :x)", true),
        ("n = :6 OR n = :5 AND s = :x", false), ("(n = :6 OR n = :5) AND s = :hello", true),
    ])
    func evaluates(text: String, expected: Bool) throws {
        var context = ExpressionContext(values: Self.values)
        let condition = try ExpressionParser.condition(text, context: &context)
        #expect(ConditionEvaluator.evaluate(condition, Self.item) == expected, "\(text)")
    }

    static func update(_ text: String, _ item: Item = item) throws -> Item {
        var context = ExpressionContext(names: ["#n": "n"], values: values)
        return try UpdateEvaluator.apply(try ExpressionParser.update(text, context: &context), to: item)
    }

    @Test func setArithmeticAndFunctions() throws {
        let r = try Self.update("SET #n = #n + :two, c = if_not_exists(c, :5), s = if_not_exists(s, :x), lst = list_append(lst, :l), fresh = :4 - :two")
        #expect(r["n"] == .n(Number(7)))
        #expect(r["c"] == .n(Number(5)))
        #expect(r["s"] == .s("hello"))
        #expect(r["lst"] == .l([.s("a"), .n(Number(2)), .m(["deep": .s("x")]), .s("a")]))
        #expect(r["fresh"] == .n(Number(2)))
    }

    @Test func setNestedAndListIndexes() throws {
        let r = try Self.update("SET mp.innr.w = :x, lst[1] = :a, lst[10] = :x")
        #expect(ConditionEvaluator.resolve([.name("mp"), .name("innr"), .name("w")], in: r) == .s("x"))
        #expect(r["lst"] == .l([.s("a"), .s("a"), .m(["deep": .s("x")]), .s("x")]))
        #expect(throws: UpdateEvaluator.invalidPath) { try Self.update("SET nope.deeper = :x") }
    }

    @Test func removeShiftsListsByOriginalIndexes() throws {
        let r = try Self.update("REMOVE lst[0], lst[2], mp.t, flag")
        #expect(r["lst"] == .l([.n(Number(2))]))
        #expect(r["mp"] == .m(["innr": .m(["v": .n(Number(7))])]))
        #expect(r["flag"] == nil)
    }

    @Test func addAndDeleteSets() throws {
        var context = ExpressionContext(values: [":two": .n(Number(2)), ":ssv": .ss(["blue", "red"]), ":nsv": .ns([Number(1), Number(2)]), ":3": .n(Number(3))])
        let actions = try ExpressionParser.update("ADD n :two, ctr :3, ss :ssv DELETE ns :nsv", context: &context)
        let r = try UpdateEvaluator.apply(actions, to: Self.item)
        #expect(r["n"] == .n(Number(7)))
        #expect(r["ctr"] == .n(Number(3)))
        #expect(r["ss"] == .ss(["red", "green", "blue"]))
        #expect(r["ns"] == nil, "deleting every element removes the set")
    }

    @Test func incorrectTypesAndMissingOperands() {
        #expect(throws: AWSError.validation("An operand in the update expression has an incorrect data type")) { try Self.update("SET s = s + :two") }
        #expect(throws: AWSError.validation("The provided expression refers to an attribute that does not exist in the item")) { try Self.update("SET x = absent + :two") }
        #expect(throws: AWSError.validation("An operand in the update expression has an incorrect data type")) { try Self.update("ADD s :two") }
    }

    @Test func projection() {
        let projected = Projection.apply([[.name("mp"), .name("innr")], [.name("lst"), .index(2), .name("deep")], [.name("lst"), .index(0)], [.name("n")], [.name("absent")]], to: Self.item)
        #expect(projected == [
            "mp": .m(["innr": .m(["v": .n(Number(7))])]),
            "lst": .l([.s("a"), .m(["deep": .s("x")])]),
            "n": .n(Number(5)),
        ])
    }
}
