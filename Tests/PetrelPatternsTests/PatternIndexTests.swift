import Foundation
import PetrelCore
import PetrelPatterns
import Testing

/// `PatternIndex` against the matcher it must agree with: random patterns of every matcher
/// kind (nested, with `$or`s) and random events (arrays of scalars, of arrays, of objects,
/// empty arrays, missing and scalar parents), for both of the matcher's modes.
@Suite struct PatternIndexTests {
    /// SplitMix64, seeded, so a failure reproduces.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ list: [T]) -> T { list[int(list.count)] }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    }

    static let keys = ["a", "b", "c"]
    static let strings = ["x", "xy", "Xy", "yx", "xyz", "10.0.0.7", "10.1.0.1", "5", "", "é", "É", "nan"]
    static let numbers: [Double] = [-1, 0, 1, 2.5, 5, 10]

    static func scalar(_ r: inout Random) -> JSONValue {
        switch r.int(5) {
        case 0, 1: .string(r.pick(strings))
        case 2: .number(r.pick(numbers))
        case 3: .bool(r.chance(50))
        default: .null
        }
    }

    static func matcher(_ r: inout Random) -> JSONValue {
        func s(_ text: String) -> JSONValue { .string(text) }
        let text = r.pick(strings.filter { !$0.isEmpty })
        let n = JSONValue.number(r.pick(numbers))
        switch r.int(17) {
        case 0, 1, 2: return scalar(&r)
        case 3: return .object(["prefix": s(String(text.prefix(1 + r.int(2))))])
        case 4: return .object(["prefix": .object(["equals-ignore-case": s(String(text.prefix(1)))])])
        case 5: return .object(["suffix": s(String(text.suffix(1 + r.int(2))))])
        case 6: return .object(["suffix": .object(["equals-ignore-case": s(String(text.suffix(1)))])])
        case 7: return .object(["equals-ignore-case": s(text)])
        case 8: return .object(["wildcard": s(r.pick(["x*", "*y", "x*z", "*", "1*.7"]))])
        case 9: return .object(["anything-but": r.chance(50) ? s(text) : .array([n])])
        case 10: return .object(["anything-but": .object(["prefix": s(String(text.prefix(1)))])])
        case 11: return .object(["anything-but": .object(["equals-ignore-case": .array([s(text)])])])
        case 12:
            let low = r.pick(numbers)
            return .object(["numeric": r.chance(50) ? .array([s(r.pick([">", ">="])), .number(low)])
                : .array([s(r.pick([">", ">="])), .number(low), s(r.pick(["<", "<="])), .number(low + 1 + Double(r.int(5)))])])
        case 13: return .object(["numeric": .array([s(r.pick(["<", "<=", "="])), n])])
        case 14: return .object(["cidr": s(r.pick(["10.0.0.0/24", "10.0.0.0/8"]))])
        default: return .object(["exists": .bool(r.chance(50))])
        }
    }

    static func pattern(_ r: inout Random, depth: Int = 0) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys where r.chance(depth == 0 ? 60 : 45) {
            if depth < 2, r.chance(30) {
                members[key] = pattern(&r, depth: depth + 1)
            } else {
                members[key] = .array((0..<(1 + r.int(3))).map { _ in matcher(&r) })
            }
        }
        if depth < 2, r.chance(15) {
            members["$or"] = .array((0..<(2 + r.int(2))).map { _ in pattern(&r, depth: depth + 1) })
        }
        if members.isEmpty { members[r.pick(keys)] = .array([matcher(&r)]) }
        return .object(members)
    }

    static func value(_ r: inout Random, depth: Int = 0) -> JSONValue {
        switch r.int(depth < 3 ? 10 : 5) {
        case 0...4: return scalar(&r)
        case 5, 6: return .array((0..<r.int(4)).map { _ in value(&r, depth: depth + 1) })
        default: return event(&r, depth: depth + 1)
        }
    }

    static func event(_ r: inout Random, depth: Int = 0) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys where r.chance(70) { members[key] = value(&r, depth: depth) }
        return .object(members)
    }

    @Test(arguments: [(false, false), (true, true)])
    func indexAgreesWithTheMatcher(numericStrings: Bool, existsMatchesObjects: Bool) throws {
        var r = Random(state: numericStrings ? 7 : 42)
        var compared = 0, matched = 0
        for _ in 0..<60 {
            var patterns: [EventPattern] = []
            while patterns.count < 40 {
                if let p = try? EventPattern(Self.pattern(&r), numericStrings: numericStrings, existsMatchesObjects: existsMatchesObjects) {
                    patterns.append(p)
                }
            }
            let index = PatternIndex(patterns)
            for _ in 0..<60 {
                let e = Self.event(&r)
                let expected = patterns.indices.filter { patterns[$0].matches(e) }
                let got = index.matches(e)
                #expect(got == expected, "event \(e)")
                if got != expected { return }
                compared += 1
                matched += expected.count
            }
        }
        // The random material must exercise both outcomes, not only misses.
        #expect(compared == 3600)
        #expect(matched > compared / 4 && matched < compared * 39)
    }

    @Test func rebuiltIndexSeesOnlyItsPatterns() throws {
        let shop = try EventPattern(json: #"{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}"#)
        let any = try EventPattern(json: #"{"detail-type":[{"prefix":"Order"}]}"#)
        let event = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"source":"shop","detail-type":"Order","detail":{"total":250}}"#.utf8))
        #expect(PatternIndex([shop, any]).matches(event) == [0, 1])
        #expect(PatternIndex([any]).matches(event) == [0])
        #expect(PatternIndex([]).matches(event) == [])
    }

    @Test func arraysOfObjectsNeedOneElementToHoldAllFields() throws {
        let pattern = try EventPattern(json: #"{"detail":{"items":{"sku":["a"],"qty":[{"numeric":[">",1]}]}}}"#)
        let split = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"detail":{"items":[{"sku":"a","qty":1},{"sku":"b","qty":5}]}}"#.utf8))
        let together = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"detail":{"items":[{"sku":"b","qty":1},{"sku":"a","qty":5}]}}"#.utf8))
        #expect(PatternIndex([pattern]).matches(split) == [])
        #expect(PatternIndex([pattern]).matches(together) == [0])
    }
}
