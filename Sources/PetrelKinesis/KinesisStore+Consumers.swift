import PetrelCore
import PetrelStore

/// Enhanced fan-out consumers: one row each, deleted with their stream (`delete(stream:)`).
/// A deregistered consumer keeps its row (DELETING) until its deletion delay has passed; then
/// it is gone for every query and purged by the next register or the retention sweep.
extension KinesisStore {
    static let migrationV2Consumers = [
        """
        CREATE TABLE kinesis_consumers (
            consumer_id INTEGER PRIMARY KEY AUTOINCREMENT,
            stream_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            arn TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            deregistered_ms INTEGER,
            tags TEXT NOT NULL,
            UNIQUE (stream_id, name)
        )
        """,
        "CREATE INDEX kinesis_consumers_arn ON kinesis_consumers (arn)",
    ]

    static let consumerColumns = "consumer_id, stream_id, name, arn, created_ms, deregistered_ms"

    static func consumer(_ row: SQLRow) -> ConsumerRecord {
        ConsumerRecord(id: row["consumer_id"], streamID: row["stream_id"], name: row["name"], arn: row["arn"],
                       createdMs: row["created_ms"], deregisteredMs: row["deregistered_ms"])
    }

    public enum RegisterOutcome: Sendable, Equatable {
        case registered(ConsumerRecord)
        case nameTaken
        case limitReached
    }

    /// Registers a consumer unless the stream has one of that name (registered or still
    /// deleting) or `limit` of them already. Purges the stream's consumers whose deletion ended
    /// (deregistered at or before `goneBeforeMs`) first, in the same transaction.
    public func registerConsumer(stream id: Int64, name: String, arn: String, tags: [String: String], nowMs: Int64,
                                 goneBeforeMs: Int64, limit: Int) throws -> RegisterOutcome {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM kinesis_consumers WHERE stream_id = ? AND deregistered_ms IS NOT NULL AND deregistered_ms <= ?",
                           arguments: [id, goneBeforeMs])
            if try db.fetchOne(Int64.self, sql: "SELECT consumer_id FROM kinesis_consumers WHERE stream_id = ? AND name = ?",
                               arguments: [id, name]) != nil { return .nameTaken }
            let count = try db.fetchOne(Int64.self, sql: "SELECT COUNT(*) FROM kinesis_consumers WHERE stream_id = ?", arguments: [id]) ?? 0
            guard count < Int64(limit) else { return .limitReached }
            let consumerID = try db.fetchOne(Int64.self, sql: """
                INSERT INTO kinesis_consumers (stream_id, name, arn, created_ms, deregistered_ms, tags)
                VALUES (?, ?, ?, ?, NULL, ?) RETURNING consumer_id
                """, arguments: [id, name, arn, nowMs, Self.encodeTags(tags)])!
            return .registered(ConsumerRecord(id: consumerID, streamID: id, name: name, arn: arn, createdMs: nowMs, deregisteredMs: nil))
        }
    }

    /// The stream's consumer of that name, unless its deletion ended (at or before `goneBeforeMs`).
    public func consumer(stream id: Int64, name: String, goneBeforeMs: Int64) throws -> ConsumerRecord? {
        try store.database.read { db in
            try db.fetchOne(sql: """
                SELECT \(Self.consumerColumns) FROM kinesis_consumers
                WHERE stream_id = ? AND name = ? AND (deregistered_ms IS NULL OR deregistered_ms > ?)
                """, arguments: [id, name, goneBeforeMs]).map(Self.consumer)
        }
    }

    /// Up to `limit` of the stream's consumers in registration order, after consumer id `afterID`.
    public func consumers(stream id: Int64, afterID: Int64, limit: Int, goneBeforeMs: Int64) throws -> [ConsumerRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: """
                SELECT \(Self.consumerColumns) FROM kinesis_consumers
                WHERE stream_id = ? AND consumer_id > ? AND (deregistered_ms IS NULL OR deregistered_ms > ?)
                ORDER BY consumer_id LIMIT ?
                """, arguments: [id, afterID, goneBeforeMs, limit]).map(Self.consumer)
        }
    }

    public func consumerCount(stream id: Int64, goneBeforeMs: Int64) throws -> Int {
        try store.database.read { db in
            Int(try db.fetchOne(Int64.self, sql: """
                SELECT COUNT(*) FROM kinesis_consumers WHERE stream_id = ? AND (deregistered_ms IS NULL OR deregistered_ms > ?)
                """, arguments: [id, goneBeforeMs]) ?? 0)
        }
    }

    /// Marks a consumer deregistered (DELETING); false when it already was.
    @discardableResult
    public func deregisterConsumer(id: Int64, nowMs: Int64) throws -> Bool {
        try store.database.write { db in
            try db.execute(sql: "UPDATE kinesis_consumers SET deregistered_ms = ? WHERE consumer_id = ? AND deregistered_ms IS NULL",
                           arguments: [nowMs, id])
            return db.changesCount > 0
        }
    }

    /// Deletes the rows of consumers whose deletion ended (deregistered at or before `goneBeforeMs`).
    public func purgeConsumers(goneBeforeMs: Int64) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM kinesis_consumers WHERE deregistered_ms IS NOT NULL AND deregistered_ms <= ?",
                           arguments: [goneBeforeMs])
        }
    }
}
