import Foundation
import PetrelCore
import PetrelStore

/// Function URL configurations in the store: one per function and qualifier, found by URL id.
public struct FunctionURLStore: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("function-urls-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_function_urls (
                    function_name TEXT NOT NULL,
                    qualifier TEXT NOT NULL,
                    url_id TEXT NOT NULL UNIQUE,
                    auth_type TEXT NOT NULL,
                    cors TEXT,
                    invoke_mode TEXT NOT NULL,
                    creation_time REAL NOT NULL,
                    last_modified REAL NOT NULL,
                    PRIMARY KEY (function_name, qualifier)
                )
                """)
        }
    }

    static let columns = "function_name, qualifier, url_id, auth_type, cors, invoke_mode, creation_time, last_modified"

    /// Creates the URL; ResourceConflictException when the function (and qualifier) has one.
    public func create(_ config: FunctionURLConfig) throws -> FunctionURLConfig {
        let inserted = try store.database.write { db in
            try db.fetchOne(sql: """
                INSERT INTO lambda_function_urls (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (function_name, qualifier) DO NOTHING RETURNING url_id
                """, arguments: [config.functionName, config.qualifier ?? "", config.urlID, config.authType, try Self.encode(config.cors),
                                 config.invokeMode, config.creationTime.timeIntervalSince1970, config.lastModifiedTime.timeIntervalSince1970])
        }
        guard inserted != nil else {
            let existing = try get(function: config.functionName, qualifier: config.qualifier)
            throw AWSError("ResourceConflictException", status: 409,
                           "Failed to create function url config for [functionArn = \(config.functionName)\(config.qualifier.map { ":" + $0 } ?? "")]. Error message:  FunctionUrlConfig exists for this Lambda function\(existing.map { " (\($0.urlID))" } ?? "")")
        }
        return config
    }

    public func get(function: String, qualifier: String?) throws -> FunctionURLConfig? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT \(Self.columns) FROM lambda_function_urls WHERE function_name = ? AND qualifier = ?",
                            arguments: [function, qualifier ?? ""]).map(Self.config)
        }
    }

    public func find(urlID: String) throws -> FunctionURLConfig? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT \(Self.columns) FROM lambda_function_urls WHERE url_id = ?", arguments: [urlID]).map(Self.config)
        }
    }

    public func list(function: String) throws -> [FunctionURLConfig] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT \(Self.columns) FROM lambda_function_urls WHERE function_name = ? ORDER BY qualifier",
                            arguments: [function]).map(Self.config)
        }
    }

    public func update(_ config: FunctionURLConfig) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE lambda_function_urls SET auth_type = ?, cors = ?, invoke_mode = ?, last_modified = ? WHERE function_name = ? AND qualifier = ?",
                           arguments: [config.authType, try Self.encode(config.cors), config.invokeMode, config.lastModifiedTime.timeIntervalSince1970,
                                       config.functionName, config.qualifier ?? ""])
        }
    }

    /// Deletes one URL; false when there was none.
    @discardableResult
    public func delete(function: String, qualifier: String?) throws -> Bool {
        try store.database.write { db in
            try db.fetchOne(sql: "DELETE FROM lambda_function_urls WHERE function_name = ? AND qualifier = ? RETURNING url_id",
                            arguments: [function, qualifier ?? ""]) != nil
        }
    }

    /// Deletes every URL of a deleted function.
    public func deleteAll(function: String) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_function_urls WHERE function_name = ?", arguments: [function])
        }
    }

    static func encode(_ cors: FunctionURLCors?) throws -> String? {
        guard let cors else { return nil }
        return String(decoding: try JSONEncoder().encode(cors), as: UTF8.self)
    }

    static func config(_ row: SQLRow) -> FunctionURLConfig {
        let qualifier: String = row["qualifier"]
        let corsText: String? = row["cors"]
        return FunctionURLConfig(urlID: row["url_id"], functionName: row["function_name"], qualifier: qualifier.isEmpty ? nil : qualifier,
                                 authType: row["auth_type"], cors: corsText.flatMap { try? JSONDecoder().decode(FunctionURLCors.self, from: Data($0.utf8)) },
                                 invokeMode: row["invoke_mode"], creationTime: Date(timeIntervalSince1970: row["creation_time"]),
                                 lastModifiedTime: Date(timeIntervalSince1970: row["last_modified"]))
    }
}
