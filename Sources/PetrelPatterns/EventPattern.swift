import Foundation
import PetrelCore

/// An event pattern in AWS's matching language, as EventBridge rules and Lambda's
/// FilterCriteria use it: a JSON object whose keys mirror the event's; each leaf is an array of
/// matchers, any of which may match (a literal, or `prefix`, `suffix`, `equals-ignore-case`,
/// `wildcard`, `anything-but`, `numeric`, `cidr`, `exists`); all keys of an object must match;
/// `"$or": [pattern, …]` at any level asks for any one of its alternatives. An array in the event
/// matches if any of its elements does. Compiled once, matched without allocating.
public struct EventPattern: Sendable {
    let root: ObjectPattern
    /// Lambda's FilterCriteria also compare DynamoDB's numeric strings (`"N": "42"`) as numbers.
    public var numericStrings: Bool
    /// Petrel's FilterCriteria have always let `exists: true` match an object (`"NewImage":
    /// [{"exists": true}]`); EventBridge, as event-ruler, matches leaves only.
    public var existsMatchesObjects: Bool

    public init(_ pattern: JSONValue, numericStrings: Bool = false, existsMatchesObjects: Bool = false) throws(PatternError) {
        guard case .object(let members) = pattern else { throw PatternError("Filter is not an object") }
        root = try PatternCompiler.object(members, depth: 0)
        self.numericStrings = numericStrings
        self.existsMatchesObjects = existsMatchesObjects
    }

    public init(json: String, numericStrings: Bool = false, existsMatchesObjects: Bool = false) throws(PatternError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        } catch {
            throw PatternError("Filter is not valid JSON")
        }
        try self.init(value, numericStrings: numericStrings, existsMatchesObjects: existsMatchesObjects)
    }

    /// Whether `event` (a JSON object) matches.
    public func matches(_ event: JSONValue) -> Bool {
        PatternMatcher(numericStrings: numericStrings, existsMatchesObjects: existsMatchesObjects).object(root, event)
    }

    /// Top-level keys with exact string literals only (`"source": ["aws.events"]`): what a bus
    /// indexes its rules by. Nil when the pattern does not constrain `key` that way.
    public func exactStrings(at key: String) -> [String]? {
        guard root.alternatives.isEmpty, let field = root.fields.first(where: { $0.key == key }),
              case .leaf(let matchers) = field.child else { return nil }
        var out: [String] = []
        for matcher in matchers {
            guard case .equalsString(let s) = matcher else { return nil }
            out.append(s)
        }
        return out
    }
}

/// Why a pattern is refused, in event-ruler's words (EventBridge prefixes them with
/// "Event pattern is not valid. Reason: ").
public struct PatternError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

struct ObjectPattern: Sendable {
    var fields: [(key: String, child: Child)]
    /// Each `$or` at this level: any one of its alternatives must match the same object.
    var alternatives: [[ObjectPattern]]
}

indirect enum Child: Sendable {
    case object(ObjectPattern)
    case leaf([Matcher])
}

enum Matcher: Sendable {
    case equalsString(String)
    case equalsNumber(Double)
    case equalsBool(Bool)
    case isNull
    case prefix(String, ignoringCase: Bool)
    case suffix(String, ignoringCase: Bool)
    case equalsIgnoreCase(String)
    case wildcard(Wildcard)
    case anythingBut(strings: Set<String>, numbers: Set<Double>)
    case anythingButPrefix(String)
    case anythingButSuffix(String)
    case anythingButIgnoringCase(Set<String>)
    case anythingButWildcard([Wildcard])
    case numeric(lower: (Double, inclusive: Bool)?, upper: (Double, inclusive: Bool)?)
    case cidr(IPNetwork)
    case exists(Bool)
}
