import Foundation
import PetrelCore

/// A parsed, validated IAM policy document. Parsing validates as IAM does and compiles the
/// patterns once, so evaluating a request allocates little.
public struct PolicyDocument: Sendable {
    public var version: String?
    public var id: String?
    public var statements: [PolicyStatement]
    /// The document as it was given.
    public var text: String

    /// Where a document is used decides which elements it must and must not have.
    public enum Kind: Sendable {
        /// Attached to a user, group or role; also permissions boundaries and session policies.
        case identity
        /// Attached to a resource (a function's policy): names a Principal.
        case resource
        /// A role's trust policy: names a Principal, no Resource.
        case trust
    }

    public static let currentVersion = "2012-10-17"
    /// Policy variables are substituted only in version 2012-10-17 documents.
    public var substitutesVariables: Bool { version == Self.currentVersion }
}

public struct PolicyStatement: Sendable {
    public enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

    public var sid: String?
    public var effect: Effect
    public var principal: PrincipalSet?
    public var notPrincipal: PrincipalSet?
    /// Lower-cased action patterns; `notAction` when the statement says NotAction.
    public var actions: [Pattern]
    public var notAction: Bool
    /// Resource patterns; nil for trust policies, which have none.
    public var resources: [Pattern]?
    public var notResource: Bool
    public var conditions: [Condition]
}

/// A compiled wildcard pattern, possibly with `${…}` policy variables.
public struct Pattern: Sendable, Equatable {
    public var text: String
    public var bytes: [UInt8]
    public var hasVariables: Bool

    public init(_ text: String, lowercase: Bool = false) {
        self.text = lowercase ? text.lowercased() : text
        self.bytes = Array(self.text.utf8)
        self.hasVariables = text.contains("${")
    }
}

/// Who a resource or trust policy speaks of.
public struct PrincipalSet: Sendable {
    public var everyone: Bool
    /// `AWS`: account ids, root/user/role ARNs, or `*`.
    public var aws: [String]
    /// `Service`: `lambda.amazonaws.com`, …
    public var service: [String]
    public var federated: [String]
}

/// Malformed documents, with IAM's messages.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "MalformedPolicyDocument: \(message)" }
    public var awsError: AWSError { AWSError("MalformedPolicyDocument", status: 400, message) }

    static let syntax = PolicyError("Syntax errors in policy.")
}

extension PolicyDocument {
    /// The longest document accepted at all; IAM's own quotas (2,048 to 10,240 characters by
    /// where a document is attached) are checked by the caller, which knows where it goes.
    public static let maxLength = 131_072

