import Foundation
import PetrelStore

/// Reserved concurrency per function (PutFunctionConcurrency), so it survives a restart.
public struct ReservedConcurrencyStore: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("reserved-concurrency-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_reserved_concurrency (
                    name TEXT PRIMARY KEY,
                    reserved INTEGER NOT NULL
                )
                """)
        }
    }

    public func put(name: String, reserved: Int) throws {
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO lambda_reserved_concurrency (name, reserved) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET reserved = excluded.reserved",
                           arguments: [name, reserved])
        }
    }

    public func get(name: String) throws -> Int? {
        try store.database.read { db in
            try db.fetchOne(Int.self, sql: "SELECT reserved FROM lambda_reserved_concurrency WHERE name = ?", arguments: [name])
        }
    }

    public func all() throws -> [String: Int] {
        try store.database.read { db in
            var result: [String: Int] = [:]
            for row in try db.fetchAll(sql: "SELECT name, reserved FROM lambda_reserved_concurrency") { result[row["name"]] = row["reserved"] }
            return result
        }
    }

    public func delete(name: String) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_reserved_concurrency WHERE name = ?", arguments: [name])
        }
    }
}
