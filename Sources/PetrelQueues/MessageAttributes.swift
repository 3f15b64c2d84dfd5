import Crypto
import Foundation

/// One message attribute: `DataType` (String, Number, Binary, optionally with a custom
/// `.suffix`) and its value.
public struct MessageAttributeValue: Sendable, Equatable, Codable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: Data?

    public init(dataType: String, stringValue: String? = nil, binaryValue: Data? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    public var isBinary: Bool { dataType.hasPrefix("Binary") }

    /// Bytes counted toward the message size: name, type and value, as AWS counts them.
    func size(name: String) -> Int {
        name.utf8.count + dataType.utf8.count + (isBinary ? (binaryValue?.count ?? 0) : (stringValue?.utf8.count ?? 0))
    }
}

/// Validation and digests of message bodies and attributes, as SQS does them.
public enum MessageContent {
    public static let maxAttributes = 10

    /// MD5 of the body's UTF-8 bytes, lowercase hex.
    public static func md5(body: String) -> String {
        hex(Insecure.MD5.hash(data: Data(body.utf8)))
    }

    /// AWS's MD5OfMessageAttributes: attributes sorted by name, each as length-prefixed (4-byte
    /// big-endian) name and data type, a transport byte (1 string, 2 binary) and the
    /// length-prefixed value. nil when there are none.
    public static func md5(attributes: [String: MessageAttributeValue]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes = Data()
        func put(_ data: Data) {
            var length = UInt32(data.count).bigEndian
            bytes.append(Data(bytes: &length, count: 4))
            bytes.append(data)
        }
        for name in attributes.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let value = attributes[name]!
            put(Data(name.utf8))
            put(Data(value.dataType.utf8))
            if value.isBinary {
                bytes.append(2)
                put(value.binaryValue ?? Data())
            } else {
                bytes.append(1)
                put(Data((value.stringValue ?? "").utf8))
            }
        }
        return hex(Insecure.MD5.hash(data: bytes))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of the body, hex: the deduplication id of content-based deduplication.
    public static func sha256(body: String) -> String {
        hex(SHA256.hash(data: Data(body.utf8)))
    }

    /// Characters SQS accepts in a body and in string values: #x9 #xA #xD, #x20–#xD7FF,
    /// #xE000–#xFFFD, #x10000–#x10FFFF.
    public static func isAllowed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { c in
            let v = c.value
            return v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
        }
    }

    /// Checks a message's attributes as SendMessage does; `parameter` names them in errors.
    public static func validate(attributes: [String: MessageAttributeValue]) throws {
        guard attributes.count <= maxAttributes else {
            throw QueueError.invalidParameter("Number of message attributes [\(attributes.count)] exceeds the allowed maximum [\(maxAttributes)].")
        }
        for (name, value) in attributes {
            try validate(name: name)
            let type = value.dataType
            let base = type.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            guard ["String", "Number", "Binary"].contains(base), type.utf8.count <= 256,
                  type == base || type.count > base.count + 1 else {
                throw QueueError.invalidParameter("The message attribute '\(name)' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
            }
            if base == "Binary" {
                guard let data = value.binaryValue, !data.isEmpty else {
                    throw QueueError.invalidParameter("The message attribute '\(name)' with type 'Binary' must use field 'Binary'.")
                }
            } else {
                guard let text = value.stringValue, !text.isEmpty else {
                    throw QueueError.invalidParameter("The message attribute '\(name)' with type '\(base)' must use field 'String'.")
                }
                guard isAllowed(text) else {
                    throw QueueError.invalidParameter("The message attribute '\(name)' contains invalid characters.")
                }
                if base == "Number" {
                    guard isNumber(text) else {
                        throw QueueError.invalidParameter("Can't cast the value of message (user) attribute '\(name)' to a number.")
                    }
                }
            }
        }
    }

    /// A name of at most 256 characters from `A-Za-z0-9_-.`, not starting with `AWS.` or
    /// `Amazon.`, not starting or ending with a period, no two periods in a row.
    static func validate(name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { c in
            (c.value < 128 && CharacterSet.alphanumerics.contains(c)) || c == "_" || c == "-" || c == "."
        }
        guard !name.isEmpty, name.count <= 256, allowed, !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..") else {
            throw QueueError.invalidParameter("The message attribute name '\(name)' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.")
        }
        let lower = name.lowercased()
        guard !lower.hasPrefix("aws."), !lower.hasPrefix("amazon.") else {
            throw QueueError.invalidParameter("Message (user) attribute name '\(name)' is invalid. Attribute names can't start with 'AWS.' or 'Amazon.'")
        }
    }

    /// SQS's numbers: up to 38 significant digits, exponent from -128 to +126.
    static func isNumber(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, Double(trimmed) != nil, !trimmed.lowercased().contains("n"),
              !trimmed.lowercased().contains("i") else { return false }
        let digits = trimmed.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber).drop { $0 == "0" }
        return digits.count <= 38
    }

    /// The attributes a ReceiveMessage's `MessageAttributeNames` selects: `All`, `.*`, exact
    /// names, and prefixes ending in `.*`.
    public static func select(_ attributes: [String: MessageAttributeValue], names: [String]) -> [String: MessageAttributeValue] {
        guard !names.isEmpty, !attributes.isEmpty else { return [:] }
        if names.contains("All") || names.contains(".*") { return attributes }
        return attributes.filter { name, _ in
            names.contains { wanted in
                // `bar.*` is a prefix: `bar.x`, and (as SQS's regular expression reads it) `bar1`.
                wanted.hasSuffix(".*") ? name.hasPrefix(String(wanted.dropLast(2))) : wanted == name
            }
        }
    }
}
