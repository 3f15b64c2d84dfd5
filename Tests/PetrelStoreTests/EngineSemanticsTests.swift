import Foundation
import Testing
@testable import PetrelStore

/// What callers may rely on whichever engine is behind the seam: concurrent writers do not
/// lose each other's updates, a read sees one snapshot, aggregates read back as numbers,
/// constraint errors are recognisable, and `COLLATE NOCASE` is case-blind.
struct EngineSemanticsTests {
    static func schema(_ m: inout SQLMigrations) {
        m.registerMigration("engine-semantics-v1") { db in
            try db.executeScript("""
                CREATE TABLE es_counters (name TEXT PRIMARY KEY, hits INTEGER NOT NULL);
                INSERT INTO es_counters (name, hits) VALUES ('a', 0);
                CREATE TABLE es_people (name TEXT NOT NULL COLLATE NOCASE UNIQUE, age INTEGER, score REAL, photo BLOB);
                """)
        }
    }

    @Test(arguments: Engine.all) func readThenWriteLosesNoUpdate(_ engine: Engine) throws {
        let store = try engine.store(migrations: [Self.schema])
        let database = store.database
        // The lost-update pattern: read the value, write value + 1. On SQLite writes are
        // serial; on PostgreSQL the SERIALIZABLE transactions conflict and run again.
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            for _ in 0..<15 {
                try! database.write { db in
                    let hits = try db.fetchOne(Int.self, sql: "SELECT hits FROM es_counters WHERE name = ?", arguments: ["a"]) ?? 0
                    try db.execute(sql: "UPDATE es_counters SET hits = ? WHERE name = ?", arguments: [hits + 1, "a"])
                }
            }
        }
        let hits = try database.read { db in try db.fetchOne(Int.self, sql: "SELECT hits FROM es_counters WHERE name = ?", arguments: ["a"]) }
        #expect(hits == 90)
    }

    @Test(arguments: Engine.all) func aReadSeesOneSnapshot(_ engine: Engine) throws {
        let store = try engine.store(migrations: [Self.schema])
        let database = store.database
        let (before, after) = try database.read { db -> (Int?, Int?) in
            let before = try db.fetchOne(Int.self, sql: "SELECT hits FROM es_counters WHERE name = 'a'")
            // Another connection commits meanwhile (on another thread: the read holds this one).
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try! database.write { db in try db.execute(sql: "UPDATE es_counters SET hits = 41 WHERE name = 'a'") }
                done.signal()
            }
            done.wait()
            let after = try db.fetchOne(Int.self, sql: "SELECT hits FROM es_counters WHERE name = 'a'")
            return (before, after)
        }
        #expect(before == 0 && after == 0)
        let now = try database.read { db in try db.fetchOne(Int.self, sql: "SELECT hits FROM es_counters WHERE name = 'a'") }
        #expect(now == 41)
    }

    @Test(arguments: Engine.all) func aggregatesReadAsNumbers(_ engine: Engine) throws {
        let store = try engine.store(migrations: [Self.schema])
        try store.database.write { db in
            for (name, age, score) in [("ann", 30, 1.5), ("bob", 41, 2.25), ("cy", 20, 0.25)] {
                try db.execute(sql: "INSERT INTO es_people (name, age, score) VALUES (?, ?, ?)", arguments: [name, age, score])
            }
        }
        let row = try #require(try store.database.read { db in
            try db.fetchOne(sql: "SELECT COUNT(*) AS n, SUM(age) AS total, AVG(age) AS mean, MAX(score) AS best, MIN(name) AS first, SUM(age) * 2 AS twice FROM es_people")
        })
        #expect(row["n"] as Int == 3)
        #expect(row["total"] as Int64 == 91)
        #expect(abs((row["mean"] as Double) - 91.0 / 3) < 1e-9)
        #expect(row["best"] as Double == 2.25)
        #expect(row["first"] as String == "ann")
        #expect(row["twice"] as Int == 182)
    }

    @Test(arguments: Engine.all) func uniqueViolationsAreRecognised(_ engine: Engine) throws {
        let store = try engine.store(migrations: [Self.schema])
        try store.database.write { db in try db.execute(sql: "INSERT INTO es_people (name) VALUES (?)", arguments: ["Dana"]) }
        do {
            // Case-blind uniqueness (COLLATE NOCASE) on both engines.
            try store.database.write { db in try db.execute(sql: "INSERT INTO es_people (name) VALUES (?)", arguments: ["dANA"]) }
            Issue.record("the duplicate was accepted")
        } catch {
            #expect(UniqueViolation.matches(error))
            #expect(!StorageFull.matches(error))
        }
        let found = try store.database.read { db in try db.fetchAll(String.self, sql: "SELECT name FROM es_people WHERE name = ?", arguments: ["DANA"]) }
        #expect(found == ["Dana"])
    }

    @Test(arguments: Engine.all) func largeBlobsAndUnicodeRoundTrip(_ engine: Engine) throws {
        let store = try engine.store(migrations: [Self.schema])
        let photo = Data((0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let name = "Zoë 'quoted' ? ; -- 🐦"
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO es_people (name, photo, age) VALUES (?, ?, ?)", arguments: [name, photo, Int64.max])
            try db.execute(sql: "INSERT INTO es_people (name, photo) VALUES (?, ?)", arguments: ["empty", Data()])
        }
        let row = try #require(try store.database.read { db in try db.fetchOne(sql: "SELECT name, photo, age FROM es_people WHERE name = ?", arguments: [name]) })
        #expect(row["name"] as String == name)
        #expect(row["photo"] as Data == photo)
        #expect(row["age"] as Int64 == Int64.max)
        let empty = try store.database.read { db in try db.fetchOne(Data.self, sql: "SELECT photo FROM es_people WHERE name = 'empty'") }
        #expect(empty == Data())
    }
}
