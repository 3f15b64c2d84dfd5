import Foundation
import PetrelInvoker
import PetrelStore

/// Each function's (and qualifier's) asynchronous invocation settings
/// (PutFunctionEventInvokeConfig), in portable SQL.
struct EventInvokeConfigStore: Sendable {
    let store: Store

    struct Config: Sendable, Equatable {
        var functionName: String
        /// `$LATEST`, a version or an alias.
        var qualifier: String
        var region: String
        var maximumRetryAttempts: Int?
        var maximumEventAgeInSeconds: Int?
        var onSuccess: String?
        var onFailure: String?
        /// Epoch seconds.
        var lastModified: Double

        var limits: AsyncEventLimits {
            AsyncEventLimits(maximumRetryAttempts: maximumRetryAttempts ?? AsyncEventLimits.aws.maximumRetryAttempts,
                             maximumEventAgeSeconds: maximumEventAgeInSeconds ?? AsyncEventLimits.aws.maximumEventAgeSeconds)
        }
    }

    static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("lambda-event-invoke-configs-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_event_invoke_configs (
                    region TEXT NOT NULL,
                    function_name TEXT NOT NULL,
                    qualifier TEXT NOT NULL,
                    maximum_retry_attempts INTEGER,
                    maximum_event_age INTEGER,
                    on_success TEXT,
                    on_failure TEXT,
                    last_modified REAL NOT NULL,
                    PRIMARY KEY (region, function_name, qualifier)
                )
                """)
        }
    }

    static func config(_ row: SQLRow) -> Config {
        Config(functionName: row["function_name"], qualifier: row["qualifier"], region: row["region"],
               maximumRetryAttempts: row["maximum_retry_attempts"], maximumEventAgeInSeconds: row["maximum_event_age"],
               onSuccess: row["on_success"], onFailure: row["on_failure"], lastModified: row["last_modified"])
    }

    func get(region: String, function: String, qualifier: String) throws -> Config? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM lambda_event_invoke_configs WHERE region = ? AND function_name = ? AND qualifier = ?",
                             arguments: [region, function, qualifier]).map(Self.config)
        }
    }

    func list(region: String, function: String) throws -> [Config] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_event_invoke_configs WHERE region = ? AND function_name = ? ORDER BY qualifier",
                             arguments: [region, function]).map(Self.config)
        }
    }

    func put(_ c: Config) throws {
        try store.database.write { db in
            try db.execute(sql: """
                INSERT INTO lambda_event_invoke_configs (region, function_name, qualifier, maximum_retry_attempts, maximum_event_age,
                                                         on_success, on_failure, last_modified)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (region, function_name, qualifier) DO UPDATE SET maximum_retry_attempts = excluded.maximum_retry_attempts,
                    maximum_event_age = excluded.maximum_event_age, on_success = excluded.on_success, on_failure = excluded.on_failure,
                    last_modified = excluded.last_modified
                """, arguments: [c.region, c.functionName, c.qualifier, c.maximumRetryAttempts, c.maximumEventAgeInSeconds,
                                 c.onSuccess, c.onFailure, c.lastModified])
        }
    }

    /// Whether a config was there to delete.
    func delete(region: String, function: String, qualifier: String) throws -> Bool {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_event_invoke_configs WHERE region = ? AND function_name = ? AND qualifier = ?",
                           arguments: [region, function, qualifier])
            return db.changesCount > 0
        }
    }
}
