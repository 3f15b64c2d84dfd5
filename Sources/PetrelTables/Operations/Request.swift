import Foundation
import PetrelCore

/// A parsed request body with typed accessors that fail with DynamoDB's validation messages.
struct Request {
    let members: [String: JSON]

    init(_ body: Data) throws(AWSError) {
        if body.isEmpty { members = [:]; return }
        guard case .object(let m) = try JSONParser.parse(body) else {
            throw AWSError.serialization("Start of list found where not expected: the request body must be a JSON object")
        }
        members = m
    }

    init(members: [String: JSON]) { self.members = members }

    subscript(key: String) -> JSON? {
        if let v = members[key], v != .null { return v }
        return nil
    }

    static func lowerFirst(_ s: String) -> String { s.prefix(1).lowercased() + s.dropFirst() }

    func required(_ key: String) throws(AWSError) -> JSON {
        guard let v = self[key] else {
            throw AWSError.validation("1 validation error detected: Value null at '\(Request.lowerFirst(key))' failed to satisfy constraint: Member must not be null")
        }
        return v
    }

    func string(_ key: String) throws(AWSError) -> String? {
        guard let v = self[key] else { return nil }
        guard case .string(let s) = v else { throw AWSError.serialization("Expected a string for \(key)") }
        return s
    }

    func requiredString(_ key: String) throws(AWSError) -> String {
        guard let s = try string(key) else { _ = try required(key); return "" }
        return s
    }

    func int(_ key: String) throws(AWSError) -> Int? {
        guard let v = self[key] else { return nil }
        guard let i = v.int else { throw AWSError.serialization("Expected an integer for \(key)") }
        return i
    }

    func bool(_ key: String) throws(AWSError) -> Bool? {
        guard let v = self[key] else { return nil }
        guard case .bool(let b) = v else { throw AWSError.serialization("Expected a boolean for \(key)") }
        return b
    }

    func object(_ key: String) throws(AWSError) -> [String: JSON]? {
        guard let v = self[key] else { return nil }
        guard case .object(let o) = v else { throw AWSError.serialization("Expected an object for \(key)") }
        return o
    }

    func array(_ key: String) throws(AWSError) -> [JSON]? {
        guard let v = self[key] else { return nil }
        guard case .array(let a) = v else { throw AWSError.serialization("Expected a list for \(key)") }
        return a
    }

    func item(_ key: String) throws(AWSError) -> Item? {
        guard let v = self[key] else { return nil }
        return try Item(wireItem: v, parameter: key)
    }

    /// The table's name, also when the request names it by ARN
    /// (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`), as DynamoDB allows.
    func tableName(_ key: String = "TableName") throws(AWSError) -> String {
        let name = try requiredString(key)
        try Request.validateTableName(name, field: Request.lowerFirst(key))
        if name.hasPrefix("arn:") {
            let parts = name.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[2] == "dynamodb", parts[5].hasPrefix("table/"),
                  case let table = String(parts[5].dropFirst("table/".count)), !table.contains("/") else {
                throw AWSError.validation("Invalid TableArn: Invalid ResourceArn provided as input \(name)")
            }
            try Request.validateTableName(table, field: Request.lowerFirst(key))
            return table
        }
        return name
    }

