import Foundation
import PetrelCore

/// An item's key as stored: a 32-bit hash of the partition key (scan order and segments, as
/// DynamoDB spreads partitions), the partition key's sort bytes and the sort key's sort bytes
/// (empty when the schema has none). Byte order equals DynamoDB order: S and B by unsigned
/// bytes, N numerically.
struct PrimaryKey: Hashable, Sendable {
    var hh: Int64
    var hk: [UInt8]
    var rk: [UInt8]

    static func sortBytes(_ value: AttributeValue) -> [UInt8] {
        switch value {
        case .s(let s): Array(s.utf8)
        case .n(let n): n.sortKey
        case .b(let b): b
        default: []
        }
    }

    static func hashOf(_ bytes: [UInt8]) -> Int64 {
        var h: UInt32 = 2166136261
        for b in bytes { h = (h ^ UInt32(b)) &* 16777619 }
        return Int64(h)
    }

    init(hash: AttributeValue, range: AttributeValue?) {
        hk = PrimaryKey.sortBytes(hash)
        rk = range.map(PrimaryKey.sortBytes) ?? []
        hh = PrimaryKey.hashOf(hk)
    }

    /// A multi-attribute index key: each side of several values is a tuple encoding whose byte
    /// order is the order of the values taken left to right.
    init(hashes: [AttributeValue], ranges: [AttributeValue], schema: KeySchema) {
        hk = schema.compositeHash ? PrimaryKey.tuple(hashes) : PrimaryKey.sortBytes(hashes[0])
        rk = schema.compositeRange ? PrimaryKey.tuple(ranges) : (ranges.first.map(PrimaryKey.sortBytes) ?? [])
        hh = PrimaryKey.hashOf(hk)
    }

    /// One value of a tuple: its sort bytes with 0x00 escaped as 00 FF, ended by 00 01, so a
    /// shorter value sorts before a longer one it begins and tuples compare element by element.
    static func tupleElement(_ value: AttributeValue, terminated: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for b in sortBytes(value) {
            if b == 0 { out.append(0); out.append(0xFF) } else { out.append(b) }
        }
        if terminated { out.append(0); out.append(1) }
        return out
    }

    static func tuple(_ values: [AttributeValue]) -> [UInt8] { values.flatMap { tupleElement($0) } }

    /// The base-table key concatenated, for index rows (unique per item).
    var packed: [UInt8] {
        var out = withUnsafeBytes(of: UInt32(hk.count).bigEndian) { Array($0) }
        out += hk
        out += rk
        return out
    }
}

extension KeySchema {
    /// Extracts and validates the key of a full item (PutItem), with DynamoDB's messages.
    func key(ofItem item: Item) throws(AWSError) -> PrimaryKey {
        let h = try keyValue(hash, in: item, isHash: true)
        let r = try range.map { attr throws(AWSError) in try keyValue(attr, in: item, isHash: false) }
        return PrimaryKey(hash: h, range: r)
    }

    private func keyValue(_ attr: KeyAttribute, in item: Item, isHash: Bool) throws(AWSError) -> AttributeValue {
        guard let value = item[attr.name] else {
            throw AWSError.validation("One or more parameter values were invalid: Missing the key \(attr.name) in the item")
        }
        guard value.typeName == attr.type else {
            throw AWSError.validation("One or more parameter values were invalid: Type mismatch for key \(attr.name) expected: \(attr.type) actual: \(value.typeName)")
        }
        try KeySchema.checkKeyValue(value, name: attr.name, isHash: isHash)
        return value
    }

    static func checkKeyValue(_ value: AttributeValue, name: String, isHash: Bool) throws(AWSError) {
        var empty = false
        if case .s(let s) = value, s.isEmpty { empty = true }
        if case .b(let b) = value, b.isEmpty { empty = true }
        if empty {
            let kind = value.typeName == "S" ? "string" : "binary"
            throw AWSError.validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty \(kind) value. Key: \(name)")
        }
        if isHash, value.size > 2048 {
            throw AWSError.validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
        }
        if !isHash, value.size > 1024 {
            throw AWSError.validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
        }
    }

    /// Validates a `Key` parameter (GetItem, UpdateItem, DeleteItem…): exactly the key attributes.
    func key(ofKeyParameter key: Item) throws(AWSError) -> PrimaryKey {
        let mismatch = AWSError.validation("The provided key element does not match the schema")
        guard key.count == attributes.count else { throw mismatch }
        for attr in attributes {
            guard let v = key[attr.name], v.typeName == attr.type else { throw mismatch }
        }
        try KeySchema.checkKeyValue(key[hash.name]!, name: hash.name, isHash: true)
        if let range { try KeySchema.checkKeyValue(key[range.name]!, name: range.name, isHash: false) }
        return PrimaryKey(hash: key[hash.name]!, range: range.map { key[$0.name]! })
    }

    /// The key attributes of an item (for Keys in stream records and LastEvaluatedKey).
    func keyItem(of item: Item) -> Item {
        var out: Item = [:]
        for attr in attributes { out[attr.name] = item[attr.name] }
        return out
    }

    /// An index's key for an item, or nil when the item lacks an index key attribute (sparse
    /// index). A present attribute of the wrong type is rejected, as DynamoDB does.
    func indexKey(of item: Item, indexName: String) throws(AWSError) -> PrimaryKey? {
        for attr in attributes {
            guard let v = item[attr.name] else { return nil }
            guard v.typeName == attr.type else {
                throw AWSError.validation("One or more parameter values were invalid: Type mismatch for Index Key \(attr.name) Expected: \(attr.type) Actual: \(v.typeName) IndexName: \(indexName)")
            }
            if case .s(let s) = v, s.isEmpty {
                throw AWSError.validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: \(indexName), IndexKey: \(attr.name)")
            }
        }
        return PrimaryKey(hashes: hashAttributes.map { item[$0.name]! }, ranges: rangeAttributes.map { item[$0.name]! }, schema: self)
    }
}
