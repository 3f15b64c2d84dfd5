import Foundation

/// One key attribute: its name and scalar type (S, N or B).
struct KeyAttribute: Codable, Sendable, Equatable {
    var name: String
    var type: String
}

/// A table's or index's key schema. A global secondary index may have up to four partition
/// and four sort key attributes (DynamoDB's multi-attribute keys): the first of each is `hash`
/// and `range`, the others `moreHash` and `moreRange`, in the order given.
struct KeySchema: Codable, Sendable, Equatable {
    var hash: KeyAttribute
    var range: KeyAttribute?
    var moreHash: [KeyAttribute]?
    var moreRange: [KeyAttribute]?

    init(hash: KeyAttribute, range: KeyAttribute?, moreHash: [KeyAttribute] = [], moreRange: [KeyAttribute] = []) {
        self.hash = hash
        self.range = range
        self.moreHash = moreHash.isEmpty ? nil : moreHash
        self.moreRange = moreRange.isEmpty ? nil : moreRange
    }

    var hashAttributes: [KeyAttribute] { [hash] + (moreHash ?? []) }
    var rangeAttributes: [KeyAttribute] { (range.map { [$0] } ?? []) + (moreRange ?? []) }
    var attributes: [KeyAttribute] { hashAttributes + rangeAttributes }
    /// Keys of several attributes are stored as an order-preserving tuple encoding.
    var compositeHash: Bool { !(moreHash ?? []).isEmpty }
    var compositeRange: Bool { !(moreRange ?? []).isEmpty }

    /// The KeySchema member of a description: HASH elements, then RANGE ones.
    var wire: JSON {
        .array(hashAttributes.map { .object(["AttributeName": .string($0.name), "KeyType": .string("HASH")]) }
            + rangeAttributes.map { .object(["AttributeName": .string($0.name), "KeyType": .string("RANGE")]) })
    }
}

/// Which attributes an index copies: KEYS_ONLY, INCLUDE (with NonKeyAttributes) or ALL.
struct IndexProjection: Codable, Sendable, Equatable {
    var type: String
    var nonKeyAttributes: [String]?
}

struct ThroughputSetting: Codable, Sendable, Equatable {
    var read: Int
    var write: Int
}

struct IndexDefinition: Codable, Sendable, Equatable {
    var name: String
    var key: KeySchema
    var projection: IndexProjection
    var throughput: ThroughputSetting?
    var isLocal: Bool
    var createdAt: Double
}

/// The stream a table currently writes to (or wrote to, if disabled).
struct StreamDefinition: Codable, Sendable, Equatable {
    var arn: String
    var label: String
    var viewType: String
    var enabled: Bool
}

/// Everything DescribeTable reports about a table, as stored (JSON) in `ddb_tables`.
struct TableDefinition: Codable, Sendable, Equatable {
    var id: Int64
    var name: String
    var region: String
    var arn: String
    var tableId: String
    var createdAt: Double
    var attributeDefinitions: [KeyAttribute]
    var key: KeySchema
    var billingMode: String
    var throughput: ThroughputSetting?
    var indexes: [IndexDefinition]
    var stream: StreamDefinition?
    var ttlAttribute: String?
    var ttlEnabled: Bool
    var tags: [String: String]
    var deletionProtection: Bool
    var tableClass: String?

    func index(named name: String) -> IndexDefinition? { indexes.first { $0.name == name } }
    var streamEnabled: Bool { stream?.enabled ?? false }
}
