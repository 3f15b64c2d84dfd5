import Foundation
import PetrelCore
import PetrelPatterns

/// Lambda's FilterCriteria: AWS's event-pattern language (PetrelPatterns' `EventPattern`, the
/// matcher EventBridge rules use too), applied to each record. DynamoDB's numeric strings
/// (`"N": "42"`) compare as numbers, and `exists: true` matches an object too, as Petrel's
/// FilterCriteria always did. A record passes the mapping's criteria if any of its
/// (up to five) patterns matches.
public struct EventFilter: Sendable {
    let pattern: EventPattern

    public init(pattern: String) throws {
        do {
            self.pattern = try EventPattern(json: pattern, numericStrings: true, existsMatchesObjects: true)
        } catch {
            throw EventFilterError.invalid(error.reason)
        }
    }

    /// Whether a record (a JSON object) matches.
    public func matches(_ record: [String: Any]) -> Bool {
        pattern.matches(Self.value(record))
    }

    public func matches(json: Data) -> Bool {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: json), case .object = value else { return false }
        return pattern.matches(value)
    }

    public func matches(_ record: JSONValue) -> Bool {
        pattern.matches(record)
    }

    /// JSONSerialization's objects as a `JSONValue` (booleans are NSNumbers whose type encoding is `c`).
    static func value(_ any: Any) -> JSONValue {
        switch any {
        case let s as String: return .string(s)
        case let n as NSNumber: return String(cString: n.objCType) == "c" ? .bool(n.boolValue) : .number(n.doubleValue)
        case let a as [Any]: return .array(a.map(value))
        case let o as [String: Any]: return .object(o.mapValues(value))
        default: return .null
        }
    }
}

public enum EventFilterError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): m }
    }
}
