import Foundation
import GRDB
import PetrelCore

/// SQL for items and index entries. Items are stored as their wire JSON, so a GetItem without
/// a projection answers with the stored bytes unchanged.
enum ItemStore {
    static func fetchRaw(_ db: Database, tableId: Int64, key: PrimaryKey) throws -> Data? {
        let statement = try db.cachedStatement(sql: "SELECT item FROM ddb_items WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?")
        return try Data.fetchOne(statement, arguments: [tableId, key.hh, Data(key.hk), Data(key.rk)])
    }

    static func fetch(_ db: Database, tableId: Int64, key: PrimaryKey) throws -> Item? {
        guard let raw = try fetchRaw(db, tableId: tableId, key: key) else { return nil }
        return try decode(raw)
    }

    static func decode(_ raw: Data) throws(AWSError) -> Item {
        try Item(wireItem: JSONParser.parse(raw), parameter: "Item")
    }

    static func upsert(_ db: Database, table: TableDefinition, key: PrimaryKey, item: Item) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO ddb_items (table_id, hh, hk, rk, item, size, expires) VALUES (?, ?, ?, ?, ?, ?, ?)")
        try statement.execute(arguments: [table.id, key.hh, Data(key.hk), Data(key.rk), Data(item.wireBytes), item.itemSize, expiry(of: item, table: table)])
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
    static func refreshExpiry(_ db: Database, table: TableDefinition) throws {
        guard table.ttlEnabled else {
            try db.execute(sql: "UPDATE ddb_items SET expires = NULL WHERE table_id = ? AND expires IS NOT NULL", arguments: [table.id])
            return
        }
        let rows = try Row.fetchAll(db, sql: "SELECT hh, hk, rk, item FROM ddb_items WHERE table_id = ?", arguments: [table.id])
        let update = try db.cachedStatement(sql: "UPDATE ddb_items SET expires = ? WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?")
        for row in rows {
            let item = try decode(row["item"])
            try update.execute(arguments: [expiry(of: item, table: table), table.id, row["hh"] as Int64, row["hk"] as Data, row["rk"] as Data])
        }
    }

    static func delete(_ db: Database, tableId: Int64, key: PrimaryKey) throws {
        let statement = try db.cachedStatement(sql: "DELETE FROM ddb_items WHERE table_id = ? AND hh = ? AND hk = ? AND rk = ?")
        try statement.execute(arguments: [tableId, key.hh, Data(key.hk), Data(key.rk)])
    }

    static func insertIndexEntry(_ db: Database, tableId: Int64, index: String, key: PrimaryKey, base: PrimaryKey, item: Item) throws {
        let bytes = item.wireBytes
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO ddb_index_items (table_id, index_name, hh, hk, rk, pk, item, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        try statement.execute(arguments: [tableId, index, key.hh, Data(key.hk), Data(key.rk), Data(base.packed), Data(bytes), item.itemSize])
    }

    static func deleteIndexEntry(_ db: Database, tableId: Int64, index: String, key: PrimaryKey, base: PrimaryKey) throws {
        let statement = try db.cachedStatement(sql: "DELETE FROM ddb_index_items WHERE table_id = ? AND index_name = ? AND hh = ? AND hk = ? AND rk = ? AND pk = ?")
        try statement.execute(arguments: [tableId, index, key.hh, Data(key.hk), Data(key.rk), Data(base.packed)])
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
    static func maintainIndexes(_ db: Database, table: TableDefinition, base: PrimaryKey, old: Item?, new: Item?) throws {
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
