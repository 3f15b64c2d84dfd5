import Foundation
import PetrelStore
import PetrelCore

/// The one place an item changes: stores the new version (or removes it), keeps indexes in
/// step and appends the stream record, all in the caller's transaction.
enum ItemWriter {
    static let maxItemSize = Limits.itemBytes

    static func checkSize(_ item: Item, update: Bool = false) throws(AWSError) {
        // An update can nest a value below an existing one: check before anything recurses
        // through the new item (its size, equality, encoding).
        if update, item.values.contains(where: { $0.nests(deeperThan: Limits.documentNesting) }) {
            throw Limits.nestingExceeded
        }
        if item.itemSize > maxItemSize {
            throw AWSError.validation(update ? "Item size to update has exceeded the maximum allowed size" : "Item size has exceeded the maximum allowed size")
        }
    }

    /// Returns whether anything changed. Writing an identical item changes nothing and
    /// produces no stream record.
    @discardableResult
    static func write(_ db: any SQLConnection, table: TableDefinition, key: PrimaryKey, old: Item?, new: Item?,
                      streams: inout StreamRecordWriter, byService: Bool = false) throws -> Bool {
        switch (old, new) {
        case (nil, nil):
            return false
        case (let o?, let n?) where o == n:
            return false
        case (_, let n?):
            try ItemStore.upsert(db, table: table, key: key, item: n)
        case (_, nil):
            try ItemStore.delete(db, tableId: table.id, key: key)
        }
        if !table.indexes.isEmpty {
            try ItemStore.maintainIndexes(db, table: table, base: key, old: old, new: new)
        }
        try streams.append(db, table: table, old: old, new: new, byService: byService)
        return true
    }
}
