import Foundation
import PetrelCore
import PetrelStore

/// A stream as stored.
public struct StreamRecord: Sendable, Equatable {
    public var id: Int64
    public var region: String
    public var account: String
    public var name: String
    /// PROVISIONED or ON_DEMAND.
    public var mode: String
    public var retentionHours: Int
    /// Epoch milliseconds.
    public var createdMs: Int64
    public var encryptionType: String
    public var keyID: String?
    public var tags: [String: String]
    public var lastCounter: Int64
    public var nextShardIndex: Int
    /// Enhanced monitoring's shard-level metrics (stored and answered; none are published).
    public var shardMetrics: [String] = []

    public var arn: String { "arn:aws:kinesis:\(region):\(account):stream/\(name)" }
}

/// A record as stored.
public struct StoredRecord: Sendable, Equatable {
    public var shardIndex: Int
    public var counter: Int64
    public var partitionKey: String
    public var data: Data
    /// Epoch milliseconds.
    public var arrivalMs: Int64

    public var sequenceNumber: SequenceNumber { SequenceNumber(counter: counter, shardIndex: shardIndex) }
}

/// A record to append: its data, partition key and the shard its hash key falls in.
public struct NewRecord: Sendable {
    public var shardIndex: Int
    public var partitionKey: String
    public var data: Data
}

/// Every SQL statement of the Kinesis service, in portable SQL.
public struct KinesisStore: Sendable {
    let store: Store
    /// One node's writes to a stream, one at a time (see `StreamWriteLocks`).
    let writers = StreamWriteLocks()

