import Foundation
import PetrelStore

/// Event source mappings and their checkpoints in the store. A checkpoint is the sequence number
/// of the last record a partition has finished with (nil: start from the oldest record).
struct MappingStore: Sendable {
    let store: Store

    static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("event-source-mappings-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_event_source_mappings (
                    uuid TEXT PRIMARY KEY,
                    function_name TEXT NOT NULL,
                    event_source_arn TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    last_result TEXT NOT NULL DEFAULT 'No records processed',
                    created REAL NOT NULL
                );
                CREATE TABLE lambda_esm_checkpoints (
                    uuid TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    sequence TEXT,
                    PRIMARY KEY (uuid, partition)
                );
                """)
        }
        migrator.registerMigration("event-source-mappings-v2-windows") { db in
            // A tumbling window's start and its state, saved with the checkpoint they belong to.
            try db.executeScript("""
                ALTER TABLE lambda_esm_checkpoints ADD COLUMN window_start REAL;
                ALTER TABLE lambda_esm_checkpoints ADD COLUMN window_state TEXT;
                """)
        }
        migrator.registerMigration("event-source-mappings-v3-shards") { db in
            // Checkpoints keyed by shard as well (a Kinesis stream has several). Single-shard
            // sources (DynamoDB streams) keep their rows under the shard key ''.
            try db.executeScript("""
                CREATE TABLE lambda_esm_checkpoints_v3 (
                    uuid TEXT NOT NULL,
                    shard TEXT NOT NULL DEFAULT '',
                    partition INTEGER NOT NULL,
                    sequence TEXT,
                    window_start REAL,
                    window_state TEXT,
                    PRIMARY KEY (uuid, shard, partition)
                );
                INSERT INTO lambda_esm_checkpoints_v3 (uuid, shard, partition, sequence, window_start, window_state)
                    SELECT uuid, '', partition, sequence, window_start, window_state FROM lambda_esm_checkpoints;
                DROP TABLE lambda_esm_checkpoints;
                ALTER TABLE lambda_esm_checkpoints_v3 RENAME TO lambda_esm_checkpoints;
                """)
        }
    }

    /// The open tumbling window of a partition: its start and the state the function returned.
    func window(_ uuid: String, shard: String = "", partition: Int) throws -> (start: Double, state: Data)? {
        try store.database.read { db in
            guard let row = try db.fetchOne(sql: "SELECT window_start, window_state FROM lambda_esm_checkpoints WHERE uuid = ? AND shard = ? AND partition = ?",
                                             arguments: [uuid, shard, partition]),
                  let start = row["window_start"] as Double?, let state = row["window_state"] as String? else { return nil }
            return (start, Data(state.utf8))
        }
    }

    /// Saves a partition's checkpoint together with its open window (nil: no window open).
    func saveCheckpoint(_ uuid: String, shard: String = "", partition: Int, sequence: String?, window: (start: Double, state: Data)?,
                        fence: CheckpointFence? = nil) throws {
        try store.database.write { db in
            try Self.check(fence, uuid, db)
            try db.execute(sql: """
                UPDATE lambda_esm_checkpoints SET sequence = COALESCE(?, sequence), window_start = ?, window_state = ?
                WHERE uuid = ? AND shard = ? AND partition = ?
                """, arguments: [sequence, window?.start, window.map { String(decoding: $0.state, as: UTF8.self) }, uuid, shard, partition])
        }
    }

    func insert(_ mapping: EventSourceMapping, initialPosition: String?) throws {
        try insert(mapping, initialPositions: ["": initialPosition])
    }

    /// Saves a new mapping with each shard's starting checkpoint (key '' for a single-shard source).
    func insert(_ mapping: EventSourceMapping, initialPositions: [String: String?]) throws {
        try store.database.write { db in
            try db.execute(sql: """
                INSERT INTO lambda_event_source_mappings (uuid, function_name, event_source_arn, settings, created)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [mapping.uuid, mapping.functionName, mapping.eventSourceArn, try Self.encode(mapping), mapping.lastModified])
            for (shard, initialPosition) in initialPositions.sorted(by: { $0.key < $1.key }) {
                for partition in 0..<mapping.parallelizationFactor {
                    try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, shard, partition, sequence) VALUES (?, ?, ?, ?)",
                                   arguments: [mapping.uuid, shard, partition, initialPosition])
                }
            }
        }
    }

    /// Creates a shard's checkpoint row if it has none (a child shard found after the mapping
    /// started: it is read from its start). Returns its checkpoint.
    func ensureCheckpoint(_ uuid: String, shard: String, partition: Int) throws -> String? {
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, shard, partition, sequence) VALUES (?, ?, ?, NULL) ON CONFLICT (uuid, shard, partition) DO NOTHING",
                           arguments: [uuid, shard, partition])
        }
        return try checkpoint(uuid, shard: shard, partition: partition)
    }

    /// Saves new settings; a changed parallelization factor restarts every partition from the
    /// oldest of the old checkpoints (records in between may be delivered again: at least once).
    func update(_ mapping: EventSourceMapping) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE lambda_event_source_mappings SET settings = ?, function_name = ? WHERE uuid = ?",
                           arguments: [try Self.encode(mapping), mapping.functionName, mapping.uuid])
            let shards = try db.fetchAll(String.self, sql: "SELECT DISTINCT shard FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [mapping.uuid])
            for shard in shards {
                let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_esm_checkpoints WHERE uuid = ? AND shard = ?",
                                            arguments: [mapping.uuid, shard]) ?? 0
                guard count != mapping.parallelizationFactor else { continue }
                let sequences = try db.fetchAll(String?.self, sql: "SELECT sequence FROM lambda_esm_checkpoints WHERE uuid = ? AND shard = ?",
                                                arguments: [mapping.uuid, shard])
                let oldest: String? = sequences.contains { $0 == nil } ? nil : sequences.compactMap { $0 }.min()
                try db.execute(sql: "DELETE FROM lambda_esm_checkpoints WHERE uuid = ? AND shard = ?", arguments: [mapping.uuid, shard])
                for partition in 0..<mapping.parallelizationFactor {
                    try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, shard, partition, sequence) VALUES (?, ?, ?, ?)",
                                   arguments: [mapping.uuid, shard, partition, oldest])
                }
            }
        }
    }

    func delete(_ uuid: String) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_event_source_mappings WHERE uuid = ?", arguments: [uuid])
            try db.execute(sql: "DELETE FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [uuid])
        }
    }

    func get(_ uuid: String) throws -> (mapping: EventSourceMapping, lastResult: String)? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT settings, last_result FROM lambda_event_source_mappings WHERE uuid = ?", arguments: [uuid])
                .map { (try Self.decode($0["settings"]), $0["last_result"]) }
        }
    }

    func all() throws -> [(mapping: EventSourceMapping, lastResult: String)] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT settings, last_result FROM lambda_event_source_mappings ORDER BY created, uuid")
                .map { (try Self.decode($0["settings"]), $0["last_result"]) }
        }
    }

    func checkpoint(_ uuid: String, shard: String = "", partition: Int) throws -> String? {
        try store.database.read { db in
            try db.fetchOne(String?.self, sql: "SELECT sequence FROM lambda_esm_checkpoints WHERE uuid = ? AND shard = ? AND partition = ?",
                                 arguments: [uuid, shard, partition]) ?? nil
        }
    }

    func saveCheckpoint(_ uuid: String, shard: String = "", partition: Int, sequence: String, lastResult: String?,
                        fence: CheckpointFence? = nil) throws {
        try store.database.write { db in
            try Self.check(fence, uuid, db)
            try db.execute(sql: "UPDATE lambda_esm_checkpoints SET sequence = ? WHERE uuid = ? AND shard = ? AND partition = ?",
                           arguments: [sequence, uuid, shard, partition])
            if let lastResult {
                try db.execute(sql: "UPDATE lambda_event_source_mappings SET last_result = ? WHERE uuid = ?", arguments: [lastResult, uuid])
            }
        }
    }

    /// A fenced checkpoint write: throws `CheckpointFenced` (rolling the write back) unless this
    /// node still holds the mapping's claim, checked in the same transaction as the write.
    static func check(_ fence: CheckpointFence?, _ uuid: String, _ db: any SQLConnection) throws {
        guard let fence else { return }
        guard try fence.holds(db) else { throw CheckpointFenced(uuid: uuid) }
    }

    func saveLastResult(_ uuid: String, _ result: String) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE lambda_event_source_mappings SET last_result = ? WHERE uuid = ?", arguments: [result, uuid])
        }
    }

    static func encode(_ mapping: EventSourceMapping) throws -> String {
        String(decoding: try JSONEncoder().encode(mapping), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> EventSourceMapping {
        try JSONDecoder().decode(EventSourceMapping.self, from: Data(text.utf8))
    }
}
