import Foundation

/// A CBOR (RFC 8949) data item: what Smithy's RPC v2 CBOR protocol (CloudWatch in current
/// SDKs) sends and expects.
public indirect enum CBOR: Sendable, Equatable {
    case unsigned(UInt64)
    case negative(Int64)
    case bytes(Data)
    case text(String)
    case array([CBOR])
    case map([(CBOR, CBOR)])
    case tagged(UInt64, CBOR)
    case bool(Bool)
    case null
    case undefined
    case double(Double)

    public static func == (a: CBOR, b: CBOR) -> Bool {
        switch (a, b) {
        case let (.unsigned(x), .unsigned(y)): x == y
        case let (.negative(x), .negative(y)): x == y
        case let (.bytes(x), .bytes(y)): x == y
        case let (.text(x), .text(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.map(x), .map(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.tagged(t, x), .tagged(u, y)): t == u && x == y
        case let (.bool(x), .bool(y)): x == y
        case (.null, .null), (.undefined, .undefined): true
        case let (.double(x), .double(y)): x == y
        default: false
        }
    }

    // MARK: Convenience

    public subscript(key: String) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == .text(key) }?.1
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    public var array: [CBOR]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var double: Double? {
        switch self {
        case .unsigned(let n): Double(n)
        case .negative(let n): Double(n)
        case .double(let d): d
        case .tagged(1, let inner): inner.double
        default: nil
        }
    }

    public var int: Int? { double.flatMap { $0.rounded() == $0 && abs($0) < 9e15 ? Int($0) : nil } }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A map from string keys, dropping null values (as SDKs omit unset members).
    public static func object(_ members: [(String, CBOR?)]) -> CBOR {
        .map(members.compactMap { key, value in value.map { (.text(key), $0) } })
    }

    public static func timestamp(_ seconds: Double) -> CBOR { .tagged(1, .double(seconds)) }

    public static func number(_ value: Double) -> CBOR {
        if value.rounded() == value, value >= 0, value < 1.8e19 { return .unsigned(UInt64(value)) }
        if value.rounded() == value, value < 0, value > -9.2e18 { return .negative(Int64(value)) }
        return .double(value)
    }
}

public struct CBORError: Error, CustomStringConvertible {
    public var description: String
}

extension CBOR {
    // MARK: Decoding

    public static func decode(_ data: Data) throws -> CBOR {
        var reader = Reader(bytes: [UInt8](data))
        let value = try reader.item()
        guard reader.offset == reader.bytes.count else { throw CBORError(description: "Trailing bytes after the CBOR item") }
        return value
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var depth = 0

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw CBORError(description: "Truncated CBOR") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, offset + n <= bytes.count else { throw CBORError(description: "Truncated CBOR") }
            defer { offset += n }
            return bytes[offset..<offset + n]
        }

        mutating func argument(_ info: UInt8) throws -> UInt64? {
            switch info {
            case 0..<24: return UInt64(info)
            case 24: return UInt64(try byte())
            case 25: return try take(2).reduce(0) { $0 << 8 | UInt64($1) }
            case 26: return try take(4).reduce(0) { $0 << 8 | UInt64($1) }
            case 27: return try take(8).reduce(0) { $0 << 8 | UInt64($1) }
            case 31: return nil  // indefinite length
            default: throw CBORError(description: "Reserved CBOR additional information \(info)")
            }
        }

        mutating func length(_ info: UInt8) throws -> Int? {
            guard let n = try argument(info) else { return nil }
            guard n <= UInt64(bytes.count - offset) * 8 + 64 else { throw CBORError(description: "CBOR length out of range") }
            return Int(n)
        }

        mutating func isBreak() -> Bool {
            if offset < bytes.count, bytes[offset] == 0xff {
                offset += 1
                return true
            }
            return false
        }

        mutating func item() throws -> CBOR {
            depth += 1
            defer { depth -= 1 }
            guard depth < 128 else { throw CBORError(description: "CBOR nested too deeply") }
            let initial = try byte()
            let major = initial >> 5
            let info = initial & 0x1f
            switch major {
            case 0:
                guard let n = try argument(info) else { throw CBORError(description: "Indefinite integer") }
                return .unsigned(n)
            case 1:
                guard let n = try argument(info), n < UInt64(Int64.max) else { throw CBORError(description: "Integer out of range") }
                return .negative(-1 - Int64(n))
            case 2, 3:
                var chunk = [UInt8]()
                if let n = try length(info) {
                    chunk = Array(try take(n))
                } else {
                    while !isBreak() {
                        let part = try item()
                        switch part {
                        case .bytes(let d): chunk += d
                        case .text(let s): chunk += Array(s.utf8)
                        default: throw CBORError(description: "Bad chunk in an indefinite string")
                        }
                    }
                }
                if major == 2 { return .bytes(Data(chunk)) }
                guard let s = String(bytes: chunk, encoding: .utf8) else { throw CBORError(description: "Invalid UTF-8 in CBOR text") }
                return .text(s)
            case 4:
                var items: [CBOR] = []
                if let n = try length(info) {
                    for _ in 0..<n { items.append(try item()) }
                } else {
                    while !isBreak() { items.append(try item()) }
                }
                return .array(items)
            case 5:
                var pairs: [(CBOR, CBOR)] = []
                if let n = try length(info) {
                    for _ in 0..<n { pairs.append((try item(), try item())) }
                } else {
                    while !isBreak() { pairs.append((try item(), try item())) }
                }
                return .map(pairs)
            case 6:
                guard let tag = try argument(info) else { throw CBORError(description: "Indefinite tag") }
                return .tagged(tag, try item())
            default:
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                case 23: return .undefined
                case 25:
                    let bits = try take(2).reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
                    return .double(Double(Float16(bitPattern: bits)))
                case 26:
                    let bits = try take(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    return .double(Double(Float(bitPattern: bits)))
                case 27:
                    let bits = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    return .double(Double(bitPattern: bits))
                default:
                    throw CBORError(description: "Unsupported CBOR simple value \(info)")
                }
            }
        }
    }

    // MARK: Encoding

    public func encoded() -> Data {
        var out = [UInt8]()
        encode(into: &out)
        return Data(out)
    }

    static func head(_ major: UInt8, _ n: UInt64, into out: inout [UInt8]) {
        let m = major << 5
        switch n {
        case 0..<24: out.append(m | UInt8(n))
        case 24...0xff: out += [m | 24, UInt8(n)]
        case 0x100...0xffff: out += [m | 25, UInt8(n >> 8), UInt8(n & 0xff)]
        case 0x10000...0xffff_ffff: out += [m | 26] + (0..<4).reversed().map { UInt8((n >> ($0 * 8)) & 0xff) }
        default: out += [m | 27] + (0..<8).reversed().map { UInt8((n >> ($0 * 8)) & 0xff) }
        }
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .unsigned(let n): Self.head(0, n, into: &out)
        case .negative(let n): Self.head(1, UInt64(-1 - n), into: &out)
        case .bytes(let d):
            Self.head(2, UInt64(d.count), into: &out)
            out += d
        case .text(let s):
            Self.head(3, UInt64(s.utf8.count), into: &out)
            out += s.utf8
        case .array(let items):
            Self.head(4, UInt64(items.count), into: &out)
            for item in items { item.encode(into: &out) }
        case .map(let pairs):
            Self.head(5, UInt64(pairs.count), into: &out)
            for (k, v) in pairs {
                k.encode(into: &out)
                v.encode(into: &out)
            }
        case .tagged(let tag, let inner):
            Self.head(6, tag, into: &out)
            inner.encode(into: &out)
        case .bool(let b): out.append(b ? 0xf5 : 0xf4)
        case .null: out.append(0xf6)
        case .undefined: out.append(0xf7)
        case .double(let d):
            out.append(0xfb)
            let bits = d.bitPattern
            out += (0..<8).reversed().map { UInt8((bits >> ($0 * 8)) & 0xff) }
        }
    }
}

