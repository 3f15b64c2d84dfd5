import Foundation
import GRDB
import PetrelStore

/// Event source mappings and their checkpoints in SQLite. A checkpoint is the sequence number
/// of the last record a partition has finished with (nil: start from the oldest record).
struct MappingStore: Sendable {
    let store: Store

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("event-source-mappings-v1") { db in
            try db.execute(sql: """
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
    }

    func insert(_ mapping: EventSourceMapping, initialPosition: String?) throws {
        try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO lambda_event_source_mappings (uuid, function_name, event_source_arn, settings, created)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [mapping.uuid, mapping.functionName, mapping.eventSourceArn, try Self.encode(mapping), mapping.lastModified])
            for partition in 0..<mapping.parallelizationFactor {
                try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, partition, sequence) VALUES (?, ?, ?)",
                               arguments: [mapping.uuid, partition, initialPosition])
            }
        }
    }

    /// Saves new settings; a changed parallelization factor restarts every partition from the
    /// oldest of the old checkpoints (records in between may be delivered again: at least once).
    func update(_ mapping: EventSourceMapping) throws {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE lambda_event_source_mappings SET settings = ?, function_name = ? WHERE uuid = ?",
                           arguments: [try Self.encode(mapping), mapping.functionName, mapping.uuid])
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [mapping.uuid]) ?? 0
            guard count != mapping.parallelizationFactor else { return }
            let sequences = try String?.fetchAll(db, sql: "SELECT sequence FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [mapping.uuid])
            let oldest: String? = sequences.contains { $0 == nil } ? nil : sequences.compactMap { $0 }.min()
            try db.execute(sql: "DELETE FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [mapping.uuid])
            for partition in 0..<mapping.parallelizationFactor {
                try db.execute(sql: "INSERT INTO lambda_esm_checkpoints (uuid, partition, sequence) VALUES (?, ?, ?)",
                               arguments: [mapping.uuid, partition, oldest])
            }
        }
    }

    func delete(_ uuid: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM lambda_event_source_mappings WHERE uuid = ?", arguments: [uuid])
            try db.execute(sql: "DELETE FROM lambda_esm_checkpoints WHERE uuid = ?", arguments: [uuid])
        }
    }

    func get(_ uuid: String) throws -> (mapping: EventSourceMapping, lastResult: String)? {
        try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT settings, last_result FROM lambda_event_source_mappings WHERE uuid = ?", arguments: [uuid])
                .map { (try Self.decode($0["settings"]), $0["last_result"]) }
        }
    }

    func all() throws -> [(mapping: EventSourceMapping, lastResult: String)] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT settings, last_result FROM lambda_event_source_mappings ORDER BY created, uuid")
                .map { (try Self.decode($0["settings"]), $0["last_result"]) }
        }
    }

    func checkpoint(_ uuid: String, partition: Int) throws -> String? {
        try store.pool.read { db in
            try String?.fetchOne(db, sql: "SELECT sequence FROM lambda_esm_checkpoints WHERE uuid = ? AND partition = ?",
                                 arguments: [uuid, partition]) ?? nil
        }
    }

    func saveCheckpoint(_ uuid: String, partition: Int, sequence: String, lastResult: String?) throws {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE lambda_esm_checkpoints SET sequence = ? WHERE uuid = ? AND partition = ?",
                           arguments: [sequence, uuid, partition])
            if let lastResult {
                try db.execute(sql: "UPDATE lambda_event_source_mappings SET last_result = ? WHERE uuid = ?", arguments: [lastResult, uuid])
            }
        }
    }

    func saveLastResult(_ uuid: String, _ result: String) throws {
        try store.pool.write { db in
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
