import Foundation
@testable import PetrelEvents
import PetrelStore
import Testing

@Suite struct ShardCoordinatorTests {
    let shards = [
        ShardDescription(id: "p", closed: true),
        ShardDescription(id: "q", closed: true),
        ShardDescription(id: "a", parents: ["p"]),
        ShardDescription(id: "b", parents: ["p"]),
        ShardDescription(id: "m", parents: ["q", "x"]),
    ]

    @Test func childrenWaitUntilEveryPartitionOfEveryParentIsDone() {
        #expect(ShardCoordinator.startable(shards, started: [], finished: [:], partitions: 2) == ["p", "q"])
        // One of p's two partitions done: its children still wait.
        #expect(ShardCoordinator.startable(shards, started: ["p", "q"], finished: ["p": 1], partitions: 2) == [])
        #expect(ShardCoordinator.startable(shards, started: ["p", "q"], finished: ["p": 2], partitions: 2) == ["a", "b"])
        // A merge child starts once its retained parent is done; "x" is gone (retention), nothing to wait for.
        #expect(ShardCoordinator.startable(shards, started: ["p", "q", "a", "b"], finished: ["p": 2, "q": 2], partitions: 2) == ["m"])
    }

    @Test func checkpointsAreKeptPerShard() throws {
        let store = MappingStore(store: try Store.temporary(migrations: [EventSourceMappings.registerMigrations]))
        var mapping = EventSourceMapping(uuid: "u", functionName: "f", eventSourceArn: "arn:aws:kinesis:us-east-1:1:stream/s",
                                         startingPosition: "LATEST", lastModified: 0, region: "us-east-1")
        mapping.parallelizationFactor = 2
        try store.insert(mapping, initialPositions: ["s0": "10", "s1": nil])
        #expect(try store.checkpoint("u", shard: "s0", partition: 1) == "10")
        #expect(try store.checkpoint("u", shard: "s1", partition: 0) == nil)
        try store.saveCheckpoint("u", shard: "s1", partition: 0, sequence: "20", lastResult: nil)
        #expect(try store.checkpoint("u", shard: "s1", partition: 0) == "20")
        #expect(try store.checkpoint("u", shard: "s0", partition: 0) == "10")
        // A child found later starts from its beginning; its row is created once.
        #expect(try store.ensureCheckpoint("u", shard: "c", partition: 0) == nil)
        try store.saveCheckpoint("u", shard: "c", partition: 0, sequence: "30", lastResult: nil)
        #expect(try store.ensureCheckpoint("u", shard: "c", partition: 0) == "30")
        // A new parallelization factor restarts each shard from its own oldest checkpoint.
        mapping.parallelizationFactor = 3
        try store.update(mapping)
        #expect(try store.checkpoint("u", shard: "s0", partition: 2) == "10")
        #expect(try store.checkpoint("u", shard: "s1", partition: 2) == nil)
        #expect(try store.checkpoint("u", shard: "c", partition: 1) == "30")
    }

    /// A database from before checkpoints had a shard key keeps its (DynamoDB) checkpoints
    /// under the shard key '' after migration v3.
    @Test func existingCheckpointsSurviveTheShardMigration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("petrel-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let firstTwo: (inout SQLMigrations) -> Void = { m in
            var all = SQLMigrations()
            MappingStore.registerMigrations(&all)
            for step in all.steps.prefix(2) { m.registerMigration(step.id, run: step.run) }
        }
        do {
            let old = try Store(directory: dir, migrations: [firstTwo])
            try old.database.write { db in
                try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, partition, sequence, window_start, window_state) VALUES (?, ?, ?, ?, ?)",
                               arguments: ["u", 0, "000042", 60.0, "{\"sum\":1}"])
                try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, partition, sequence) VALUES (?, ?, ?)", arguments: ["u", 1, "000041"])
            }
        }
        let store = MappingStore(store: try Store(directory: dir, migrations: [EventSourceMappings.registerMigrations]))
        #expect(try store.checkpoint("u", partition: 0) == "000042")
        #expect(try store.checkpoint("u", partition: 1) == "000041")
        #expect(try store.window("u", partition: 0)?.start == 60)
        try store.saveCheckpoint("u", partition: 1, sequence: "000050", lastResult: nil)
        #expect(try store.checkpoint("u", shard: "", partition: 1) == "000050")
    }
}