// MARK: JSON bridging (AWS JSON 1.0 carries the same shapes; timestamps are epoch seconds)

extension CBOR {
    /// A Foundation JSON object (from JSONSerialization) as a CBOR item.
    public init(json: Any) {
        switch json {
        case let s as String: self = .text(s)
        case let n as NSNumber where String(cString: n.objCType) == "c": self = .bool(n.boolValue)
        case let n as NSNumber: self = .double(n.doubleValue)
        case let a as [Any]: self = .array(a.map(CBOR.init(json:)))
        case let o as [String: Any]: self = .map(o.sorted { $0.key < $1.key }.map { (.text($0.key), CBOR(json: $0.value)) })
        default: self = .null
        }
    }

    /// The item as a Foundation JSON object, timestamps as epoch seconds.
    public var jsonObject: Any {
        switch self {
        case .unsigned(let n): return NSNumber(value: n)
        case .negative(let n): return NSNumber(value: n)
        case .double(let d): return NSNumber(value: d)
        case .bytes(let d): return d.base64EncodedString()
        case .text(let s): return s
        case .array(let items): return items.map(\.jsonObject)
        case .map(let pairs):
            var object: [String: Any] = [:]
            for (key, value) in pairs { if case .text(let k) = key { object[k] = value.jsonObject } }
            return object
        case .tagged(_, let inner): return inner.jsonObject
        case .bool(let b): return b
        case .null, .undefined: return NSNull()
        }
    }
}
