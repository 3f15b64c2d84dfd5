import Foundation
import PetrelCore

/// Turns a pattern's JSON into `ObjectPattern`s, refusing what EventBridge refuses.
enum PatternCompiler {
    static let maxDepth = 64

    static func object(_ members: [String: JSONValue], depth: Int) throws(PatternError) -> ObjectPattern {
        guard depth < maxDepth else { throw PatternError("Pattern is nested too deeply") }
        var out = ObjectPattern(fields: [], alternatives: [])
        // Leaves first (cheap and usually decisive), then nested objects, each in key order.
        for key in members.keys.sorted() {
            let value = members[key]!
            if key == "$or" {
                guard case .array(let list) = value, list.count >= 2 else {
                    throw PatternError("Value of $or must be an array of at least 2 objects")
                }
                var alternatives: [ObjectPattern] = []
                for item in list {
                    guard case .object(let inner) = item else { throw PatternError("Value of $or must be an array of at least 2 objects") }
                    alternatives.append(try object(inner, depth: depth + 1))
                }
                out.alternatives.append(alternatives)
                continue
            }
            switch value {
            case .object(let inner):
                guard !inner.isEmpty else { throw PatternError("Empty objects are not allowed") }
                out.fields.append((key, .object(try object(inner, depth: depth + 1))))
            case .array(let list):
                guard !list.isEmpty else { throw PatternError("Empty arrays are not allowed") }
                var matchers: [Matcher] = []
                for item in list { matchers.append(try matcher(item)) }
                out.fields.append((key, .leaf(matchers)))
            default:
                throw PatternError("Match value must be String, number, true, false, or null")
            }
        }
        out.fields.sort { a, b in
            switch (a.child, b.child) {
            case (.leaf, .object): true
            default: false
            }
        }
        return out
    }

    static func matcher(_ value: JSONValue) throws(PatternError) -> Matcher {
        switch value {
        case .string(let s): return .equalsString(s)
        case .number(let n): return .equalsNumber(n)
        case .bool(let b): return .equalsBool(b)
        case .null: return .isNull
        case .array: throw PatternError("Match value must be String, number, true, false, or null")
        case .object(let members):
            guard members.count == 1, let (name, argument) = members.first else {
                throw PatternError("Only one key allowed in match expression")
            }
            return try operatorMatcher(name, argument)
        }
    }

    static func operatorMatcher(_ name: String, _ argument: JSONValue) throws(PatternError) -> Matcher {
        switch name {
        case "prefix", "suffix":
            let (text, ignoringCase) = try stringOrIgnoreCase(argument, name)
            return name == "prefix" ? .prefix(text, ignoringCase: ignoringCase) : .suffix(text, ignoringCase: ignoringCase)
        case "equals-ignore-case":
            guard case .string(let s) = argument else { throw PatternError("equals-ignore-case match pattern must be a string") }
            return .equalsIgnoreCase(s.lowercased())
        case "wildcard":
            guard case .string(let s) = argument else { throw PatternError("wildcard match pattern must be a string") }
            return .wildcard(try Wildcard(s))
        case "exists":
            guard case .bool(let b) = argument else { throw PatternError("exists match pattern must be either true or false.") }
            return .exists(b)
        case "cidr":
            guard case .string(let s) = argument, let cidr = IPNetwork(s, requirePrefix: true) else {
                throw PatternError("Malformed CIDR, one '/' required")
            }
            return .cidr(cidr)
        case "numeric":
            return try numeric(argument)
        case "anything-but":
            return try anythingBut(argument)
        default:
            throw PatternError("Unrecognized match type \(name)")
        }
    }

    static func stringOrIgnoreCase(_ argument: JSONValue, _ name: String) throws(PatternError) -> (String, Bool) {
        switch argument {
        case .string(let s): return (s, false)
        case .object(let inner):
            guard inner.count == 1, case .string(let s)? = inner["equals-ignore-case"] else {
                throw PatternError("Unsupported \(name) pattern: only equals-ignore-case is allowed inside \(name)")
            }
            return (s.lowercased(), true)
        default:
            throw PatternError("\(name) match pattern must be a string")
        }
    }

