import Foundation
import PetrelStore
import PetrelCore

/// Table definitions, held in memory and stored as JSON in `ddb_tables`.
///
/// The memory copy is authoritative once loaded: this process is the only writer, every DDL
/// operation publishes its result after its transaction commits, and item operations never
/// decode a definition. The first access loads every table once.
final class TableCatalog: Sendable {
    private struct State {
        var loaded = false
        var tables: [String: TableDefinition] = [:]
    }

    private let state = Locked(State())

    private static func cacheKey(_ region: String, _ name: String) -> String { region + "\u{0}" + name }

    static let notFound = AWSError.resourceNotFound("Requested resource not found")
    static func notFoundTable(_ name: String) -> AWSError {
        AWSError.resourceNotFound("Requested resource not found: Table: \(name) not found")
    }

    private func ensureLoaded(_ db: any SQLConnection) throws {
        if state.withLock({ $0.loaded }) { return }
        let all = try db.fetchAll(Data.self, sql: "SELECT definition FROM ddb_tables").map { try JSONDecoder().decode(TableDefinition.self, from: $0) }
        state.withLock { s in
            guard !s.loaded else { return }
            for table in all { s.tables[TableCatalog.cacheKey(table.region, table.name)] = table }
            s.loaded = true
        }
    }

    func find(_ db: any SQLConnection, region: String, name: String) throws -> TableDefinition? {
        // Wherever a table name goes, DynamoDB also takes the table's ARN.
        if name.hasPrefix("arn:") { return try find(db, arn: name) }
        try ensureLoaded(db)
        let key = TableCatalog.cacheKey(region, name)
        return state.withLock { $0.tables[key] }
    }

    /// The table, or ResourceNotFoundException with DynamoDB's item-operation message.
    func require(_ db: any SQLConnection, region: String, name: String) throws -> TableDefinition {
        guard let table = try find(db, region: region, name: name) else { throw TableCatalog.notFound }
        return table
    }

    /// Writes a definition in the caller's transaction; call `publish` after the commit.
    func save(_ db: any SQLConnection, _ table: TableDefinition) throws {
        let data = try JSONEncoder().encode(table)
        try db.execute(sql: "UPDATE ddb_tables SET definition = ? WHERE id = ?", arguments: [data, table.id])
    }

    /// Makes a committed definition visible to every later request.
    func publish(_ table: TableDefinition) {
        state.withLock { $0.tables[TableCatalog.cacheKey(table.region, table.name)] = table }
    }

    func remove(region: String, name: String) {
        state.withLock { _ = $0.tables.removeValue(forKey: TableCatalog.cacheKey(region, name)) }
    }

    /// Every table in a region (for ListTables).
    func names(_ db: any SQLConnection, region: String) throws -> [String] {
        try ensureLoaded(db)
        return state.withLock { $0.tables.values.filter { $0.region == region }.map(\.name) }.sorted()
    }

    /// Whether a write to these tables may append stream records (one of them has its stream
    /// enabled), from the memory copy, before any transaction. Errs towards true: before the
    /// catalog is loaded, and for a table named by ARN.
    func mayAppendStreamRecords(region: String, tables names: [String]) -> Bool {
        state.withLock { s in
            guard s.loaded else { return true }
            return names.contains { name in
                guard let table = s.tables[TableCatalog.cacheKey(region, name)] else { return name.hasPrefix("arn:") }
                return table.stream?.enabled == true
            }
        }
    }

    func all(_ db: any SQLConnection) throws -> [TableDefinition] {
        try ensureLoaded(db)
        return state.withLock { Array($0.tables.values) }
    }

    /// Resolves a table ARN (TagResource etc.) to the table.
    func find(_ db: any SQLConnection, arn: String) throws -> TableDefinition? {
        // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "dynamodb", parts[5].hasPrefix("table/") else { return nil }
        let name = String(parts[5].dropFirst("table/".count))
        return try find(db, region: String(parts[3]), name: name)
    }
}
