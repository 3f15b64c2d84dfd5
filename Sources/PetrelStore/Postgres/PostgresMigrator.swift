import Foundation
import PostgresNIO

extension PostgresDatabase {
    /// Runs the migrations not yet recorded in `petrel_migrations`, each in its own transaction,
    /// in order. Nodes starting together on one database take turns: the whole pass holds a
    /// PostgreSQL advisory lock, so each migration runs exactly once and a node goes on only
    /// when the schema is complete.
    public func migrate(_ migrations: [SQLMigration]) throws {
        try withConnection { connection in
            try connection.command("SELECT pg_advisory_lock(\(Self.migrationLock))")
            defer { _ = try? connection.command("SELECT pg_advisory_unlock(\(Self.migrationLock))") }
            try connection.command("""
                CREATE TABLE IF NOT EXISTS petrel_migrations (
                    id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """)
            // What `COLLATE NOCASE` in portable DDL becomes: case-blind equality and uniqueness.
            try connection.command("""
                CREATE COLLATION IF NOT EXISTS petrel_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)
                """)
            // SQLite's functions take any integer; PostgreSQL's substr takes 32-bit ones, and
            // arguments are bound as 64-bit: overloads that accept them.
            try connection.command("""
                CREATE OR REPLACE FUNCTION substr(text, bigint, bigint) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT pg_catalog.substr($1, $2::integer, $3::integer)'
                """)
            try connection.command("""
                CREATE OR REPLACE FUNCTION substr(text, bigint) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT pg_catalog.substr($1, $2::integer)'
                """)
            let applied = Set(try connection.fetchAll(String.self, sql: "SELECT id FROM petrel_migrations"))
            for migration in migrations where !applied.contains(migration.id) {
                do {
                    try connection.inWriteTransaction {
                        try migration.run(connection)
                        try connection.execute(sql: "INSERT INTO petrel_migrations (id) VALUES (?)", arguments: [migration.id])
                        return true
                    }
                } catch {
                    throw PostgresMigrationError(id: migration.id, underlying: error)
                }
            }
        }
    }

    /// The advisory lock key every node takes around migrating (an arbitrary constant: "petrel"
    /// in ASCII).
    static let migrationLock: Int64 = 0x7065_7472_656c
}

/// A migration PostgreSQL refused; nothing of it was applied.
public struct PostgresMigrationError: Error, CustomStringConvertible {
    public let id: String
    public let underlying: any Error
    public var description: String { "Migration \(id) failed on PostgreSQL: \(underlying)" }
}