    static func numeric(_ argument: JSONValue) throws(PatternError) -> Matcher {
        guard case .array(let list) = argument, !list.isEmpty, list.count % 2 == 0, list.count <= 4 else {
            throw PatternError("Value of numeric must be an array.")
        }
        var lower: (Double, inclusive: Bool)?
        var upper: (Double, inclusive: Bool)?
        var index = 0
        while index < list.count {
            guard case .string(let op) = list[index] else { throw PatternError("Invalid member in numeric match: \(describe(list[index]))") }
            guard case .number(let n) = list[index + 1] else {
                throw PatternError("Value of \(op) must be a number")
            }
            guard abs(n) <= 5e9 else { throw PatternError("Value of \(op) must be between -5.0E9 and 5.0E9 inclusive") }
            switch op {
            case "=":
                guard list.count == 2 else { throw PatternError("Bad numeric range: = must be alone") }
                return .numeric(lower: (n, true), upper: (n, true))
            case ">", ">=":
                guard lower == nil, upper == nil else { throw PatternError("Bad numeric range: lower bound must come first") }
                lower = (n, op == ">=")
            case "<", "<=":
                guard upper == nil else { throw PatternError("Bad numeric range: two upper bounds") }
                upper = (n, op == "<=")
            default:
                throw PatternError("Unrecognized numeric range operator: \(op)")
            }
            index += 2
        }
        if let lower, let upper, lower.0 >= upper.0 {
            throw PatternError("Bad numeric range: \(lower.0) must be less than \(upper.0)")
        }
        return .numeric(lower: lower, upper: upper)
    }

    static func anythingBut(_ argument: JSONValue) throws(PatternError) -> Matcher {
        switch argument {
        case .string(let s): return .anythingBut(strings: [s], numbers: [])
        case .number(let n): return .anythingBut(strings: [], numbers: [n])
        case .array(let list):
            guard !list.isEmpty else { throw PatternError("Empty arrays are not allowed") }
            var strings = Set<String>(), numbers = Set<Double>()
            for item in list {
                switch item {
                case .string(let s): strings.insert(s)
                case .number(let n): numbers.insert(n)
                default: throw PatternError("Inside anything but list, start|null|boolean is not supported.")
                }
            }
            guard strings.isEmpty || numbers.isEmpty else {
                throw PatternError("Inside anything but list, all values must be of the same type: strings or numbers")
            }
            return .anythingBut(strings: strings, numbers: numbers)
        case .object(let inner):
            guard inner.count == 1, let (name, value) = inner.first else {
                throw PatternError("Only one key allowed in match expression")
            }
            switch (name, value) {
            case ("prefix", .string(let s)):
                guard !s.isEmpty else { throw PatternError("Null prefix/suffix not allowed") }
                return .anythingButPrefix(s)
            case ("suffix", .string(let s)):
                guard !s.isEmpty else { throw PatternError("Null prefix/suffix not allowed") }
                return .anythingButSuffix(s)
            case ("equals-ignore-case", .string(let s)):
                return .anythingButIgnoringCase([s.lowercased()])
            case ("equals-ignore-case", .array(let list)):
                var set = Set<String>()
                for item in list {
                    guard case .string(let s) = item else { throw PatternError("Inside anything-but/ignore-case list, number|start|null|boolean is not supported.") }
                    set.insert(s.lowercased())
                }
                guard !set.isEmpty else { throw PatternError("Empty arrays are not allowed") }
                return .anythingButIgnoringCase(set)
            case ("wildcard", .string(let s)):
                return .anythingButWildcard([try Wildcard(s)])
            case ("wildcard", .array(let list)):
                var out: [Wildcard] = []
                for item in list {
                    guard case .string(let s) = item else { throw PatternError("wildcard match pattern must be a string") }
                    out.append(try Wildcard(s))
                }
                guard !out.isEmpty else { throw PatternError("Empty arrays are not allowed") }
                return .anythingButWildcard(out)
            case ("prefix", _), ("suffix", _):
                throw PatternError("prefix/suffix match pattern must be a string")
            default:
                throw PatternError("Unsupported anything-but pattern: \(name)")
            }
        default:
            throw PatternError("Value of anything-but must be an array or single string/number value.")
        }
    }

    static func describe(_ value: JSONValue) -> String {
        guard let data = try? JSONEncoder().encode(value) else { return "?" }
        return String(decoding: data, as: UTF8.self)
    }
}
