import Foundation
import PetrelCore

/// DynamoDB's AttributeValue: one of S, N, B, BOOL, NULL, M, L, SS, NS, BS.
indirect enum AttributeValue: Sendable, Hashable {
    case s(String)
    case n(Number)
    case b([UInt8])
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([Number])
    case bs([[UInt8]])

    /// The wire type name ("S", "N", …).
    var typeName: String {
        switch self {
        case .s: "S"
        case .n: "N"
        case .b: "B"
        case .bool: "BOOL"
        case .null: "NULL"
        case .m: "M"
        case .l: "L"
        case .ss: "SS"
        case .ns: "NS"
        case .bs: "BS"
        }
    }

    static let typeNames: Set<String> = ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]

    /// Deep equality with sets compared as sets.
    static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.s(let a), .s(let b)): a == b
        case (.n(let a), .n(let b)): a == b
        case (.b(let a), .b(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.m(let a), .m(let b)): a == b
        case (.l(let a), .l(let b)): a == b
        case (.ss(let a), .ss(let b)): Set(a) == Set(b)
        case (.ns(let a), .ns(let b)): Set(a) == Set(b)
        case (.bs(let a), .bs(let b)): Set(a) == Set(b)
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(typeName)
        switch self {
        case .s(let v): hasher.combine(v)
        case .n(let v): hasher.combine(v)
        case .b(let v): hasher.combine(v)
        case .bool(let v): hasher.combine(v)
        case .null: break
        case .m(let v): hasher.combine(v)
        case .l(let v): hasher.combine(v)
        case .ss(let v): hasher.combine(Set(v))
        case .ns(let v): hasher.combine(Set(v))
        case .bs(let v): hasher.combine(Set(v))
        }
    }

    /// Stored size as DynamoDB counts it (for the 400 KB item limit, 1 MB pages and SizeBytes).
    var size: Int {
        switch self {
        case .s(let v): v.utf8.count
        case .n(let v): v.storedSize
        case .b(let v): v.count
        case .bool, .null: 1
        case .m(let v): 3 + v.reduce(0) { $0 + $1.key.utf8.count + $1.value.size + 1 }
        case .l(let v): 3 + v.reduce(0) { $0 + $1.size + 1 }
        case .ss(let v): v.reduce(0) { $0 + $1.utf8.count }
        case .ns(let v): v.reduce(0) { $0 + $1.storedSize }
        case .bs(let v): v.reduce(0) { $0 + $1.count }
        }
    }
}

typealias Item = [String: AttributeValue]

extension Dictionary where Key == String, Value == AttributeValue {
    var itemSize: Int { reduce(0) { $0 + $1.key.utf8.count + $1.value.size } }
}

// MARK: - From and to the wire

extension AttributeValue {
    /// Parses one wire AttributeValue, rejecting what DynamoDB rejects.
    /// DynamoDB allows 32 levels of nested maps and lists.
    static let maxNesting = Limits.documentNesting

