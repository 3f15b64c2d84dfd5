import Foundation
import PetrelStore
import PetrelCore
import Synchronization

/// One log line on its way into a stream.
public struct LogEvent: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var message: String

    public init(timestamp: Int64, message: String) {
        self.timestamp = timestamp
        self.message = message
    }
}

/// A stored event as the Logs API returns it.
public struct StoredLogEvent: Sendable {
    public var id: Int64
    public var streamName: String
    public var timestamp: Int64
    public var ingestionTime: Int64
    public var message: String
}

public struct LogGroupInfo: Sendable {
    public var name: String
    public var creationTime: Int64
    public var retentionInDays: Int?
    public var storedBytes: Int64
}

public struct LogStreamInfo: Sendable {
    public var name: String
    public var creationTime: Int64
    public var firstEventTimestamp: Int64?
    public var lastEventTimestamp: Int64?
    public var lastIngestionTime: Int64?
    public var storedBytes: Int64
}

/// Log groups, streams and events in SQLite. Appends are buffered and written in batches
/// (one transaction per flush) so that logging never sits on the invoke path; every read
/// flushes first, so a reader always sees what was appended before it asked.
public final class LogStore: Sendable {
    let store: Store
    private let pending = Mutex<[(group: String, stream: String, events: [LogEvent])]>([])
    /// CloudWatch's limit on one event; longer messages are cut, as AWS does.
    public static let maxEventBytes = 256 * 1024
    /// Decides, per (group, stream), whether queued events are written (identity: a function's
    /// role must allow writing its logs); nil writes everything. Asked when a batch is flushed.
    private let writeGate = Mutex<(@Sendable (String, String) -> Bool)?>(nil)

    public func setWriteGate(_ gate: @escaping @Sendable (_ group: String, _ stream: String) -> Bool) {
        writeGate.withLock { $0 = gate }
    }

    public init(store: Store) {
        self.store = store
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("logs-v1") { db in
            try db.executeScript("""
                CREATE TABLE log_groups (
                    name TEXT PRIMARY KEY,
                    created INTEGER NOT NULL,
                    retention_days INTEGER
                );
                CREATE TABLE log_streams (
                    group_name TEXT NOT NULL REFERENCES log_groups(name) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    first_event INTEGER,
                    last_event INTEGER,
                    last_ingestion INTEGER,
                    stored_bytes INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (group_name, name)
                );
                CREATE TABLE log_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    group_name TEXT NOT NULL,
                    stream_name TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    ingestion INTEGER NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX log_events_by_stream ON log_events (group_name, stream_name, id);
                CREATE INDEX log_events_by_time ON log_events (group_name, timestamp);
                """)
        }
    }

    // MARK: Writing

    /// Queues events for a stream (created with its group on first use).
    public func append(group: String, stream: String, events: [LogEvent]) {
        guard !events.isEmpty else { return }
        pending.withLock { $0.append((group, stream, events)) }
    }

    /// At most this many appends wait while the store refuses writes (a full disk); beyond it
    /// the oldest are dropped, so a long outage costs log lines, never the server's memory.
    static let maxPendingAppends = 50_000

    /// Held for a whole flush, so that when `flush()` returns everything appended before the
    /// call is committed, even the part another flush had already taken from the queue.
    private let flushing = Mutex(())

    /// Writes everything queued so far in one transaction. When the write fails the batch goes
    /// back to the front of the queue (bounded by `maxPendingAppends`) and the error is thrown.
    public func flush() throws {
        try flushing.withLock { _ in try flushPending() }
    }

    private func flushPending() throws {
        var batch = pending.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        if let gate = writeGate.withLock({ $0 }) { batch.removeAll { !gate($0.group, $0.stream) } }
        guard !batch.isEmpty else { return }
        do {
            try write(batch)
        } catch {
            pending.withLock { queue in
                queue.insert(contentsOf: batch, at: 0)
                if queue.count > Self.maxPendingAppends { queue.removeFirst(queue.count - Self.maxPendingAppends) }
            }
            throw error
        }
    }

