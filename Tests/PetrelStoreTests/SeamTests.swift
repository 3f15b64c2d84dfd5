import Foundation
import Testing
@testable import PetrelStore

/// The storage seam's contract, checked on every engine the test run has: SQLite always, and
/// PostgreSQL when one is configured (see `Engines`).
struct SeamTests {
    static func schema(_ m: inout SQLMigrations) {
        m.registerMigration("seam-test-v1") { db in
            try db.executeScript("""
                CREATE TABLE seam_things (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL DEFAULT 0,
                    weight REAL,
                    bytes BLOB
                );
                CREATE TABLE seam_counters (name TEXT PRIMARY KEY, last INTEGER NOT NULL);
                INSERT INTO seam_counters (name, last) VALUES ('things', 0);
                """)
        }
    }

    static func store() throws -> Store { try Engines.store(migrations: [schema]) }

    @Test func valuesRoundTripWithTheirTypes() throws {
        let store = try Self.store()
        let bytes = Data([0, 1, 2, 255])
        let row = try store.database.write { db in
            try db.fetchOne(sql: "INSERT INTO seam_things (name, size, weight, bytes) VALUES (?, ?, ?, ?) RETURNING id, name, size, weight, bytes",
                            arguments: ["a", 42, 1.5, bytes])
        }
        let found = try #require(row)
        #expect(found["id"] as Int64 >= 1)
        #expect(found["name"] as String == "a")
        #expect(found["size"] as Int == 42)
        #expect(found["weight"] as Double == 1.5)
        #expect(found["bytes"] as Data == bytes)
        #expect(found["missing"] as String? == nil)
    }

    @Test func nullReadsAsNilAndNumbersConvertLeniently() throws {
        let store = try Self.store()
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO seam_things (name, size) VALUES (?, ?)", arguments: ["b", 7])
        }
        let row = try #require(try store.database.read { db in try db.fetchOne(sql: "SELECT size, weight FROM seam_things WHERE name = ?", arguments: ["b"]) })
        #expect(row["weight"] as Double? == nil)
        #expect(row["size"] as Double == 7)
        #expect(row["size"] as Bool == true)
    }

    @Test func upsertsAndConflictsArePortable() throws {
        let store = try Self.store()
        try store.database.write { db in
            for size in [1, 2, 3] {
                try db.execute(sql: "INSERT INTO seam_things (name, size) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET size = excluded.size",
                               arguments: ["c", size])
            }
            try db.execute(sql: "INSERT INTO seam_things (name, size) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: ["c", 99])
            #expect(db.changesCount == 0)
        }
        let sizes = try store.database.read { db in try db.fetchAll(Int.self, sql: "SELECT size FROM seam_things WHERE name = ?", arguments: ["c"]) }
        #expect(sizes == [3])
    }

    @Test func aThrowingWriteCommitsNothing() throws {
        let store = try Self.store()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.database.write { db in
                try db.execute(sql: "INSERT INTO seam_things (name) VALUES (?)", arguments: ["d"])
                throw Boom()
            }
        }
        let count = try store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM seam_things WHERE name = ?", arguments: ["d"]) }
        #expect(count == 0)
    }

    @Test func cursorsStopWhenAsked() throws {
        let store = try Self.store()
        try store.database.write { db in
            for i in 0..<10 { try db.execute(sql: "INSERT INTO seam_things (name, size) VALUES (?, ?)", arguments: ["e\(i)", i]) }
        }
        var seen: [Int] = []
        try store.database.read { db in
            try db.forEachRow(sql: "SELECT size FROM seam_things WHERE name LIKE ? ORDER BY size", arguments: ["e%"]) { row in
                seen.append(row[0])
                return seen.count < 4
            }
        }
        #expect(seen == [0, 1, 2, 3])
    }

    @Test func countersFollowTheWritingTransactions() async throws {
        let store = try Self.store()
        let values = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await store.database.write { db in
                        try db.fetchOne(Int64.self, sql: "UPDATE seam_counters SET last = last + 1 WHERE name = 'things' RETURNING last") ?? -1
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == Array(1...50))
    }

    @Test func savepointsRollBackOnlyTheirOwnWork() throws {
        let store = try Self.store()
        try store.database.writeWithoutTransaction { db in
            try db.inWriteTransaction {
                try db.execute(sql: "INSERT INTO seam_things (name) VALUES (?)", arguments: ["kept"])
                try db.execute(sql: "SAVEPOINT s")
                try db.execute(sql: "INSERT INTO seam_things (name) VALUES (?)", arguments: ["dropped"])
                try db.execute(sql: "ROLLBACK TO SAVEPOINT s")
                try db.execute(sql: "RELEASE SAVEPOINT s")
                return true
            }
        }
        let names = try store.database.read { db in try db.fetchAll(String.self, sql: "SELECT name FROM seam_things WHERE name IN (?, ?) ORDER BY name", arguments: ["dropped", "kept"]) }
        #expect(names == ["kept"])
    }

    @Test func migrationsRunOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("petrel-seam-\(UUID().uuidString)")
        _ = try Store(directory: directory, migrations: [Self.schema])
        // Opening again must not run the CREATE TABLEs a second time.
        let again = try Store(directory: directory, migrations: [Self.schema])
        let count = try again.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM seam_counters") }
        #expect(count == 1)
    }
}

/// The engines a test run covers. SQLite always; a PostgreSQL engine joins when the run is
/// given one (the PostgreSQL store adds itself here).
enum Engines {
    static func store(migrations: [(inout SQLMigrations) -> Void]) throws -> Store {
        try Store.temporary(migrations: migrations)
    }
}