    /// Whether some value inside sits more than `limit` levels below this one. Descends at most
    /// `limit` levels, so it costs no more stack than a valid value.
    func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .m(let map): map.values.contains { limit == 0 || $0.nests(deeperThan: limit - 1) }
        case .l(let list): list.contains { limit == 0 || $0.nests(deeperThan: limit - 1) }
        default: false
        }
    }

    init(wire json: JSON, depth: Int = 0) throws(AWSError) {
        if depth > AttributeValue.maxNesting { throw Limits.nestingExceeded }
        guard case .object(let members) = json else {
            throw AWSError.serialization("Unexpected value type in payload: an AttributeValue must be an object such as {\"S\": \"text\"}")
        }
        if members.count == 0 {
            throw AWSError.validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
        }
        if members.count > 1 {
            throw AWSError.validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
        }
        let (type, value) = members.first!
        switch type {
        case "S":
            guard case .string(let s) = value else { throw AttributeValue.badMember(type) }
            self = .s(s)
        case "N":
            guard case .string(let s) = value else { throw AttributeValue.badMember(type) }
            self = .n(try Number(parsing: s))
        case "B":
            guard case .string(let s) = value else { throw AttributeValue.badMember(type) }
            self = .b(try AttributeValue.decodeBase64(s))
        case "BOOL":
            guard case .bool(let b) = value else { throw AttributeValue.badMember(type) }
            self = .bool(b)
        case "NULL":
            guard case .bool(let b) = value else { throw AttributeValue.badMember(type) }
            guard b else { throw AWSError.validation("One or more parameter values were invalid: Null attribute value types must have the value of true") }
            self = .null
        case "M":
            guard case .object(let o) = value else { throw AttributeValue.badMember(type) }
            var map: [String: AttributeValue] = [:]
            map.reserveCapacity(o.count)
            for (k, v) in o {
                try AttributeValue.checkName(k)
                map[k] = try AttributeValue(wire: v, depth: depth + 1)
            }
            self = .m(map)
        case "L":
            guard case .array(let a) = value else { throw AttributeValue.badMember(type) }
            var list: [AttributeValue] = []
            list.reserveCapacity(a.count)
            for v in a { list.append(try AttributeValue(wire: v, depth: depth + 1)) }
            self = .l(list)
        case "SS":
            guard case .array(let a) = value else { throw AttributeValue.badMember(type) }
            var set: [String] = []
            for v in a {
                guard case .string(let s) = v else { throw AttributeValue.badMember(type) }
                set.append(s)
            }
            try AttributeValue.checkSet(set, kind: "string", render: { $0 })
            self = .ss(set)
        case "NS":
            guard case .array(let a) = value else { throw AttributeValue.badMember(type) }
            var set: [Number] = []
            for v in a {
                guard case .string(let s) = v else { throw AttributeValue.badMember(type) }
                set.append(try Number(parsing: s))
            }
            try AttributeValue.checkSet(set, kind: "number", render: { $0.description })
            self = .ns(set)
        case "BS":
            guard case .array(let a) = value else { throw AttributeValue.badMember(type) }
            var set: [[UInt8]] = []
            for v in a {
                guard case .string(let s) = v else { throw AttributeValue.badMember(type) }
                set.append(try AttributeValue.decodeBase64(s))
            }
            try AttributeValue.checkSet(set, kind: "binary", render: { Data($0).base64EncodedString() })
            self = .bs(set)
        default:
            throw AWSError.serialization("Unknown AttributeValue type \(type); expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS")
        }
    }

    /// Attribute names, at the top of an item or inside a map, are at most 65,535 bytes.
    static func checkName(_ name: String) throws(AWSError) {
        if name.utf8.count > Limits.attributeNameBytes {
            throw AWSError.validation("1 validation error detected: Attribute name is too large, must be less than 65536 bytes")
        }
    }

    private static func badMember(_ type: String) -> AWSError {
        AWSError.serialization("Unexpected value type for AttributeValue member \(type)")
    }

    static func decodeBase64(_ s: String) throws(AWSError) -> [UInt8] {
        guard let data = Data(base64Encoded: s) else {
            throw AWSError.serialization("Base64 encoded length is expected a multiple of 4 bytes but found: \(s.utf8.count)")
        }
        return [UInt8](data)
    }

    private static func checkSet<T: Hashable>(_ set: [T], kind: String, render: (T) -> String) throws(AWSError) {
        if set.isEmpty {
            throw AWSError.validation("One or more parameter values were invalid: An \(kind) set  may not be empty")
        }
        if Set(set).count != set.count {
            throw AWSError.validation("One or more parameter values were invalid: Input collection [\(set.map(render).joined(separator: ", "))] contains duplicates.")
        }
    }

    var wire: JSON {
        switch self {
        case .s(let v): .object(["S": .string(v)])
        case .n(let v): .object(["N": .string(v.description)])
        case .b(let v): .object(["B": .string(Data(v).base64EncodedString())])
        case .bool(let v): .object(["BOOL": .bool(v)])
        case .null: .object(["NULL": .bool(true)])
        case .m(let v): .object(["M": .object(v.mapValues(\.wire))])
        case .l(let v): .object(["L": .array(v.map(\.wire))])
        case .ss(let v): .object(["SS": .array(v.map { .string($0) })])
        case .ns(let v): .object(["NS": .array(v.map { .string($0.description) })])
        case .bs(let v): .object(["BS": .array(v.map { .string(Data($0).base64EncodedString()) })])
        }
    }

    /// A short rendering for error messages, in DynamoDB's style ("{S:abc}").
    var brief: String {
        switch self {
        case .s(let v): "{S:\(v)}"
        case .n(let v): "{N:\(v)}"
        case .b: "{B:<binary>}"
        case .bool(let v): "{BOOL:\(v)}"
        case .null: "{NULL:true}"
        default: "{\(typeName):…}"
        }
    }
}

extension Dictionary where Key == String, Value == AttributeValue {
    init(wireItem json: JSON?, parameter: String) throws(AWSError) {
        guard let json else { self = [:]; return }
        guard case .object(let members) = json else {
            throw AWSError.serialization("\(parameter) must be a map of attribute names to AttributeValues")
        }
        var item: [String: AttributeValue] = [:]
        item.reserveCapacity(members.count)
        for (k, v) in members {
            try AttributeValue.checkName(k)
            item[k] = try AttributeValue(wire: v)
        }
        self = item
    }

    /// The item as wire JSON, already serialised.
    var wire: JSON { .raw(Data(wireBytes)) }

    /// The item's wire JSON written straight from the values (members in sorted order), the
    /// form items are stored in.
    var wireBytes: [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.write(item: self)
        return w.bytes
    }
}

extension JSONWriter {
    mutating func write(item: [String: AttributeValue]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for key in item.keys.sorted() {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
            write(attribute: item[key]!)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func write(attribute value: AttributeValue) {
        switch value {
        case .s(let v):
            append("{\"S\":"); writeString(v); append("}")
        case .n(let v):
            append("{\"N\":\""); bytes.append(contentsOf: v.description.utf8); append("\"}")
        case .b(let v):
            append("{\"B\":\""); bytes.append(contentsOf: Data(v).base64EncodedString().utf8); append("\"}")
        case .bool(let v):
            if v { append("{\"BOOL\":true}") } else { append("{\"BOOL\":false}") }
        case .null:
            append("{\"NULL\":true}")
        case .m(let m):
            append("{\"M\":"); write(item: m); append("}")
        case .l(let l):
            append("{\"L\":[")
            for (i, e) in l.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(attribute: e)
            }
            append("]}")
        case .ss(let v):
            append("{\"SS\":[")
            for (i, e) in v.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(e)
            }
            append("]}")
        case .ns(let v):
            append("{\"NS\":[")
            for (i, e) in v.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\"")); bytes.append(contentsOf: e.description.utf8); bytes.append(UInt8(ascii: "\""))
            }
            append("]}")
        case .bs(let v):
            append("{\"BS\":[")
            for (i, e) in v.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\"")); bytes.append(contentsOf: Data(e).base64EncodedString().utf8); bytes.append(UInt8(ascii: "\""))
            }
            append("]}")
        }
    }
}
