import Foundation
import GRDB
import PetrelCore

/// Table definitions, cached in memory (this process is the only writer) and stored as JSON
/// in `ddb_tables`.
final class TableCatalog: Sendable {
    private let cache = Locked<[String: TableDefinition]>([:])

    private static func cacheKey(_ region: String, _ name: String) -> String { region + "\u{0}" + name }

    static let notFound = AWSError.resourceNotFound("Requested resource not found")
    static func notFoundTable(_ name: String) -> AWSError {
        AWSError.resourceNotFound("Requested resource not found: Table: \(name) not found")
    }

    func find(_ db: Database, region: String, name: String) throws -> TableDefinition? {
        let key = TableCatalog.cacheKey(region, name)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        guard let data = try Data.fetchOne(db, sql: "SELECT definition FROM ddb_tables WHERE region = ? AND name = ?", arguments: [region, name]) else {
            return nil
        }
        let table = try JSONDecoder().decode(TableDefinition.self, from: data)
        cache.withLock { $0[key] = table }
        return table
    }

    /// The table, or ResourceNotFoundException with DynamoDB's item-operation message.
    func require(_ db: Database, region: String, name: String) throws -> TableDefinition {
        guard let table = try find(db, region: region, name: name) else { throw TableCatalog.notFound }
        return table
    }

    /// Writes a definition in the caller's transaction; the cache is refreshed by `forget`
    /// after commit.
    func save(_ db: Database, _ table: TableDefinition) throws {
        let data = try JSONEncoder().encode(table)
        try db.execute(sql: "UPDATE ddb_tables SET definition = ? WHERE id = ?", arguments: [data, table.id])
    }

    func forget(region: String, name: String) {
        cache.withLock { _ = $0.removeValue(forKey: TableCatalog.cacheKey(region, name)) }
    }

    /// Every table in a region (for ListTables).
    func names(_ db: Database, region: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM ddb_tables WHERE region = ? ORDER BY name", arguments: [region])
    }

    func all(_ db: Database) throws -> [TableDefinition] {
        try Data.fetchAll(db, sql: "SELECT definition FROM ddb_tables").map { try JSONDecoder().decode(TableDefinition.self, from: $0) }
    }

    /// Resolves a table ARN (TagResource etc.) to the table.
    func find(_ db: Database, arn: String) throws -> TableDefinition? {
        // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "dynamodb", parts[5].hasPrefix("table/") else { return nil }
        let name = String(parts[5].dropFirst("table/".count))
        return try find(db, region: String(parts[3]), name: name)
    }
}
