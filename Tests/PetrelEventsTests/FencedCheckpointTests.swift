import Foundation
import Logging
import PetrelCluster
@testable import PetrelEvents
import PetrelStore
import Synchronization
import Testing

final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

/// Checkpoints under a cluster lease (docs/cluster.md): a node whose lease moved on cannot move
/// the mapping's checkpoint, and its consumer stops. On SQLite and, with PETREL_TEST_STORE, PostgreSQL.
@Suite struct FencedCheckpointTests {
    let store: Store
    let mappings: MappingStore
    let leases: LeaseStore
    let mapping: EventSourceMapping

    init() throws {
        store = try Store.temporary(migrations: [EventSourceMappings.registerMigrations, ClusterMigrations.register])
        mappings = MappingStore(store: store)
        leases = LeaseStore(database: store.database, durationMs: 60_000)
        mapping = EventSourceMapping(uuid: UUID().uuidString, functionName: "f", eventSourceArn: FakeShardSource().arn, batchSize: 2,
                                     startingPosition: "TRIM_HORIZON", lastModified: 0, region: "us-east-1")
        try mappings.insert(mapping, initialPosition: nil)
    }

    /// The fence `ClusterMappingClaims` gives a holder.
    func fence(_ hold: LeaseHold) -> CheckpointFence {
        CheckpointFence { db in
            do { try LeaseStore.assertHeld(db, hold); return true } catch is LeaseLost { return false }
        }
    }

    var lease: String { "esm:" + mapping.uuid }

    @Test func aStaleTokenCannotMoveTheCheckpoint() async throws {
        let a = try #require(try await leases.acquire(lease, node: "a"))
        try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "10", lastResult: "OK", fence: fence(a))
        // a's lease runs out (by the database's clock: set back, not waited for) and b takes it.
        try await store.database.write { db in
            try db.execute(sql: "UPDATE leases SET expires_at = \(db.dialect.nowMillisSQL) - 1 WHERE name = ?", arguments: [lease])
        }
        let b = try #require(try await leases.acquire(lease, node: "b"))
        #expect(b.token == a.token + 1)
        #expect(throws: CheckpointFenced(uuid: mapping.uuid)) {
            try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "99", lastResult: "PROBLEM: stale", fence: fence(a))
        }
        // The windowed form is fenced too.
        #expect(throws: CheckpointFenced(uuid: mapping.uuid)) {
            try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "98", window: (1, Data("{}".utf8)), fence: fence(a))
        }
        // Nothing of the stale writes committed: neither the checkpoint nor the result beside it.
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == "10")
        #expect(try mappings.get(mapping.uuid)?.lastResult == "OK")
        #expect(try mappings.window(mapping.uuid, partition: 0) == nil)
        try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "20", lastResult: nil, fence: fence(b))
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == "20")
        // The same node id restarted is a new holder: the old process's token is stale as well.
        try leases.release(b)
        let b2 = try #require(try await leases.acquire(lease, node: "b"))
        #expect(throws: CheckpointFenced(uuid: mapping.uuid)) {
            try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "30", lastResult: nil, fence: fence(b))
        }
        try mappings.saveCheckpoint(mapping.uuid, partition: 0, sequence: "30", lastResult: nil, fence: fence(b2))
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == "30")
    }

    @Test func aConsumerWhoseLeaseMovedStopsWithoutMovingTheCheckpoint() async throws {
        let a = try #require(try await leases.acquire(lease, node: "a"))
        let source = FakeShardSource()
        source.add(records(Array(0..<2)))
        let function = FakeFunction { _, _ in .success(ok) }
        var d = BatchDelivery(settings: mapping, sourceArn: source.arn, functionArn: "arn:f", kind: .dynamodb, invoker: function,
                              logger: Logger(label: "test"), report: { _, _ in }, discard: { _ in })
        d.pause = { (_: Duration) in }
        let claim = ConsumerClaim(fence: fence(a), pollInterval: .milliseconds(20))
        let consumer = ShardConsumer(mapping: mapping, partition: 0, source: source, store: mappings, delivery: d,
                                     logger: Logger(label: "test"), claim: claim)
        let task = Task { await consumer.run() }
        let first = String(format: "%021d", 2)
        try await waitUntil { (try? mappings.checkpoint(mapping.uuid, partition: 0)) == first }
        // b takes the mapping over (a was partitioned away, say); a has not noticed yet.
        try leases.release(a)
        _ = try #require(try await leases.acquire(lease, node: "b"))
        source.add(Array(records(Array(0..<4)).suffix(2)))  // positions 3 and 4, values 2 and 3
        // a delivers the next batch (at least once: b will deliver it too), but cannot
        // checkpoint it, and stops: its consumer returns and the mapping's lost signal fires.
        let stopped = await task.value
        #expect(stopped == false)
        await claim.lost.wait()
        #expect(function.batches == [[0, 1], [2, 3]])
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == first)
    }

    @Test func aConsumerHandingItsClaimOverStopsAtItsCheckpoint() async throws {
        let a = try #require(try await leases.acquire(lease, node: "a"))
        let source = FakeShardSource()
        let all = records(Array(0..<6))
        source.add(Array(all.prefix(2)))
        let function = FakeFunction { _, _ in .success(ok) }
        var d = BatchDelivery(settings: mapping, sourceArn: source.arn, functionArn: "arn:f", kind: .dynamodb, invoker: function,
                              logger: Logger(label: "test"), report: { _, _ in }, discard: { _ in })
        d.pause = { (_: Duration) in }
        let handingOver = Flag()
        let claim = ConsumerClaim(fence: CheckpointFence(holds: fence(a).holds, handingOver: { handingOver.value }), pollInterval: .milliseconds(20))
        let consumer = ShardConsumer(mapping: mapping, partition: 0, source: source, store: mappings, delivery: d,
                                     logger: Logger(label: "test"), claim: claim)
        let task = Task { await consumer.run() }
        try await waitUntil { (try? mappings.checkpoint(mapping.uuid, partition: 0)) == all[1].position }
        // Its node hands the mapping over: the idle consumer stops within its poll, by itself.
        handingOver.set()
        #expect(await task.value == false)
        source.add(Array(all.suffix(4)))
        try await Task.sleep(for: .milliseconds(100))
        // Everything it delivered is checkpointed; nothing after was started.
        #expect(function.batches == [[0, 1]])
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == all[1].position)
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < deadline else { Issue.record("timed out"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
