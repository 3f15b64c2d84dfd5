import Foundation
import PetrelCore

/// AWS's CBOR protocol (`application/x-amz-cbor-1.1`, the Java SDK's and the KCL's default for
/// Kinesis): a JSON 1.1 service's shapes, encoded as CBOR. Blobs are byte strings instead of
/// base64 text; timestamps are tag 1 around epoch *milliseconds* (the SDKs' `UNIX_TIMESTAMP_MILLIS`
/// for CBOR payloads, not RFC 8949's seconds). Errors keep `__type` and `message`.
extension CBOR {
    /// The JSON 1.1 value a CBOR request stands for: byte strings as base64 text, tag-1
    /// timestamps (epoch milliseconds) as epoch seconds. Maps need text keys.
    public func awsJSONValue() throws -> JSONValue {
        switch self {
        case .unsigned(let n): return .number(Double(n))
        case .negative(let n): return .number(Double(n))
        case .double(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .null, .undefined: return .null
        case .text(let s): return .string(s)
        case .bytes(let d): return .string(d.base64EncodedString())
        case .array(let items): return .array(try items.map { try $0.awsJSONValue() })
        case .map(let pairs):
            var members: [String: JSONValue] = [:]
            for (key, value) in pairs {
                guard case .text(let name) = key else { throw CBORError(description: "A CBOR map key must be a text string.") }
                members[name] = try value.awsJSONValue()
            }
            return .object(members)
        case .tagged(1, let inner):
            guard let ms = inner.double, ms.isFinite else { throw CBORError(description: "A CBOR timestamp (tag 1) must hold a number.") }
            return .number(ms / 1000)
        case .tagged(let tag, _):
            throw CBORError(description: "Unsupported CBOR tag \(tag).")
        }
    }

    /// A JSON 1.1 answer in AWS CBOR. `blobs` and `timestamps` name the members of those types
    /// in the service's model: a blob member's base64 text becomes a byte string, a timestamp
    /// member's epoch seconds tag 1 around epoch milliseconds. Whole numbers are integers.
    public init(awsJSON value: JSONValue, blobs: Set<String> = [], timestamps: Set<String> = []) {
        self = Self.convert(value, member: nil, blobs: blobs, timestamps: timestamps)
    }

    private static func convert(_ value: JSONValue, member: String?, blobs: Set<String>, timestamps: Set<String>) -> CBOR {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s):
            if let member, blobs.contains(member), let data = Data(base64Encoded: s) { return .bytes(data) }
            return .text(s)
        case .number(let n):
            if let member, timestamps.contains(member), n.isFinite { return .tagged(1, .number((n * 1000).rounded())) }
            return .number(n)
        case .array(let items):
            // A list's members carry the list's member name (a list of blobs stays blobs).
            return .array(items.map { convert($0, member: member, blobs: blobs, timestamps: timestamps) })
        case .object(let members):
            return .map(members.sorted { $0.key < $1.key }.map { (CBOR.text($0.key), convert($0.value, member: $0.key, blobs: blobs, timestamps: timestamps)) })
        }
    }
}

extension WireProtocol {
    /// The content type of AWS's CBOR protocol for JSON 1.1 services.
    public static let cbor11ContentType = "application/x-amz-cbor-1.1"

    /// An error in AWS CBOR: JSON 1.1's members (`__type`, `message`, extras) as a CBOR map,
    /// with the same status and `x-amzn-ErrorType` header.
    public static func renderCBOR11(_ error: AWSError) -> WireResponse {
        var response = WireProtocol.json11.render(error)
        let members = (try? JSONDecoder().decode(JSONValue.self, from: response.body)) ?? .object(["__type": .string(error.code), "message": .string(error.message)])
        response.body = CBOR(awsJSON: members).encoded()
        response.headers = response.headers.map { $0.0 == "Content-Type" ? ($0.0, cbor11ContentType) : $0 }
        return response
    }
}