    public init(store: Store) { self.store = store }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("kinesis-v1") { db in
            for sql in migrationV1 { try db.execute(sql: sql) }
        }
        migrator.registerMigration("kinesis-v2-consumers") { db in
            for sql in migrationV2Consumers { try db.execute(sql: sql) }
        }
    }

    static let migrationV1 = [
        """
        CREATE TABLE kinesis_streams (
            stream_id INTEGER PRIMARY KEY AUTOINCREMENT,
            region TEXT NOT NULL,
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            mode TEXT NOT NULL,
            retention_hours INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            encryption_type TEXT NOT NULL,
            key_id TEXT,
            tags TEXT NOT NULL,
            last_counter INTEGER NOT NULL,
            next_shard_index INTEGER NOT NULL,
            shard_metrics TEXT NOT NULL DEFAULT '',
            UNIQUE (region, account_id, name)
        )
        """,
        """
        CREATE TABLE kinesis_shards (
            stream_id INTEGER NOT NULL,
            shard_index INTEGER NOT NULL,
            parent_index INTEGER,
            adjacent_index INTEGER,
            starting_hash TEXT NOT NULL,
            ending_hash TEXT NOT NULL,
            starting_counter INTEGER NOT NULL,
            ending_counter INTEGER,
            created_ms INTEGER NOT NULL,
            closed_ms INTEGER,
            PRIMARY KEY (stream_id, shard_index)
        )
        """,
        """
        CREATE TABLE kinesis_records (
            stream_id INTEGER NOT NULL,
            shard_index INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            partition_key TEXT NOT NULL,
            data BLOB NOT NULL,
            arrival_ms INTEGER NOT NULL,
            PRIMARY KEY (stream_id, shard_index, counter)
        )
        """,
        "CREATE INDEX kinesis_records_arrival ON kinesis_records (stream_id, shard_index, arrival_ms)",
    ]

    // MARK: Streams

    static let streamColumns = "stream_id, region, account_id, name, mode, retention_hours, created_ms, encryption_type, key_id, tags, last_counter, next_shard_index, shard_metrics"

    static func stream(_ row: SQLRow) -> StreamRecord {
        StreamRecord(id: row["stream_id"], region: row["region"], account: row["account_id"], name: row["name"], mode: row["mode"],
                     retentionHours: row["retention_hours"], createdMs: row["created_ms"], encryptionType: row["encryption_type"],
                     keyID: row["key_id"], tags: decodeTags(row["tags"]), lastCounter: row["last_counter"],
                     nextShardIndex: row["next_shard_index"],
                     shardMetrics: (row["shard_metrics"] as String).split(separator: ",").map(String.init))
    }

    static func decodeTags(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    static func encodeTags(_ tags: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(tags)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public func stream(region: String, account: String, name: String) throws -> StreamRecord? {
        try store.database.read { db in try Self.stream(db, region: region, account: account, name: name) }
    }

    static func stream(_ db: any SQLConnection, region: String, account: String, name: String) throws -> StreamRecord? {
        try db.fetchOne(sql: "SELECT \(streamColumns) FROM kinesis_streams WHERE region = ? AND account_id = ? AND name = ?",
                        arguments: [region, account, name]).map(stream)
    }

    public func stream(id: Int64) throws -> StreamRecord? {
        try store.database.read { db in try Self.stream(db, id: id) }
    }

    static func stream(_ db: any SQLConnection, id: Int64) throws -> StreamRecord? {
        try db.fetchOne(sql: "SELECT \(streamColumns) FROM kinesis_streams WHERE stream_id = ?", arguments: [id]).map(stream)
    }

    /// Streams of an account and region, by name, after `exclusiveStart`.
    public func streams(region: String, account: String, after exclusiveStart: String?, limit: Int) throws -> [StreamRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT \(Self.streamColumns) FROM kinesis_streams WHERE region = ? AND account_id = ? AND name > ? ORDER BY name LIMIT ?",
                            arguments: [region, account, exclusiveStart ?? "", limit]).map(Self.stream)
        }
    }

    public func allStreams() throws -> [StreamRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT \(Self.streamColumns) FROM kinesis_streams ORDER BY stream_id").map(Self.stream)
        }
    }

    /// Creates the stream and its shards; nil when the name is taken.
    public func create(region: String, account: String, name: String, mode: String, shardCount: Int, retentionHours: Int,
                       tags: [String: String], nowMs: Int64) throws -> StreamRecord? {
        try store.database.write { db in
            if try Self.stream(db, region: region, account: account, name: name) != nil { return nil }
            let counter = nowMs * 1000
            let map = ShardMap.initial(count: shardCount, counter: counter, now: nowMs)
            let id = try db.fetchOne(Int64.self, sql: """
                INSERT INTO kinesis_streams (region, account_id, name, mode, retention_hours, created_ms, encryption_type, key_id, tags,
                                             last_counter, next_shard_index)
                VALUES (?, ?, ?, ?, ?, ?, 'NONE', NULL, ?, ?, ?) RETURNING stream_id
                """, arguments: [region, account, name, mode, retentionHours, nowMs, Self.encodeTags(tags), map.lastCounter, map.nextIndex])!
            try Self.saveShards(db, stream: id, map.shards)
            return StreamRecord(id: id, region: region, account: account, name: name, mode: mode, retentionHours: retentionHours,
                                createdMs: nowMs, encryptionType: "NONE", keyID: nil, tags: tags, lastCounter: map.lastCounter,
                                nextShardIndex: map.nextIndex)
        }
    }

    public func delete(stream id: Int64) throws {
        try writers.withLock(id) { try store.database.write { db in
            try db.execute(sql: "DELETE FROM kinesis_records WHERE stream_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM kinesis_consumers WHERE stream_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM kinesis_shards WHERE stream_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM kinesis_streams WHERE stream_id = ?", arguments: [id])
        } }
    }

    /// Changes a stream's settings (retention, mode, encryption, tags) with `change`, in one transaction.
    public func update(stream id: Int64, _ change: (inout StreamRecord) throws -> Void) throws {
        try writers.withLock(id) { try store.database.write { db -> Void in
            guard var stream = try Self.stream(db, id: id) else { return }
            try change(&stream)
            try db.execute(sql: """
                UPDATE kinesis_streams SET mode = ?, retention_hours = ?, encryption_type = ?, key_id = ?, tags = ?, shard_metrics = ?
                WHERE stream_id = ?
                """, arguments: [stream.mode, stream.retentionHours, stream.encryptionType, stream.keyID, Self.encodeTags(stream.tags),
                                 stream.shardMetrics.joined(separator: ","), id])
        } }
    }

    // MARK: Shards

    static func shard(_ row: SQLRow) -> ShardInfo {
        ShardInfo(index: row["shard_index"], parent: row["parent_index"], adjacentParent: row["adjacent_index"],
                  startingHash: UInt128(row["starting_hash"] as String) ?? 0, endingHash: UInt128(row["ending_hash"] as String) ?? 0,
                  startingCounter: row["starting_counter"], endingCounter: row["ending_counter"],
                  createdMs: row["created_ms"], closedMs: row["closed_ms"])
    }

    public func shards(stream id: Int64) throws -> [ShardInfo] {
        try store.database.read { db in try Self.shards(db, stream: id) }
    }

    static func shards(_ db: any SQLConnection, stream id: Int64) throws -> [ShardInfo] {
        try db.fetchAll(sql: """
            SELECT shard_index, parent_index, adjacent_index, starting_hash, ending_hash, starting_counter, ending_counter, created_ms, closed_ms
            FROM kinesis_shards WHERE stream_id = ? ORDER BY shard_index
            """, arguments: [id]).map(shard)
    }

    static func saveShards(_ db: any SQLConnection, stream id: Int64, _ shards: [ShardInfo]) throws {
        for s in shards {
            try db.execute(sql: """
                INSERT INTO kinesis_shards (stream_id, shard_index, parent_index, adjacent_index, starting_hash, ending_hash,
                                            starting_counter, ending_counter, created_ms, closed_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (stream_id, shard_index) DO UPDATE SET ending_counter = excluded.ending_counter, closed_ms = excluded.closed_ms
                """, arguments: [id, s.index, s.parent, s.adjacentParent, String(s.startingHash), String(s.endingHash),
                                 s.startingCounter, s.endingCounter, s.createdMs, s.closedMs])
        }
    }

    /// Loads the stream's shard map, lets `change` reshard it, saves what changed and the
    /// stream's counter, in one transaction. Answers what `change` returned and the new map.
    public func reshard<T>(stream id: Int64, _ change: (inout ShardMap, StreamRecord) throws -> T) throws -> (T, ShardMap)? {
        try writers.withLock(id) { try store.database.write { db -> (T, ShardMap)? in
            guard let stream = try Self.stream(db, id: id) else { return nil }
            var map = ShardMap(shards: try Self.shards(db, stream: id), nextIndex: stream.nextShardIndex, lastCounter: stream.lastCounter)
            let result = try change(&map, stream)
            try Self.saveShards(db, stream: id, map.shards.filter { map.changed.contains($0.index) })
            try db.execute(sql: "UPDATE kinesis_streams SET last_counter = ?, next_shard_index = ? WHERE stream_id = ?",
                           arguments: [map.lastCounter, map.nextIndex, id])
            return (result, map)
        } }
    }

    // MARK: Records

    /// Appends records in one transaction: each gets the next stream counter, on the shard
    /// the caller chose (checked again here: a reshard since may have closed it). Answers the
    /// sequence numbers, nil for a record whose shard closed meanwhile (the caller routes again).
    public func append(stream id: Int64, _ records: [NewRecord], route: (Int, ShardMap) -> Int?, nowMs: Int64) throws -> [SequenceNumber?] {
        try writers.withLock(id) { try store.database.write { db in
            guard let stream = try Self.stream(db, id: id) else { throw KinesisStore.Gone() }
            let map = ShardMap(shards: try Self.shards(db, stream: id), nextIndex: stream.nextShardIndex, lastCounter: stream.lastCounter)
            var counter = stream.lastCounter
            var out: [SequenceNumber?] = []
            out.reserveCapacity(records.count)
            for (i, record) in records.enumerated() {
                var shard = record.shardIndex
                if map.shard(shard)?.isOpen != true {
                    guard let routed = route(i, map) else { out.append(nil); continue }
                    shard = routed
                }
                counter = SequenceNumber.nextCounter(last: counter, nowMicros: nowMs * 1000)
                try db.execute(sql: "INSERT INTO kinesis_records (stream_id, shard_index, counter, partition_key, data, arrival_ms) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, shard, counter, record.partitionKey, record.data, nowMs])
                out.append(SequenceNumber(counter: counter, shardIndex: shard))
            }
            try db.execute(sql: "UPDATE kinesis_streams SET last_counter = ? WHERE stream_id = ?", arguments: [counter, id])
            return out
        } }
    }

    struct Gone: Error {}

    /// Up to `limit` records of a shard after `counter`, arrived at or after `notBeforeMs`
    /// (the trim horizon), stopping once `maxBytes` of data are read (at least one record).
    public func records(stream id: Int64, shard: Int, after counter: Int64, notBeforeMs: Int64, limit: Int, maxBytes: Int) throws -> [StoredRecord] {
        try store.database.read { db in
            var out: [StoredRecord] = []
            var bytes = 0
            try db.forEachRow(sql: """
                SELECT counter, partition_key, data, arrival_ms FROM kinesis_records
                WHERE stream_id = ? AND shard_index = ? AND counter > ? AND arrival_ms >= ? ORDER BY counter LIMIT ?
                """, arguments: [id, shard, counter, notBeforeMs, limit]) { row in
                let data: Data = row["data"]
                if !out.isEmpty, bytes + data.count > maxBytes { return false }
                bytes += data.count
                out.append(StoredRecord(shardIndex: shard, counter: row["counter"], partitionKey: row["partition_key"], data: data,
                                        arrivalMs: row["arrival_ms"]))
                return true
            }
            return out
        }
    }

    /// The counter just before the first record of a shard that arrived at or after `ms`; nil when none has.
    public func counter(stream id: Int64, shard: Int, arrivedAtOrAfter ms: Int64) throws -> Int64? {
        try store.database.read { db in
            try db.fetchOne(Int64.self, sql: """
                SELECT MIN(counter) FROM kinesis_records WHERE stream_id = ? AND shard_index = ? AND arrival_ms >= ?
                """, arguments: [id, shard, ms]).map { $0 - 1 }
        }
    }

    /// The last record of a shard: (counter, arrival), nil when it has none.
    public func lastRecord(stream id: Int64, shard: Int) throws -> (counter: Int64, arrivalMs: Int64)? {
        try store.database.read { db in
            try db.fetchOne(sql: """
                SELECT counter, arrival_ms FROM kinesis_records WHERE stream_id = ? AND shard_index = ? ORDER BY counter DESC LIMIT 1
                """, arguments: [id, shard]).map { row -> (counter: Int64, arrivalMs: Int64) in (row["counter"], row["arrival_ms"]) }
        }
    }

    /// Deletes records older than `cutoffMs` and closed shards whose close is older too (AWS
    /// drops a closed shard once its records are past retention). Answers records deleted.
    @discardableResult
    public func trim(stream id: Int64, cutoffMs: Int64) throws -> Int {
        try writers.withLock(id) { try store.database.write { db in
            try db.execute(sql: "DELETE FROM kinesis_records WHERE stream_id = ? AND arrival_ms < ?", arguments: [id, cutoffMs])
            let deleted = db.changesCount
            try db.execute(sql: "DELETE FROM kinesis_shards WHERE stream_id = ? AND closed_ms IS NOT NULL AND closed_ms < ?",
                           arguments: [id, cutoffMs])
            return deleted
        } }
    }
}

extension KinesisStore {
    /// The first record of a shard after `counter` still within retention: (counter, arrival).
    public func firstRecord(stream id: Int64, shard: Int, after counter: Int64, notBeforeMs: Int64) throws -> (counter: Int64, arrivalMs: Int64)? {
        try store.database.read { db in
            try db.fetchOne(sql: """
                SELECT counter, arrival_ms FROM kinesis_records
                WHERE stream_id = ? AND shard_index = ? AND counter > ? AND arrival_ms >= ? ORDER BY counter LIMIT 1
                """, arguments: [id, shard, counter, notBeforeMs]).map { row -> (counter: Int64, arrivalMs: Int64) in (row["counter"], row["arrival_ms"]) }
        }
    }
}