    static func validateTableName(_ name: String, field: String = "tableName") throws(AWSError) {
        if name.hasPrefix("arn:") {
            if name.count > 1024 {
                throw AWSError.validation("1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must have length less than or equal to 1024")
            }
            return
        }
        if name.count < 3 {
            throw AWSError.validation("1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must have length greater than or equal to 3")
        }
        if name.count > 255 {
            throw AWSError.validation("1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must have length less than or equal to 255")
        }
        let ok = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D || c == 0x2E
        }
        if !ok {
            throw AWSError.validation("1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
    }

    /// A string member within the model's length bounds, with the model validator's message.
    func string(_ key: String, length: ClosedRange<Int>, field: String? = nil) throws(AWSError) -> String? {
        guard let s = try string(key) else { return nil }
        let at = field ?? Request.lowerFirst(key)
        if s.count < length.lowerBound {
            throw AWSError.validation("1 validation error detected: Value '\(s)' at '\(at)' failed to satisfy constraint: Member must have length greater than or equal to \(length.lowerBound)")
        }
        if s.count > length.upperBound {
            throw AWSError.validation("1 validation error detected: Value '\(s)' at '\(at)' failed to satisfy constraint: Member must have length less than or equal to \(length.upperBound)")
        }
        return s
    }

    /// An integer member within the model's bounds, with the model validator's message.
    func int(_ key: String, range: ClosedRange<Int>) throws(AWSError) -> Int? {
        guard let i = try int(key) else { return nil }
        if i < range.lowerBound {
            throw AWSError.validation("1 validation error detected: Value '\(i)' at '\(Request.lowerFirst(key))' failed to satisfy constraint: Member must have value greater than or equal to \(range.lowerBound)")
        }
        if i > range.upperBound {
            throw AWSError.validation("1 validation error detected: Value '\(i)' at '\(Request.lowerFirst(key))' failed to satisfy constraint: Member must have value less than or equal to \(range.upperBound)")
        }
        return i
    }

    /// Checks an enum-valued member against its allowed values.
    func choice(_ key: String, _ allowed: [String], default value: String) throws(AWSError) -> String {
        guard let s = try string(key) else { return value }
        guard allowed.contains(s) else {
            throw AWSError.validation("1 validation error detected: Value '\(s)' at '\(Request.lowerFirst(key))' failed to satisfy constraint: Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]")
        }
        return s
    }

    /// ExpressionAttributeNames and ExpressionAttributeValues as an expression context.
    func expressionContext() throws(AWSError) -> ExpressionContext {
        var names: [String: String] = [:]
        if let n = try object("ExpressionAttributeNames") {
            try Request.checkPlaceholders(n.keys, parameter: "ExpressionAttributeNames", sigil: "#")
            var total = 0
            for k in n.keys.sorted() {
                guard case .string(let s) = n[k]! else { throw AWSError.serialization("ExpressionAttributeNames values must be strings") }
                if s.isEmpty {
                    throw AWSError.validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key \(k)")
                }
                try AttributeValue.checkName(s)
                total += k.utf8.count + s.utf8.count
                names[k] = s
            }
            if total > Limits.substitutionBytes {
                throw AWSError.validation("ExpressionAttributeNames exceeds max size")
            }
        }
        var values: [String: AttributeValue] = [:]
        if let v = try object("ExpressionAttributeValues") {
            try Request.checkPlaceholders(v.keys, parameter: "ExpressionAttributeValues", sigil: ":")
            for k in v.keys.sorted() {
                let raw = v[k]!
                do {
                    values[k] = try AttributeValue(wire: raw)
                } catch where error.code == "ValidationException" {
                    throw AWSError.validation("ExpressionAttributeValues contains invalid value: \(error.message) for key \(k)")
                }
            }
        }
        if values.reduce(0, { $0 + $1.key.utf8.count + $1.value.size }) > Limits.substitutionBytes {
            throw AWSError.validation("ExpressionAttributeValues exceeds max size")
        }
        return ExpressionContext(names: names, values: values)
    }

    /// Placeholder keys: `#name` / `:value` of letters, digits and `_`, at most 255 bytes.
    static func checkPlaceholders(_ keys: some Collection<String>, parameter: String, sigil: Character) throws(AWSError) {
        if keys.isEmpty { throw AWSError.validation("\(parameter) must not be empty") }
        for key in keys.sorted() {
            let size = key.utf8.count
            if size > Limits.placeholderBytes {
                throw AWSError.validation("\(parameter) contains invalid key: The expression attribute map contains a key that is too long; size of key: \(size)")
            }
            let body = key.utf8.dropFirst()
            let valid = key.first == sigil && !body.isEmpty && body.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
            }
            if !valid {
                throw AWSError.validation("\(parameter) contains invalid key: Syntax error; key: \"\(key)\"")
            }
        }
    }
}

/// Response building helpers.
enum Response {
    static func encode(_ members: [String: JSON]) -> Data {
        JSONWriter.encode(.object(members))
    }

    static let empty = Data("{}".utf8)
}
