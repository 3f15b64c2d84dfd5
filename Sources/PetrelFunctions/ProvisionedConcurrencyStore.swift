import Foundation
import PetrelStore

/// Provisioned concurrency settings per function version, so they survive a restart.
public struct ProvisionedConcurrencyStore: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public struct Setting: Sendable, Equatable {
        public var name: String
        public var qualifier: String
        public var count: Int
        public var lastModified: Double
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("provisioned-concurrency-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_provisioned_concurrency (
                    name TEXT NOT NULL,
                    qualifier TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    last_modified REAL NOT NULL,
                    PRIMARY KEY (name, qualifier)
                )
                """)
        }
    }

    public func put(name: String, qualifier: String, count: Int) throws -> Setting {
        let setting = Setting(name: name, qualifier: qualifier, count: count, lastModified: Date().timeIntervalSince1970)
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO lambda_provisioned_concurrency (name, qualifier, count, last_modified) VALUES (?, ?, ?, ?) ON CONFLICT (name, qualifier) DO UPDATE SET count = excluded.count, last_modified = excluded.last_modified",
                           arguments: [name, qualifier, count, setting.lastModified])
        }
        return setting
    }

    public func get(name: String, qualifier: String) throws -> Setting? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM lambda_provisioned_concurrency WHERE name = ? AND qualifier = ?", arguments: [name, qualifier])
                .map(Self.setting)
        }
    }

    public func all(name: String? = nil) throws -> [Setting] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_provisioned_concurrency WHERE ? IS NULL OR name = ? ORDER BY name, qualifier",
                             arguments: [name, name]).map(Self.setting)
        }
    }

    /// Deletes one version's setting, or (qualifier nil) every setting of the function.
    public func delete(name: String, qualifier: String? = nil) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_provisioned_concurrency WHERE name = ? AND (? IS NULL OR qualifier = ?)",
                           arguments: [name, qualifier, qualifier])
        }
    }

    static func setting(_ row: SQLRow) -> Setting {
        Setting(name: row["name"], qualifier: row["qualifier"], count: row["count"], lastModified: row["last_modified"])
    }
}