    public static func parse(_ text: String, kind: Kind = .identity) throws(PolicyError) -> PolicyDocument {
        guard text.utf8.count <= maxLength else { throw PolicyError("Policy document is too large.") }
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw PolicyError.syntax
        }
        guard case .object(let top) = json else { throw PolicyError.syntax }
        var document = PolicyDocument(version: nil, id: nil, statements: [], text: text)
        for key in top.keys where !["Version", "Id", "Statement"].contains(key) {
            throw PolicyError("Syntax errors in policy. Unknown field \(key)")
        }
        if let version = top["Version"] {
            guard case .string(let v) = version, v == "2012-10-17" || v == "2008-10-17" else {
                throw PolicyError("The policy failed legacy parsing")
            }
            document.version = v
        }
        if let id = top["Id"] {
            guard case .string(let v) = id else { throw PolicyError.syntax }
            document.id = v
        }
        let statements: [JSONValue]
        switch top["Statement"] {
        case .array(let list)?: statements = list
        case .object?: statements = [top["Statement"]!]
        case nil: throw PolicyError("Missing required field Statement")
        default: throw PolicyError.syntax
        }
        guard !statements.isEmpty else { throw PolicyError("Missing required field Statement") }
        var sids = Set<String>()
        for raw in statements {
            let statement = try parseStatement(raw, kind: kind)
            if let sid = statement.sid, !sid.isEmpty {
                guard sids.insert(sid).inserted else { throw PolicyError("Statement IDs (SID) in a single policy must be unique.") }
            }
            document.statements.append(statement)
        }
        return document
    }

    static func parseStatement(_ raw: JSONValue, kind: Kind) throws(PolicyError) -> PolicyStatement {
        guard case .object(let members) = raw else { throw PolicyError.syntax }
        let known: Set<String> = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]
        for key in members.keys where !known.contains(key) {
            throw PolicyError("Syntax errors in policy. Unknown field \(key)")
        }
        var sid: String?
        if let value = members["Sid"] {
            guard case .string(let s) = value else { throw PolicyError.syntax }
            if kind != .resource, !s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                throw PolicyError("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
            }
            sid = s
        }
        guard let effectValue = members["Effect"] else { throw PolicyError("Missing required field Effect") }
        guard case .string(let effectText) = effectValue, let effect = PolicyStatement.Effect(rawValue: effectText) else {
            throw PolicyError("Invalid effect: \(effectValue.stringValue ?? "")")
        }
        // Principal
        let principal = try members["Principal"].map { v throws(PolicyError) in try parsePrincipal(v) }
        let notPrincipal = try members["NotPrincipal"].map { v throws(PolicyError) in try parsePrincipal(v) }
        switch kind {
        case .identity:
            if principal != nil || notPrincipal != nil { throw PolicyError("Policy document should not specify a principal.") }
        case .resource, .trust:
            if principal == nil && notPrincipal == nil { throw PolicyError("Missing required field Principal") }
        }
        // Action
        if members["Action"] != nil && members["NotAction"] != nil { throw PolicyError.syntax }
        guard let actionValue = members["Action"] ?? members["NotAction"] else {
            throw PolicyError("Policy statement must contain actions.")
        }
        let actionTexts = try strings(actionValue)
        guard !actionTexts.isEmpty else { throw PolicyError("Policy statement must contain actions.") }
        for action in actionTexts where action != "*" {
            let parts = action.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw PolicyError("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
            }
            guard parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "*" || $0 == "?") }) else {
                throw PolicyError("Vendor \(parts[0]) is not valid")
            }
        }
        // Resource
        if members["Resource"] != nil && members["NotResource"] != nil { throw PolicyError.syntax }
        var resources: [Pattern]?
        if let resourceValue = members["Resource"] ?? members["NotResource"] {
            if kind == .trust { throw PolicyError("Has prohibited field Resource") }
            let texts = try strings(resourceValue)
            guard !texts.isEmpty else { throw PolicyError("Policy statement must contain resources.") }
            for text in texts where text != "*" && !text.hasPrefix("arn:") && !text.hasPrefix("${") {
                throw PolicyError("Resource \(text) must be in ARN format or \"*\".")
            }
            resources = texts.map { Pattern($0) }
        } else if kind != .trust {
            throw PolicyError("Policy statement must contain resources.")
        }
        let conditions = try members["Condition"].map { v throws(PolicyError) in try Condition.parseBlock(v) } ?? []
        return PolicyStatement(sid: sid, effect: effect, principal: principal, notPrincipal: notPrincipal,
                               actions: actionTexts.map { Pattern($0, lowercase: true) }, notAction: members["Action"] == nil,
                               resources: resources, notResource: members["Resource"] == nil && resources != nil,
                               conditions: conditions)
    }

    static func parsePrincipal(_ value: JSONValue) throws(PolicyError) -> PrincipalSet {
        if case .string("*") = value { return PrincipalSet(everyone: true, aws: [], service: [], federated: []) }
        guard case .object(let members) = value, !members.isEmpty else {
            throw PolicyError("Invalid principal in policy: \(describe(value))")
        }
        var set = PrincipalSet(everyone: false, aws: [], service: [], federated: [])
        for (type, raw) in members {
            let values = try strings(raw)
            switch type {
            case "AWS":
                for v in values {
                    let valid = v == "*" || (v.count == 12 && v.allSatisfy(\.isNumber)) || v.hasPrefix("arn:aws:iam::") || v.hasPrefix("arn:aws:sts::")
                    guard valid else { throw PolicyError("Invalid principal in policy: \"AWS\":\"\(v)\"") }
                    if v == "*" { set.everyone = true }
                }
                set.aws += values
            case "Service":
                for v in values where !v.contains(".") && v != "*" {
                    throw PolicyError("Invalid principal in policy: \"SERVICE\":\"\(v)\"")
                }
                set.service += values
            case "Federated", "CanonicalUser":
                set.federated += values
            default:
                throw PolicyError("Invalid principal in policy: \(describe(value))")
            }
        }
        return set
    }

    /// A string, or an array of strings; numbers and booleans (in condition values) as text.
    static func strings(_ value: JSONValue) throws(PolicyError) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard let s = scalarText(item) else { throw PolicyError.syntax }
                out.append(s)
            }
            return out
        default:
            guard let s = scalarText(value) else { throw PolicyError.syntax }
            return [s]
        }
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        default: nil
        }
    }

    static func describe(_ value: JSONValue) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "?"
    }
}
