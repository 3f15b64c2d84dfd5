import Foundation
import Logging
import Testing
@testable import PetrelCluster
@testable import PetrelStore

/// Leases and nodes in the database, on SQLite and (with PETREL_TEST_STORE) PostgreSQL.
struct LeaseStoreTests {
    static func schema(_ m: inout SQLMigrations) {
        ClusterMigrations.register(&m)
        m.registerMigration("lease-test-v1") { db in
            try db.executeScript("CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)")
        }
    }

    static func database(_ engine: Engine) throws -> any SQLDatabase {
        try engine.store(migrations: [schema]).database
    }

    @Test(arguments: Engine.all) func aLeaseHasOneHolderAndMovesWhenItExpires(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let leases = LeaseStore(database: database, durationMs: 60_000)
        let a = try #require(try await leases.acquire("scheduler", node: "a"))
        #expect(try await leases.acquire("scheduler", node: "b") == nil)
        #expect(try await leases.renew(a))
        // The lease runs out (by the database's clock; set back here rather than waited for).
        try await database.write { db in
            try db.execute(sql: "UPDATE leases SET expires_at = \(db.dialect.nowMillisSQL) - 1 WHERE name = 'scheduler'")
        }
        let b = try #require(try await leases.acquire("scheduler", node: "b"))
        #expect(b.token == a.token + 1)
        // The old holder sees the loss on its next renewal.
        #expect(try await leases.renew(a) == false)
        #expect(try await leases.renew(b))
        let (_, rows) = try leases.all()
        #expect(rows.map(\.holder) == ["b"])
    }

    @Test(arguments: Engine.all) func releaseLetsAnotherNodeTakeItAtOnce(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let leases = LeaseStore(database: database, durationMs: 60_000)
        let a = try #require(try await leases.acquire("trail", node: "a"))
        try leases.release(a)
        let b = try #require(try await leases.acquire("trail", node: "b"))
        #expect(b.token == a.token + 1)
        // A stale release does nothing.
        try leases.release(a)
        #expect(try await leases.renew(b))
    }

