import Foundation
import GRDB
import PetrelCore

/// The one SQLite database (WAL) that holds all of Petrel's state.
///
/// Each module registers its own numbered migrations; each migration runs in its own
/// transaction. A write acknowledged to a client has committed to the WAL, so it survives
/// `kill -9` of the server (synchronous=NORMAL keeps it safe from process death; a power
/// cut may lose the last transactions, as SQLite documents).
public final class Store: Sendable {
    public let pool: DatabasePool
    public let directory: URL

    /// Opens (creating if needed) `petrel.sqlite` in `directory` and runs every migration.
    public init(directory: URL, migrations: [(inout DatabaseMigrator) -> Void]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try DatabasePool(path: directory.appendingPathComponent("petrel.sqlite").path,
                                configuration: configuration)
        var migrator = DatabaseMigrator()
        for register in migrations { register(&migrator) }
        try migrator.migrate(pool)
    }

    /// An in-memory-like store in a fresh temporary directory, for tests.
    public static func temporary(migrations: [(inout DatabaseMigrator) -> Void]) throws -> Store {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("petrel-test-\(UUID().uuidString)")
        return try Store(directory: dir, migrations: migrations)
    }
}
