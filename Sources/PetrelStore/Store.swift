import Foundation
import PetrelCore

/// Petrel's state: the storage seam (`SQLDatabase`) every module reads and writes through, and
/// the node's data directory.
///
/// Each module lists its own numbered migrations; each migration runs once per database, in
/// its own transaction. The embedded default is one SQLite file (`petrel.sqlite`) in the data
/// directory; a cluster passes a PostgreSQL database instead.
public final class Store: Sendable {
    public let database: any SQLDatabase
    public let directory: URL

    /// Opens (creating if needed) `petrel.sqlite` in `directory` and runs every migration.
    public convenience init(directory: URL, migrations: [(inout SQLMigrations) -> Void]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("petrel.sqlite").path)
        try self.init(database: database, directory: directory, migrations: migrations)
    }

    /// Uses `database` (already opened) and runs every migration on it.
    public init(database: any SQLDatabase, directory: URL, migrations: [(inout SQLMigrations) -> Void]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.database = database
        self.directory = directory
        var all = SQLMigrations()
        for register in migrations { register(&all) }
        try database.migrate(all.steps)
    }

    /// A store in a fresh temporary directory, for tests.
    public static func temporary(migrations: [(inout SQLMigrations) -> Void]) throws -> Store {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("petrel-test-\(UUID().uuidString)")
        return try Store(directory: dir, migrations: migrations)
    }
}