    @Test(arguments: Engine.all) func aFencedWriteOfAStaleHolderRollsBack(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let leases = LeaseStore(database: database, durationMs: 60_000)
        let a = try #require(try await leases.acquire("shard-1", node: "a"))
        func checkpoint(_ hold: LeaseHold, _ position: Int) throws {
            try database.write { db in
                try db.execute(sql: "INSERT INTO checkpoints (name, position) VALUES ('shard-1', ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                               arguments: [position])
                try LeaseStore.assertHeld(db, hold)
            }
        }
        try checkpoint(a, 10)
        // Node b takes over (a's lease is released here; an expiry does the same).
        try leases.release(a)
        let b = try #require(try await leases.acquire("shard-1", node: "b"))
        #expect(throws: LeaseLost(name: "shard-1", token: a.token)) { try checkpoint(a, 99) }
        try checkpoint(b, 20)
        let position = try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT position FROM checkpoints WHERE name = 'shard-1'") }
        #expect(position == 20)
    }

    @Test(arguments: Engine.all) func nodesAreAliveByTheDatabaseClock(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let registry = NodeRegistry(database: database, leaseMs: 30_000)
        try await registry.register(node: "a", advertise: "http://127.0.0.1:1", capacity: 10)
        try await registry.register(node: "b", advertise: "http://127.0.0.1:2", capacity: 10)
        // a's last heartbeat was 31 s ago by the database's clock (set back, not waited for).
        try await database.write { db in
            try db.execute(sql: "UPDATE cluster_nodes SET heartbeat_at = \(db.dialect.nowMillisSQL) - 31000 WHERE node_id = 'a'")
        }
        try await registry.heartbeat(node: "b", advertise: "http://127.0.0.1:2", capacity: 10, running: 3)
        let nodes = try registry.all()
        #expect(nodes.map(\.id) == ["a", "b"])
        #expect(nodes.map(\.alive) == [false, true])
        #expect(nodes[1].running == 3)
        #expect(nodes[0].heartbeatAgeMs >= 31_000)
    }

    @Test(arguments: Engine.all) func theDatabaseClockIsMilliseconds(_ engine: Engine) throws {
        let database = try Self.database(engine)
        let now = try database.read { db in try db.databaseNowMillis() }
        #expect(abs(Double(now) / 1000 - Date().timeIntervalSince1970) < 5)
    }

    @Test(arguments: Engine.all) func whileHoldingStopsTheWorkWhenTheLeaseIsLost(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let node = ClusterNode(id: "a", advertise: "http://a", database: database, leaseSeconds: 3, logger: .init(label: "test"),
                               load: { (10, 0) })
        let runs = Counter()
        let guarded = Task {
            await node.whileHolding("ttl") { hold in
                runs.started(hold.token)
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                runs.stopped()
            }
        }
        try await waitUntil { runs.state.running }
        // Another node steals the lease (as after a partition): a's next renewal sees it lost.
        try await database.write { db in
            try db.execute(sql: "UPDATE leases SET holder = 'b', token = token + 1, expires_at = \(db.dialect.nowMillisSQL) + 600000 WHERE name = 'ttl'")
        }
        try await waitUntil { !runs.state.running && runs.state.stops == 1 }
        // b lets it go: a takes it again with a higher token.
        try await database.write { db in try db.execute(sql: "UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = 'ttl'") }
        try await waitUntil { runs.state.running && runs.state.tokens.count == 2 }
        #expect(runs.state.tokens == [1, 3])
        guarded.cancel()
        await guarded.value
        // A clean stop releases the lease.
        let (_, rows) = try node.leases.all()
        #expect(rows.first?.holder == nil)
    }

    @Test(arguments: Engine.all) func aGroupOfLeasesSpreadsOverTheLiveNodes(_ engine: Engine) async throws {
        let database = try Self.database(engine)
        let names = (1...4).map { "esm:m\($0)" }
        func node(_ id: String) -> (ClusterNode, LeaseGroup) {
            (ClusterNode(id: id, advertise: "http://\(id)", database: database, leaseSeconds: 1.5, logger: .init(label: "test"), load: { (10, 0) }),
             LeaseGroup(name: "esm"))
        }
        let handedOver = Counter()
        func start(_ node: ClusterNode, _ group: LeaseGroup) -> Task<Void, Never> {
            Task {
                await withDiscardingTaskGroup { tasks in
                    tasks.addTask { await node.run() }
                    for name in names {
                        tasks.addTask { await node.whileHolding(name, in: group) { _, handover in
                            while !Task.isCancelled, !handover.requested { try? await Task.sleep(for: .milliseconds(20)) }
                            if handover.requested { handedOver.stopped() }
                        } }
                    }
                }
            }
        }
        func holders() throws -> [String: Int] {
            let (now, rows) = try LeaseStore(database: database, durationMs: 1500).all()
            return rows.filter { $0.expiresAt > now }.reduce(into: [:]) { $0[$1.holder ?? "-", default: 0] += 1 }
        }
        // Alone, a takes every lease of the group.
        let (a, groupA) = node("a")
        let runA = start(a, groupA)
        try await waitUntil(seconds: 20) { (try? holders()) == ["a": 4] }
        // b joins: a lets two go (its share is now 2), and b takes them.
        let (b, groupB) = node("b")
        let runB = start(b, groupB)
        try await waitUntil(seconds: 20) { (try? holders()) == ["a": 2, "b": 2] }
        #expect(groupA.held.count == 2 && groupB.held.count == 2)
        #expect(groupA.held.isDisjoint(with: groupB.held))
        // a's two were handed over: their work was asked to stop, not cancelled.
        #expect(handedOver.state.stops >= 2)
        // b stops: once its heartbeat is older than the lease, a takes all four again.
        runB.cancel()
        await runB.value
        try await waitUntil(seconds: 20) { (try? holders()) == ["a": 4] }
        runA.cancel()
        await runA.value
    }

    func waitUntil(seconds: Double = 10, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { Issue.record("timed out"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

final class Counter: @unchecked Sendable {
    struct State { var running = false; var stops = 0; var tokens: [Int64] = [] }
    private let lock = NSLock()
    private var value = State()
    var state: State { lock.withLock { value } }
    func started(_ token: Int64) { lock.withLock { value.running = true; value.tokens.append(token) } }
    func stopped() { lock.withLock { value.running = false; value.stops += 1 } }
}

enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var all: [Engine] { PostgresDatabase.testCluster == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    func store(migrations: [(inout SQLMigrations) -> Void]) throws -> Store {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("petrel-cluster-\(UUID().uuidString)")
        switch self {
        case .sqlite: return try Store(directory: directory, migrations: migrations)
        case .postgres: return try Store(database: PostgresDatabase.scratch(base: PostgresDatabase.testCluster!), directory: directory, migrations: migrations)
        }
    }
}
