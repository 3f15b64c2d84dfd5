import Foundation
import PetrelCore

/// A request's members as the JSON 1.1 protocol sends them, with typed accessors that answer
/// a wrongly typed member with `SerializationException`, as AWS's front end does.
public struct KinesisInput: Sendable {
    public let value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    public func has(_ name: String) -> Bool {
        if let member = value[name], member != .null { return true }
        return false
    }

    public func string(_ name: String) throws -> String? {
        guard let member = value[name], member != .null else { return nil }
        guard case .string(let s) = member else { throw AWSError.serialization("The member \(name) must be a string.") }
        return s
    }

    public func required(_ name: String) throws -> String {
        guard let text = try string(name) else {
            throw KinesisError.validation("1 validation error detected: Value null at '\(Self.memberPath(name))' failed to satisfy constraint: Member must not be null")
        }
        return text
    }

    public func int(_ name: String) throws -> Int? {
        guard let member = value[name], member != .null else { return nil }
        guard case .number(let n) = member, n.rounded() == n, abs(n) < 1e15 else {
            throw AWSError.serialization("The member \(name) must be an integer.")
        }
        return Int(n)
    }

    public func bool(_ name: String) throws -> Bool? {
        guard let member = value[name], member != .null else { return nil }
        guard case .bool(let b) = member else { throw AWSError.serialization("The member \(name) must be a boolean.") }
        return b
    }

    /// A timestamp: epoch seconds (what botocore sends in JSON 1.1), or an ISO 8601 string.
    /// Epoch milliseconds.
    public func timestampMs(_ name: String) throws -> Int64? {
        guard let member = value[name], member != .null else { return nil }
        switch member {
        case .number(let n) where n.isFinite && abs(n) < 1e13: return Int64((n * 1000).rounded())
        case .string(let s):
            if let n = Double(s), n.isFinite, abs(n) < 1e13 { return Int64((n * 1000).rounded()) }
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: s) ?? ISO8601DateFormatter().date(from: s) {
                return Int64((date.timeIntervalSince1970 * 1000).rounded())
            }
            throw AWSError.serialization("The member \(name) must be a timestamp.")
        default: throw AWSError.serialization("The member \(name) must be a timestamp.")
        }
    }

    /// A blob: base64 in JSON.
    public func blob(_ name: String) throws -> Data? {
        guard let member = value[name], member != .null else { return nil }
        guard case .string(let s) = member, let data = Data(base64Encoded: s) else {
            throw AWSError.serialization("The member \(name) must be base64-encoded binary data.")
        }
        return data
    }

    public func strings(_ name: String) throws -> [String]? {
        guard let member = value[name], member != .null else { return nil }
        guard case .array(let items) = member else { throw AWSError.serialization("The member \(name) must be a list.") }
        return try items.map {
            guard case .string(let s) = $0 else { throw AWSError.serialization("The member \(name) must be a list of strings.") }
            return s
        }
    }

    public func stringMap(_ name: String) throws -> [String: String]? {
        guard let member = value[name], member != .null else { return nil }
        guard case .object(let items) = member else { throw AWSError.serialization("The member \(name) must be a map.") }
        var out: [String: String] = [:]
        for (key, value) in items {
            guard case .string(let s) = value else { throw AWSError.serialization("The map \(name) must have string values.") }
            out[key] = s
        }
        return out
    }

    public func list(_ name: String) throws -> [KinesisInput]? {
        guard let member = value[name], member != .null else { return nil }
        guard case .array(let items) = member else { throw AWSError.serialization("The member \(name) must be a list.") }
        return items.map(KinesisInput.init)
    }

    public func object(_ name: String) throws -> KinesisInput? {
        guard let member = value[name], member != .null else { return nil }
        guard case .object = member else { throw AWSError.serialization("The member \(name) must be a structure.") }
        return KinesisInput(member)
    }

    /// `streamName` for `StreamName`, as AWS's validation messages name members.
    static func memberPath(_ name: String) -> String {
        name.prefix(1).lowercased() + name.dropFirst()
    }
}
