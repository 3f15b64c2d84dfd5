import Foundation
import Testing
@testable import PetrelStore

/// What is particular to the PostgreSQL engine: several nodes migrating one database at once,
/// recovery from dropped connections, and the errors it reports. Needs a cluster
/// (`PETREL_TEST_STORE`, see scripts/postgres-cluster.sh) except where noted.
@Suite(.enabled(if: PostgresDatabase.testCluster != nil, "no PostgreSQL cluster in PETREL_TEST_STORE"))
struct PostgresStoreTests {
    static func schema(_ m: inout SQLMigrations) {
        m.registerMigration("pg-test-v1") { db in
            try db.executeScript("""
                CREATE TABLE pg_things (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
                INSERT INTO pg_things (name) VALUES ('seed');
                """)
        }
        m.registerMigration("pg-test-v2") { db in
            try db.execute(sql: "ALTER TABLE pg_things ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
        }
    }

    @Test func nodesStartingTogetherMigrateOnce() throws {
        let first = try PostgresDatabase.scratch(base: PostgresDatabase.testCluster!)
        var all = SQLMigrations()
        Self.schema(&all)
        let steps = all.steps
        let nodes = (0..<4).map { _ in PostgresDatabase(url: first.url) }
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: nodes.count) { i in
            do { try nodes[i].migrate(steps) } catch { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        let (seeds, applied) = try first.read { db in
            (try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM pg_things"),
             try db.fetchAll(String.self, sql: "SELECT id FROM petrel_migrations ORDER BY id"))
        }
        #expect(seeds == 1)
        #expect(applied == ["pg-test-v1", "pg-test-v2"])
    }

    @Test func newIdsComeFromReturning() throws {
        let store = try Store(database: PostgresDatabase.scratch(base: PostgresDatabase.testCluster!),
                              directory: FileManager.default.temporaryDirectory, migrations: [Self.schema])
        let ids = try store.database.write { db in
            try (0..<3).map { i in try db.fetchOne(Int64.self, sql: "INSERT INTO pg_things (name) VALUES (?) RETURNING id", arguments: ["n\(i)"]) }
        }
        #expect(ids == [2, 3, 4])
    }

    @Test func aFailedStatementTheBodyIgnoredCommitsNothing() throws {
        let store = try Store(database: PostgresDatabase.scratch(base: PostgresDatabase.testCluster!),
                              directory: FileManager.default.temporaryDirectory, migrations: [Self.schema])
        // SQLite would commit 'x' and 'y' here; PostgreSQL aborted the transaction at the
        // duplicate, so the write fails whole rather than half-committing.
        #expect(throws: PostgresStoreError.self) {
            try store.database.write { db in
                try db.execute(sql: "INSERT INTO pg_things (name) VALUES ('x')")
                try? db.execute(sql: "INSERT INTO pg_things (name) VALUES ('seed')")
                try? db.execute(sql: "INSERT INTO pg_things (name) VALUES ('y')")
            }
        }
        let count = try store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM pg_things") }
        #expect(count == 1)
        // A savepoint makes the same recoverable, as the tables' group commit does.
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO pg_things (name) VALUES ('x')")
            try db.execute(sql: "SAVEPOINT s")
            try? db.execute(sql: "INSERT INTO pg_things (name) VALUES ('seed')")
            try db.execute(sql: "ROLLBACK TO SAVEPOINT s")
            try db.execute(sql: "INSERT INTO pg_things (name) VALUES ('y')")
        }
        let names = try store.database.read { db in try db.fetchAll(String.self, sql: "SELECT name FROM pg_things ORDER BY name") }
        #expect(names == ["seed", "x", "y"])
    }

    @Test func connectionsKilledByTheServerAreReplaced() throws {
        let database = try PostgresDatabase.scratch(base: PostgresDatabase.testCluster!)
        for _ in 0..<3 { _ = try database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") } }
        // What a database restart does to a node's connections.
        let admin = try PostgresDatabase(url: PostgresDatabase.testCluster!)
        _ = try admin.readWithoutTransaction { db in
            try db.fetchAll(sql: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", arguments: [database.url.database])
        }
        admin.close()
        var answered = false
        for _ in 0..<3 where !answered {
            // A connection whose end is not yet noticed fails once and is dropped; no restart needed.
            answered = (try? database.read { db in try db.fetchOne(Int.self, sql: "SELECT 2") }) == 2
        }
        #expect(answered)
    }

    @Test func argumentCountMismatchIsReported() throws {
        let database = try PostgresDatabase.scratch(base: PostgresDatabase.testCluster!)
        #expect(throws: PostgresStoreError.self) {
            try database.read { db in try db.fetchOne(sql: "SELECT ? + ?", arguments: [1]) }
        }
    }
}

/// Error mapping and unreachable databases: no cluster needed.
struct PostgresErrorMappingTests {
    @Test(arguments: [("53100", true), ("23505", false), ("40001", false)])
    func diskFullIsStorageFull(_ state: String, _ full: Bool) {
        let error = PostgresStoreError.server(PostgresServerError(sqlState: state, message: "m", sql: "INSERT …"))
        #expect(StorageFull.matches(error) == full)
        #expect(UniqueViolation.matches(error) == (state == "23505"))
    }

    @Test func anUnreachableDatabaseFailsFast() throws {
        let database = try PostgresDatabase(url: "postgres://nobody@127.0.0.1:1/none")
        let started = ContinuousClock.now
        do {
            _ = try database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") }
            Issue.record("a database on port 1 answered")
        } catch let error as PostgresStoreError {
            guard case .unreachable = error else { Issue.record("unexpected \(error)"); return }
            #expect(!error.description.contains("nobody:"))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
