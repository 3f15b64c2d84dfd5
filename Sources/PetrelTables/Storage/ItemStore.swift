import Foundation
import PetrelStore
import PetrelCore

/// SQL for items and index entries. Items are stored as their wire JSON, so a GetItem without
/// a projection answers with the stored bytes unchanged.
enum ItemStore {
    static func fetchRaw(_ db: any SQLConnection, tableId: Int64, key: PrimaryKey) throws -> Data? {
        try db.fetchOne(Data.self, sql: "SELECT item FROM ddb_items WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?",
                        arguments: [tableId, key.hh, Data(key.hk), Data(key.rk)])
    }

    static func fetch(_ db: any SQLConnection, tableId: Int64, key: PrimaryKey) throws -> Item? {
        guard let raw = try fetchRaw(db, tableId: tableId, key: key) else { return nil }
        return try decode(raw)
    }

    static func decode(_ raw: Data) throws(AWSError) -> Item {
        try JSONParser.parseStoredItem(raw)
    }

    static func upsert(_ db: any SQLConnection, table: TableDefinition, key: PrimaryKey, item: Item) throws {
        try db.execute(sql: """
            INSERT INTO ddb_items (table_id, hh, hk, rk, item, size, expires) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (table_id, hh, hk, rk) DO UPDATE SET item = excluded.item, size = excluded.size, expires = excluded.expires
            """, arguments: [table.id, key.hh, Data(key.hk), Data(key.rk), Data(item.wireBytes), item.itemSize, expiry(of: item, table: table)])
    }

    /// When TTL will delete the item: its TTL attribute, if TTL is on and the attribute is a
    /// positive number of epoch seconds (anything else never expires, as on AWS). Indexed, so
    /// the TTL sweep reads only expired items.
    static func expiry(of item: Item, table: TableDefinition) -> Double? {
        guard table.ttlEnabled, let attribute = table.ttlAttribute, case .n(let n)? = item[attribute] else { return nil }
        let seconds = n.doubleValue
        return seconds > 0 ? seconds : nil
    }

    /// Recomputes every item's expiry after TTL is switched on or off.
    static func refreshExpiry(_ db: any SQLConnection, table: TableDefinition) throws {
        guard table.ttlEnabled else {
            try db.execute(sql: "UPDATE ddb_items SET expires = NULL WHERE table_id = ? AND expires IS NOT NULL", arguments: [table.id])
            return
        }
        let rows = try db.fetchAll(sql: "SELECT hh, hk, rk, item FROM ddb_items WHERE table_id = ?", arguments: [table.id])
        for row in rows {
            let item = try decode(row["item"])
            try db.execute(sql: "UPDATE ddb_items SET expires = ? WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?",
                           arguments: [expiry(of: item, table: table), table.id, row["hh"] as Int64, row["hk"] as Data, row["rk"] as Data])
        }
    }

    static func delete(_ db: any SQLConnection, tableId: Int64, key: PrimaryKey) throws {
        try db.execute(sql: "DELETE FROM ddb_items WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?", arguments: [tableId, key.hh, Data(key.hk), Data(key.rk)])
    }

    static func insertIndexEntry(_ db: any SQLConnection, tableId: Int64, index: String, key: PrimaryKey, base: PrimaryKey, item: Item) throws {
        let bytes = item.wireBytes
        try db.execute(sql: """
            INSERT INTO ddb_index_items (table_id, index_name, hh, hk, rk, pk, item, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (table_id, index_name, hh, hk, rk, pk) DO UPDATE SET item = excluded.item, size = excluded.size
            """, arguments: [tableId, index, key.hh, Data(key.hk), Data(key.rk), Data(base.packed), Data(bytes), item.itemSize])
    }

    static func deleteIndexEntry(_ db: any SQLConnection, tableId: Int64, index: String, key: PrimaryKey, base: PrimaryKey) throws {
        try db.execute(sql: "DELETE FROM ddb_index_items WHERE table_id = ? AND index_name = ? AND hh = ? AND hk = ? AND rk = ? AND pk = ?", arguments: [tableId, index, key.hh, Data(key.hk), Data(key.rk), Data(base.packed)])
    }

    /// The item as an index holds it: the index's projection of the base item.
    static func projected(_ item: Item, for index: IndexDefinition, table: TableDefinition) -> Item {
        switch index.projection.type {
        case "ALL":
            return item
        default:
            var keep = Set(table.key.attributes.map(\.name) + index.key.attributes.map(\.name))
            if index.projection.type == "INCLUDE" { keep.formUnion(index.projection.nonKeyAttributes ?? []) }
            return item.filter { keep.contains($0.key) }
        }
    }

    /// Keeps every index consistent with a base-item change, in the caller's transaction.
    static func maintainIndexes(_ db: any SQLConnection, table: TableDefinition, base: PrimaryKey, old: Item?, new: Item?) throws {
        for index in table.indexes {
            let oldKey = try old.flatMap { item throws(AWSError) in try index.key.indexKey(of: item, indexName: index.name) }
            let newKey = try new.flatMap { item throws(AWSError) in try index.key.indexKey(of: item, indexName: index.name) }
            if let oldKey, oldKey != newKey || new == nil {
                try deleteIndexEntry(db, tableId: table.id, index: index.name, key: oldKey, base: base)
            }
            if let newKey, let new {
                let projectedNew = projected(new, for: index, table: table)
                if oldKey == newKey, let old, projected(old, for: index, table: table) == projectedNew { continue }
                try insertIndexEntry(db, tableId: table.id, index: index.name, key: newKey, base: base, item: projectedNew)
            }
        }
    }

    /// Checks index key types before anything is written, so a bad item fails cleanly.
    static func validateIndexKeys(_ item: Item, table: TableDefinition) throws(AWSError) {
        for index in table.indexes { _ = try index.key.indexKey(of: item, indexName: index.name) }
    }
}
