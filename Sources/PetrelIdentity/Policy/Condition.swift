import Foundation
import PetrelCore

/// One `Operator: { key: values }` entry of a statement's Condition block.
public struct Condition: Sendable {
    public enum Operator: String, Sendable, CaseIterable {
        case stringEquals = "StringEquals", stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase", stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike", stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals", numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan", numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan", numericGreaterThanEquals = "NumericGreaterThanEquals"
        case dateEquals = "DateEquals", dateNotEquals = "DateNotEquals"
        case dateLessThan = "DateLessThan", dateLessThanEquals = "DateLessThanEquals"
        case dateGreaterThan = "DateGreaterThan", dateGreaterThanEquals = "DateGreaterThanEquals"
        case bool = "Bool", binaryEquals = "BinaryEquals"
        case ipAddress = "IpAddress", notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals", arnLike = "ArnLike", arnNotEquals = "ArnNotEquals", arnNotLike = "ArnNotLike"
        case null = "Null"

        /// The positive operator a negated one inverts (StringNotEquals → StringEquals).
        var positive: Operator? {
            switch self {
            case .stringNotEquals: .stringEquals
            case .stringNotEqualsIgnoreCase: .stringEqualsIgnoreCase
            case .stringNotLike: .stringLike
            case .numericNotEquals: .numericEquals
            case .dateNotEquals: .dateEquals
            case .notIpAddress: .ipAddress
            case .arnNotEquals: .arnEquals
            case .arnNotLike: .arnLike
            default: nil
            }
        }
    }

    public enum SetQualifier: Sendable { case single, forAnyValue, forAllValues }

    public var op: Operator
    public var ifExists: Bool
    public var qualifier: SetQualifier
    /// The condition key, lower-cased (keys are case-insensitive).
    public var key: String
    public var values: [String]
    public var valuesHaveVariables: Bool
    /// IpAddress/NotIpAddress values, parsed once.
    var networks: [IPNetwork]?

