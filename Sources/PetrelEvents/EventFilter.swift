import Foundation

/// AWS's event-filtering pattern language, as event source mappings apply it to each record.
///
/// A pattern is a JSON object whose keys mirror the record's; a leaf is an array of matchers,
/// any of which may match: a literal (string, number, boolean, null), or one of
/// `{"prefix": s}`, `{"suffix": s}`, `{"equals-ignore-case": s}`, `{"anything-but": v | [v] | {"prefix": s}}`,
/// `{"numeric": [">", 0, "<=", 5]}`, `{"exists": true|false}`. All keys of an object must
/// match. A record passes the mapping's criteria if any of its (up to five) patterns matches.
public struct EventFilter: Sendable {
    indirect enum Node: Sendable {
        case object([String: Node])
        case matchers([Matcher])
    }

    enum Matcher: Sendable {
        case equals(Any & Sendable)
        case isNull
        case prefix(String)
        case suffix(String)
        case equalsIgnoreCase(String)
        case anythingBut([Any & Sendable])
        case anythingButPrefix(String)
        case numeric([(String, Double)])
        case exists(Bool)
    }

    let root: Node

    public init(pattern: String) throws {
        guard let data = pattern.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EventFilterError.invalid("Filter pattern must be a JSON object: \(pattern)")
        }
        root = try Self.node(object)
    }

    static func node(_ object: [String: Any]) throws -> Node {
        var children: [String: Node] = [:]
        for (key, value) in object {
            if let nested = value as? [String: Any] {
                children[key] = try node(nested)
            } else if let list = value as? [Any] {
                children[key] = .matchers(try list.map(matcher))
            } else {
                throw EventFilterError.invalid("The value of '\(key)' must be an object or an array of matchers.")
            }
        }
        return .object(children)
    }

    static func matcher(_ value: Any) throws -> Matcher {
        if value is NSNull { return .isNull }
        if let string = value as? String { return .equals(string) }
        if let number = value as? NSNumber {
            return isBoolean(number) ? .equals(number.boolValue) : .equals(number.doubleValue)
        }
        guard let rule = value as? [String: Any], rule.count == 1, let (name, argument) = rule.first else {
            throw EventFilterError.invalid("Unrecognised matcher: \(value)")
        }
        switch name {
        case "prefix":
            guard let s = argument as? String else { break }
            return .prefix(s)
        case "suffix":
            guard let s = argument as? String else { break }
            return .suffix(s)
        case "equals-ignore-case":
            guard let s = argument as? String else { break }
            return .equalsIgnoreCase(s)
        case "exists":
            guard let b = argument as? Bool else { break }
            return .exists(b)
        case "anything-but":
            if let inner = argument as? [String: Any], let prefix = inner["prefix"] as? String { return .anythingButPrefix(prefix) }
            let values = (argument as? [Any]) ?? [argument]
            return .anythingBut(values.map { v -> Any & Sendable in
                if let n = v as? NSNumber { return n.doubleValue }
                return (v as? String) ?? "\(v)"
            })
        case "numeric":
            guard let list = argument as? [Any], list.count % 2 == 0, !list.isEmpty else { break }
            var comparisons: [(String, Double)] = []
            for i in stride(from: 0, to: list.count, by: 2) {
                guard let op = list[i] as? String, ["=", "<", "<=", ">", ">="].contains(op),
                      let n = (list[i + 1] as? NSNumber)?.doubleValue else {
                    throw EventFilterError.invalid("numeric takes operator/number pairs: \(list)")
                }
                comparisons.append((op, n))
            }
            return .numeric(comparisons)
        default:
            break
        }
        throw EventFilterError.invalid("Unrecognised matcher: \(value)")
    }

    /// Whether a record (a JSON object) matches.
    public func matches(_ record: [String: Any]) -> Bool {
        Self.match(root, record)
    }

    public func matches(json: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { return false }
        return matches(object)
    }

    static func match(_ node: Node, _ value: Any?) -> Bool {
        switch node {
        case .object(let children):
            let object = value as? [String: Any]
            return children.allSatisfy { key, child in
                if case .object = child, object?[key] == nil { return false }
                return match(child, object?[key])
            }
        case .matchers(let matchers):
            // Arrays in the record match if any element matches.
            if let array = value as? [Any] {
                return array.contains { element in matchers.contains { matchOne($0, element) } }
            }
            return matchers.contains { matchOne($0, value) }
        }
    }

    static func matchOne(_ matcher: Matcher, _ value: Any?) -> Bool {
        switch matcher {
        case .exists(let shouldExist):
            return (value != nil) == shouldExist
        case .isNull:
            return value is NSNull
        default:
            break
        }
        guard let value, !(value is NSNull) else { return false }
        switch matcher {
        case .equals(let expected):
            if let s = expected as? String { return (value as? String) == s }
            if let b = expected as? Bool { return (value as? NSNumber).map { isBoolean($0) && $0.boolValue == b } ?? false }
            if let n = expected as? Double { return number(value) == n }
            return false
        case .prefix(let p):
            return (value as? String)?.hasPrefix(p) ?? false
        case .suffix(let s):
            return (value as? String)?.hasSuffix(s) ?? false
        case .equalsIgnoreCase(let s):
            return (value as? String)?.lowercased() == s.lowercased()
        case .anythingButPrefix(let p):
            return (value as? String).map { !$0.hasPrefix(p) } ?? true
        case .anythingBut(let excluded):
            return !excluded.contains { e in
                if let s = e as? String { return (value as? String) == s }
                if let n = e as? Double { return number(value) == n }
                return false
            }
        case .numeric(let comparisons):
            guard let n = number(value) else { return false }
            return comparisons.allSatisfy { op, bound in
                switch op {
                case "=": n == bound
                case "<": n < bound
                case "<=": n <= bound
                case ">": n > bound
                default: n >= bound
                }
            }
        case .exists, .isNull:
            return false
        }
    }

    /// JSONSerialization hands booleans over as NSNumbers whose type encoding is `c`.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// Numbers, and DynamoDB's numeric strings (`"N": "42"`), as doubles.
    static func number(_ value: Any) -> Double? {
        if let n = value as? NSNumber, !isBoolean(n) { return n.doubleValue }
        if let s = value as? String { return Double(s) }
        return nil
    }
}

public enum EventFilterError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): m }
    }
}
