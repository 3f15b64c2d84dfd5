import Testing
@testable import PetrelTables
import PetrelCore

/// Multi-attribute GSI keys: the tuple encoding keeps DynamoDB's order element by element, and
/// key conditions must name the sort key attributes left to right.
@Suite struct MultiAttributeKeyTests {
    static func n(_ x: Int) -> AttributeValue { .n(Number(x)) }

    /// Pairs (a, b) with a < b in DynamoDB's order, compared as tuples.
    static let ordered: [([AttributeValue], [AttributeValue])] = [
        ([.s("a"), n(2)], [.s("a"), n(10)]),
        ([.s("a"), n(10)], [.s("ab"), n(1)]),     // a shorter first element sorts first
        ([.s("a"), n(-5)], [.s("a"), n(0)]),
        ([.b([0]), .s("z")], [.b([0, 0]), .s("a")]),
        ([.b([0, 1]), .s("a")], [.b([1]), .s("a")]),
        ([.s(""), n(1)], [.s("\u{0}"), n(0)]),
        ([.s("skA"), n(300)], [.s("skB"), n(150)]),
    ]

    @Test(arguments: ordered.indices)
    func tuplesKeepElementOrder(_ i: Int) {
        let (a, b) = Self.ordered[i]
        #expect(PrimaryKey.tuple(a).lexicographicallyPrecedes(PrimaryKey.tuple(b)))
    }

    static let schema = KeySchema(hash: KeyAttribute(name: "g", type: "S"), range: KeyAttribute(name: "s1", type: "S"),
                                  moreHash: [KeyAttribute(name: "g2", type: "N")], moreRange: [KeyAttribute(name: "s2", type: "N")])

    static func condition(_ text: String) throws -> KeyCondition {
        var context = ExpressionContext(values: [":g": .s("x"), ":g2": n(1), ":a": .s("a"), ":b": .s("b"), ":n": n(5)])
        let parsed = try ExpressionParser.condition(text, kind: "KeyConditionExpression", context: &context)
        return try KeyCondition.from(parsed, schema: schema)
    }

    @Test func fullAndPartialConditions() throws {
        let full = try Self.condition("g = :g AND g2 = :g2 AND s1 = :a AND s2 > :n")
        #expect(full.hash == .s("x") && full.moreHash == [Self.n(1)] && full.rangePrefix == [.s("a")] && full.range == .compare(.gt, Self.n(5)))
        let partial = try Self.condition("g = :g AND g2 = :g2 AND begins_with(s1, :a)")
        #expect(partial.rangePrefix.isEmpty && partial.range == .beginsWith(.s("a")))
        let hashOnly = try Self.condition("g2 = :g2 AND g = :g")
        #expect(hashOnly.range == nil && hashOnly.rangePrefix.isEmpty)
    }

    @Test(arguments: [
        ("g = :g AND s1 = :a", "Query condition missed key schema element: g2"),
        ("g = :g AND g2 = :g2 AND s2 > :n", "s1"),
        ("g = :g AND g2 = :g2 AND s1 > :a AND s2 = :n", "Only the last sort key attribute"),
        ("g = :g AND g2 > :g2", "Query key condition not supported"),
    ])
    func invalidConditions(text: String, fragment: String) {
        #expect {
            _ = try Self.condition(text)
        } throws: { error in
            (error as? AWSError).map { $0.code == "ValidationException" && $0.message.contains(fragment) } ?? false
        }
    }

    @Test func boundsSelectTheTuplesTheConditionNames() {
        let rows: [[AttributeValue]] = [[.s("a"), Self.n(1)], [.s("a"), Self.n(5)], [.s("a"), Self.n(9)], [.s("ab"), Self.n(0)], [.s("b"), Self.n(5)]]
        func select(_ prefix: [AttributeValue], _ last: KeyCondition.Range?) -> [[AttributeValue]] {
            let (lower, upper) = TableService.tupleBounds(prefix: prefix, last: last)
            return rows.filter { row in
                let key = PrimaryKey.tuple(row)
                return !key.lexicographicallyPrecedes(lower) && (upper.map { key.lexicographicallyPrecedes($0) } ?? true)
            }
        }
        #expect(select([.s("a")], nil) == Array(rows[0...2]))
        #expect(select([.s("a")], .compare(.gt, Self.n(1))) == Array(rows[1...2]))
        #expect(select([.s("a")], .compare(.le, Self.n(5))) == Array(rows[0...1]))
        #expect(select([], .compare(.gt, .s("a"))) == Array(rows[3...4]))
        #expect(select([], .beginsWith(.s("a"))) == Array(rows[0...3]))
        #expect(select([.s("a")], .between(Self.n(2), Self.n(9))) == Array(rows[1...2]))
    }
}