    static func parseBlock(_ value: JSONValue) throws(PolicyError) -> [Condition] {
        guard case .object(let operators) = value else { throw PolicyError.syntax }
        var out: [Condition] = []
        for (name, body) in operators.sorted(by: { $0.key < $1.key }) {
            var rest = Substring(name)
            var qualifier = SetQualifier.single
            if rest.hasPrefix("ForAnyValue:") { qualifier = .forAnyValue; rest = rest.dropFirst("ForAnyValue:".count) }
            else if rest.hasPrefix("ForAllValues:") { qualifier = .forAllValues; rest = rest.dropFirst("ForAllValues:".count) }
            var ifExists = false
            if rest.hasSuffix("IfExists") { ifExists = true; rest = rest.dropLast("IfExists".count) }
            guard let op = Operator(rawValue: String(rest)), !(op == .null && ifExists) else {
                throw PolicyError("Invalid Condition type : \(name).")
            }
            guard case .object(let keys) = body, !keys.isEmpty else { throw PolicyError.syntax }
            for (key, raw) in keys.sorted(by: { $0.key < $1.key }) {
                guard key.contains(":") else {
                    throw PolicyError("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
                }
                let values = try PolicyDocument.strings(raw)
                guard !values.isEmpty else { throw PolicyError.syntax }
                var condition = Condition(op: op, ifExists: ifExists, qualifier: qualifier, key: key.lowercased(), values: values,
                                          valuesHaveVariables: values.contains { $0.contains("${") })
                if op == .ipAddress || op == .notIpAddress { condition.networks = values.compactMap { IPNetwork($0) } }
                out.append(condition)
            }
        }
        return out
    }

    /// Whether the condition holds for the request's values of its key (nil: key absent).
    /// `values` are the policy's values with variables already substituted.
    func holds(requestValues: [String]?, policyValues: [String], networks: [IPNetwork]? = nil) -> Bool {
        if op == .null {
            let absent = requestValues == nil || requestValues!.isEmpty
            return policyValues.contains { ($0.lowercased() == "true") == absent }
        }
        let base = op.positive ?? op
        let negated = op.positive != nil
        guard let requestValues, !requestValues.isEmpty else {
            switch qualifier {
            case .forAllValues: return true
            case .forAnyValue: return false
            case .single: return ifExists || negated
            }
        }
        func matches(_ value: String) -> Bool {
            if base == .ipAddress, let networks {
                guard let address = IPNetwork.address(value) else { return false }
                return networks.contains { $0.contains(address: address) }
            }
            return policyValues.contains { Self.match(base, request: value, policy: $0) }
        }
        switch qualifier {
        case .single:
            let any = requestValues.contains(where: matches)
            return negated ? !any : any
        case .forAnyValue:
            return negated ? requestValues.contains { !matches($0) } : requestValues.contains(where: matches)
        case .forAllValues:
            return negated ? requestValues.allSatisfy { !matches($0) } : requestValues.allSatisfy(matches)
        }
    }

    static func match(_ op: Operator, request: String, policy: String) -> Bool {
        switch op {
        case .stringEquals: return request == policy
        case .stringEqualsIgnoreCase: return request.lowercased() == policy.lowercased()
        case .stringLike: return Wildcard.matches(policy, request)
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            guard let r = Double(request), let p = Double(policy) else { return false }
            return compare(op, r, p)
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let r = parseDate(request), let p = parseDate(policy) else { return false }
            return compare(op, r, p)
        case .bool: return request.lowercased() == policy.lowercased()
        case .binaryEquals: return request == policy
        case .ipAddress: return IPNetwork(policy)?.contains(request) ?? false
        case .arnEquals, .arnLike: return arnMatches(pattern: policy, arn: request)
        default: return false
        }
    }

    static func compare(_ op: Operator, _ r: Double, _ p: Double) -> Bool {
        switch op {
        case .numericEquals, .dateEquals: r == p
        case .numericLessThan, .dateLessThan: r < p
        case .numericLessThanEquals, .dateLessThanEquals: r <= p
        case .numericGreaterThan, .dateGreaterThan: r > p
        case .numericGreaterThanEquals, .dateGreaterThanEquals: r >= p
        default: false
        }
    }

    /// ARNs compare component by component (partition, service, region, account, resource),
    /// each with wildcards.
    static func arnMatches(pattern: String, arn: String) -> Bool {
        let p = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let a = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        if pattern == "*" { return true }
        guard p.count == 6, a.count == 6 else { return false }
        for i in 0..<6 where !Wildcard.matches(Array(p[i].utf8), Array(a[i].utf8)) { return false }
        return true
    }

    /// Seconds since 1970 from epoch seconds or ISO 8601 (`2026-01-02`, `2026-01-02T03:04:05Z`,
    /// with fractions or an offset).
    public static func parseDate(_ s: String) -> Double? {
        if let epoch = Double(s), !s.contains("-") { return epoch }
        let b = Array(s.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for i in from..<(from + count) { guard b[i] >= 48, b[i] <= 57 else { return nil }; n = n * 10 + Int(b[i] - 48) }
            return n
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 45, let m = num(5, 2), b[7] == 45, let d = num(8, 2) else { return nil }
        var seconds = Double(SigV4Verifier.daysFromCivil(y, m, d) * 86400)
        guard b.count > 10 else { return seconds }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), let hh = num(11, 2), let mm = num(14, 2) else { return nil }
        seconds += Double(hh * 3600 + mm * 60)
        var i = 16
        if i < b.count, b[i] == 58, let ss = num(17, 2) { seconds += Double(ss); i = 19 }
        if i < b.count, b[i] == 46 { i += 1; var scale = 0.1; while i < b.count, b[i] >= 48, b[i] <= 57 { seconds += Double(b[i] - 48) * scale; scale /= 10; i += 1 } }
        if i < b.count, b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2) {
            let om = num(i + 4, 2) ?? num(i + 3, 2) ?? 0
            let offset = Double(oh * 3600 + om * 60)
            seconds += b[i] == 43 ? -offset : offset
        }
        return seconds
    }
}

