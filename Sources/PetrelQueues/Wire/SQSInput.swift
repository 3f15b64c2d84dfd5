import Foundation
import PetrelCore

/// A request's members as the JSON 1.0 protocol names them (query requests are translated to
/// this shape first), with typed, validating accessors.
public struct SQSInput: Sendable {
    public let value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    public subscript(_ name: String) -> SQSInput? {
        guard let member = value[name], member != .null else { return nil }
        return SQSInput(member)
    }

    public func string(_ name: String) throws -> String? {
        guard let member = value[name], member != .null else { return nil }
        switch member {
        case .string(let s): return s
        case .number(let n): return n.rounded() == n ? String(Int(n)) : String(n)
        case .bool(let b): return String(b)
        default: throw AWSError.serialization("The member \(name) must be a string.")
        }
    }

    public func required(_ name: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else { throw QueueError.missingParameter(name) }
        return text
    }

    public func int(_ name: String) throws -> Int? {
        guard let member = value[name], member != .null else { return nil }
        switch member {
        case .number(let n) where n.rounded() == n && abs(n) < 1e15: return Int(n)
        case .string(let s):
            guard let n = Int(s) else { throw QueueError.invalidParameter("Value \(s) for parameter \(name) is invalid. Reason: It must be an integer.") }
            return n
        default: throw AWSError.serialization("The member \(name) must be an integer.")
        }
    }

    public func strings(_ name: String) throws -> [String] {
        guard let member = value[name], member != .null else { return [] }
        guard case .array(let items) = member else { throw AWSError.serialization("The member \(name) must be a list.") }
        return try items.map {
            guard case .string(let s) = $0 else { throw AWSError.serialization("The member \(name) must be a list of strings.") }
            return s
        }
    }

    public func stringMap(_ name: String) throws -> [String: String] {
        guard let member = value[name], member != .null else { return [:] }
        guard case .object(let items) = member else { throw AWSError.serialization("The member \(name) must be a map.") }
        var out: [String: String] = [:]
        for (key, value) in items {
            switch value {
            case .string(let s): out[key] = s
            case .number(let n): out[key] = n.rounded() == n ? String(Int(n)) : String(n)
            case .bool(let b): out[key] = String(b)
            default: throw AWSError.serialization("The map \(name) must have string values.")
            }
        }
        return out
    }

    public func list(_ name: String) throws -> [SQSInput] {
        guard let member = value[name], member != .null else { return [] }
        guard case .array(let items) = member else { throw AWSError.serialization("The member \(name) must be a list.") }
        return items.map(SQSInput.init)
    }

    /// `MessageAttributes` / `MessageSystemAttributes`: name → {DataType, StringValue, BinaryValue (base64)}.
    public func messageAttributes(_ name: String) throws -> [String: MessageAttributeValue] {
        guard let member = value[name], member != .null else { return [:] }
        guard case .object(let items) = member else { throw AWSError.serialization("The member \(name) must be a map.") }
        var out: [String: MessageAttributeValue] = [:]
        for (key, item) in items {
            let entry = SQSInput(item)
            guard let type = try entry.string("DataType"), !type.isEmpty else {
                throw QueueError.invalidParameter("The message attribute '\(key)' must contain non-empty message attribute type.")
            }
            var binary: Data?
            if let text = try entry.string("BinaryValue") {
                guard let data = Data(base64Encoded: text) else { throw AWSError.serialization("BinaryValue of '\(key)' is not valid base64.") }
                binary = data
            }
            let lists = try entry.strings("StringListValues").count + entry.strings("BinaryListValues").count
            if lists > 0 {
                throw QueueError.invalidParameter("Message attribute list values in SendMessage operation are not supported.")
            }
            out[key] = MessageAttributeValue(dataType: type, stringValue: try entry.string("StringValue"), binaryValue: binary)
        }
        return out
    }
}