    private func write(_ batch: [(group: String, stream: String, events: [LogEvent])]) throws {
        let ingestion = Int64(Date().timeIntervalSince1970 * 1000)
        // Consecutive appends to one stream become one run of inserts and one update. Runs stay
        // in append order, so event ids (the order FilterLogEvents answers in) follow the order
        // the events were appended in across streams: merging every append of a stream into its
        // first run put a later invocation's lines before an earlier one's on another stream.
        var streams: [(group: String, stream: String, events: [LogEvent])] = []
        for entry in batch {
            if let last = streams.last, last.group == entry.group, last.stream == entry.stream {
                streams[streams.count - 1].events += entry.events
            } else {
                streams.append((entry.group, entry.stream, entry.events))
            }
        }
        try store.database.write { db in
            for entry in streams where !entry.events.isEmpty {
                try Self.ensureStream(db, group: entry.group, stream: entry.stream, now: ingestion)
                var bytes: Int64 = 0
                for event in entry.events {
                    let message = Self.truncated(event.message)
                    bytes += Int64(message.utf8.count)
                    try db.execute(sql: """
                        INSERT INTO log_events (group_name, stream_name, timestamp, ingestion, message) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [entry.group, entry.stream, event.timestamp, ingestion, message])
                }
                let first = entry.events.map(\.timestamp).min()!
                let last = entry.events.map(\.timestamp).max()!
                try db.execute(sql: """
                    UPDATE log_streams
                    SET first_event = CASE WHEN first_event IS NULL OR first_event > ? THEN ? ELSE first_event END,
                        last_event = CASE WHEN last_event IS NULL OR last_event < ? THEN ? ELSE last_event END,
                        last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE group_name = ? AND name = ?
                    """, arguments: [first, first, last, last, ingestion, bytes, entry.group, entry.stream])
            }
        }
    }

    /// The writer: flushes every `interval` until cancelled, then once more. A failed flush
    /// (a full disk) does not stop it: `onFailure` hears the first error of an outage and
    /// `onRecovery` its end, and the batch is written once the store takes writes again.
    public func run(interval: Duration = .milliseconds(20),
                    onFailure: @Sendable (any Error) -> Void = { _ in },
                    onRecovery: @Sendable () -> Void = {}) async {
        var failing = false
        func attempt() {
            do {
                try flush()
                if failing { failing = false; onRecovery() }
            } catch {
                if !failing { failing = true; onFailure(error) }
            }
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            attempt()
        }
        attempt()
    }

    static func truncated(_ message: String) -> String {
        guard message.utf8.count > maxEventBytes else { return message }
        return String(decoding: message.utf8.prefix(maxEventBytes - 26), as: UTF8.self)
    }

    static func ensureStream(_ db: any SQLConnection, group: String, stream: String, now: Int64) throws {
        try db.execute(sql: "INSERT INTO log_groups (name, created) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [group, now])
        try db.execute(sql: "INSERT INTO log_streams (group_name, name, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       arguments: [group, stream, now])
    }

    public func createGroup(_ name: String) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try store.database.write { db in
            if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [name]) != nil {
                throw AWSError("ResourceAlreadyExistsException", status: 400, "The specified log group already exists")
            }
            try db.execute(sql: "INSERT INTO log_groups (name, created) VALUES (?, ?)", arguments: [name, now])
        }
    }

    public func createStream(group: String, name: String) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try store.database.write { db in
            try Self.requireGroup(db, group)
            if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, name]) != nil {
                throw AWSError("ResourceAlreadyExistsException", status: 400, "The specified log stream already exists")
            }
            try db.execute(sql: "INSERT INTO log_streams (group_name, name, created) VALUES (?, ?, ?)", arguments: [group, name, now])
        }
    }

    public func deleteGroup(_ name: String) throws {
        try flush()
        try store.database.write { db in
            try Self.requireGroup(db, name)
            try db.execute(sql: "DELETE FROM log_events WHERE group_name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM log_streams WHERE group_name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM log_groups WHERE name = ?", arguments: [name])
        }
    }

    public func putEvents(group: String, stream: String, events: [LogEvent]) throws {
        try store.database.read { db in
            try Self.requireGroup(db, group)
            if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, stream]) == nil {
                throw AWSError.resourceNotFound("The specified log stream does not exist.")
            }
        }
        append(group: group, stream: stream, events: events)
        try flush()
    }

    static func requireGroup(_ db: any SQLConnection, _ group: String) throws {
        if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) == nil {
            throw AWSError.resourceNotFound("The specified log group does not exist.")
        }
    }

    // MARK: Reading

    public func groups(prefix: String?, after token: String?, limit: Int) throws -> (groups: [LogGroupInfo], next: String?) {
        try flush()
        return try store.database.read { db in
            let rows = try db.fetchAll(sql: """
                SELECT g.name, g.created, g.retention_days,
                       (SELECT COALESCE(SUM(stored_bytes), 0) FROM log_streams s WHERE s.group_name = g.name) AS bytes
                FROM log_groups g WHERE g.name >= ? AND g.name > ? ORDER BY g.name LIMIT ?
                """, arguments: [prefix ?? "", token ?? "", limit + 1])
            let groups = rows.prefix(limit).compactMap { row -> LogGroupInfo? in
                let name: String = row["name"]
                guard prefix.map(name.hasPrefix) ?? true else { return nil }
                return LogGroupInfo(name: name, creationTime: row["created"], retentionInDays: row["retention_days"], storedBytes: row["bytes"])
            }
            let more = rows.count > limit && (prefix.map { (rows[limit]["name"] as String).hasPrefix($0) } ?? true)
            return (groups, more ? groups.last?.name : nil)
        }
    }

    public func streams(group: String, prefix: String?, byLastEventTime: Bool, descending: Bool,
                        offset: Int, limit: Int) throws -> (streams: [LogStreamInfo], next: Int?) {
        try flush()
        return try store.database.read { db in
            try Self.requireGroup(db, group)
            let order = byLastEventTime ? "COALESCE(last_event, created)" : "name"
            let rows = try db.fetchAll(sql: """
                SELECT * FROM log_streams WHERE group_name = ? AND substr(name, 1, ?) = ?
                ORDER BY \(order) \(descending ? "DESC" : "ASC"), name LIMIT ? OFFSET ?
                """, arguments: [group, (prefix ?? "").count, prefix ?? "", limit + 1, offset])
            let streams = rows.prefix(limit).map { row in
                LogStreamInfo(name: row["name"], creationTime: row["created"], firstEventTimestamp: row["first_event"],
                              lastEventTimestamp: row["last_event"], lastIngestionTime: row["last_ingestion"],
                              storedBytes: row["stored_bytes"])
            }
            return (streams, rows.count > limit ? offset + limit : nil)
        }
    }

    /// Events of one stream. `afterID`/`beforeID` come from GetLogEvents' forward/backward tokens.
    public func events(group: String, stream: String, startTime: Int64?, endTime: Int64?,
                       afterID: Int64?, beforeID: Int64?, fromHead: Bool, limit: Int) throws -> [StoredLogEvent] {
        try flush()
        return try store.database.read { db in
            try Self.requireGroup(db, group)
            if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, stream]) == nil {
                throw AWSError.resourceNotFound("The specified log stream does not exist.")
            }
            let ascending = afterID != nil || (beforeID == nil && fromHead)
            let rows = try db.fetchAll(sql: """
                SELECT * FROM log_events WHERE group_name = ? AND stream_name = ? AND id > ? AND id < ?
                  AND timestamp >= ? AND timestamp < ?
                ORDER BY id \(ascending ? "ASC" : "DESC") LIMIT ?
                """, arguments: [group, stream, afterID ?? 0, beforeID ?? Int64.max, startTime ?? 0, endTime ?? Int64.max, limit])
            let events = rows.map(Self.event)
            return ascending ? events : events.reversed()
        }
    }

    /// Events across a group's streams matching `pattern`, in time order, after event `afterID`.
    public func filter(group: String, streamNames: [String]?, streamPrefix: String?, startTime: Int64?, endTime: Int64?,
                       pattern: FilterPattern?, afterID: Int64?, limit: Int) throws -> (events: [StoredLogEvent], next: Int64?) {
        try flush()
        return try store.database.read { db in
            try Self.requireGroup(db, group)
            var matched: [StoredLogEvent] = []
            var cursor = afterID ?? 0
            let streamSet = streamNames.map(Set.init)
            // Scan in id order (ingestion order), a page at a time, until `limit` events match.
            while matched.count < limit {
                let rows = try db.fetchAll(sql: """
                    SELECT * FROM log_events WHERE group_name = ? AND id > ? AND timestamp >= ? AND timestamp < ?
                    ORDER BY id LIMIT 1000
                    """, arguments: [group, cursor, startTime ?? 0, endTime ?? Int64.max])
                if rows.isEmpty { return (matched, nil) }
                for row in rows {
                    let event = Self.event(row)
                    cursor = event.id
                    if let streamSet, !streamSet.contains(event.streamName) { continue }
                    if let streamPrefix, !event.streamName.hasPrefix(streamPrefix) { continue }
                    if let pattern, !pattern.matches(event.message) { continue }
                    matched.append(event)
                    if matched.count == limit { return (matched, cursor) }
                }
            }
            return (matched, cursor)
        }
    }

    static func event(_ row: SQLRow) -> StoredLogEvent {
        StoredLogEvent(id: row["id"], streamName: row["stream_name"], timestamp: row["timestamp"],
                       ingestionTime: row["ingestion"], message: row["message"])
    }
}
