import Foundation
import PetrelCore
import PetrelStore

/// A queue as stored.
public struct QueueRecord: Sendable, Equatable {
    public var id: Int64
    public var address: QueueAddress
    public var settings: QueueSettings
    public var tags: [String: String]
    /// Epoch seconds.
    public var createdAt: Int64
    public var modifiedAt: Int64
    /// Epoch milliseconds of the last PurgeQueue (0: never).
    public var purgedAt: Int64
}

/// A message as stored.
public struct StoredMessage: Sendable, Equatable {
    public var key: Int64
    public var queueID: Int64
    public var messageID: String
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    public var traceHeader: String?
    public var sentAt: Int64
    public var visibleAt: Int64
    public var receiveCount: Int
    public var firstReceivedAt: Int64
    public var receivedAt: Int64
    public var groupID: String?
    public var deduplicationID: String?
    public var sequenceNumber: String?
    public var senderID: String
    public var deadLetterSource: String?
}

/// A message to add to a queue.
public struct NewMessage: Sendable {
    public var messageID: String
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    public var traceHeader: String?
    public var delaySeconds: Int
    public var groupID: String?
    public var deduplicationID: String?
    public var senderID: String
}

/// What a send committed: the message's id and sequence number (for a duplicate within the
/// deduplication window, the first message's).
public struct SentMessage: Sendable, Equatable {
    public var messageID: String
    public var sequenceNumber: String?
}

/// A message move task (StartMessageMoveTask), as stored.
public struct MoveTaskRecord: Sendable, Equatable {
    public var handle: String
    public var sourceArn: String
    public var destinationArn: String?
    public var maxPerSecond: Int?
    public var status: String
    public var moved: Int64
    public var toMove: Int64
    public var startedAt: Int64
    public var failureReason: String?
}

/// Every SQL statement of the queue service, in portable SQL (runs unchanged on SQLite and
/// PostgreSQL: TEXT/INTEGER/BLOB columns, `ON CONFLICT … DO UPDATE`, `RETURNING` for ids).
public struct QueueStore: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("sqs-v1") { db in
            for sql in migrationV1 { try db.execute(sql: sql) }
        }
        migrator.registerMigration("sqs-v2-receive-attempts") { db in
            try db.execute(sql: """
                CREATE TABLE sqs_receive_attempts (
                    queue_id INTEGER NOT NULL,
                    attempt_id TEXT NOT NULL,
                    receipts TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    PRIMARY KEY (queue_id, attempt_id)
                )
                """)
        }
    }

    static let migrationV1 = [
        """
        CREATE TABLE sqs_queues (
            queue_id INTEGER PRIMARY KEY AUTOINCREMENT,
            region TEXT NOT NULL,
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            fifo INTEGER NOT NULL,
            attributes TEXT NOT NULL,
            tags TEXT NOT NULL,
            dead_letter_target TEXT,
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            purged_at INTEGER NOT NULL DEFAULT 0,
            next_sequence INTEGER NOT NULL DEFAULT 0,
            UNIQUE (region, account_id, name)
        )
        """,
        """
        CREATE TABLE sqs_messages (
            message_key INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            attributes TEXT NOT NULL,
            trace_header TEXT,
            sent_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0,
            first_received_at INTEGER NOT NULL DEFAULT 0,
            received_at INTEGER NOT NULL DEFAULT 0,
            group_id TEXT,
            deduplication_id TEXT,
            sequence_number TEXT,
            sender_id TEXT NOT NULL,
            dead_letter_source TEXT
        )
        """,
        "CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at, message_key)",
        "CREATE INDEX sqs_messages_order ON sqs_messages (queue_id, message_key)",
        "CREATE INDEX sqs_messages_sent ON sqs_messages (queue_id, sent_at)",
        """
        CREATE TABLE sqs_deduplication (
            queue_id INTEGER NOT NULL,
            dedup_key TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sequence_number TEXT,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (queue_id, dedup_key)
        )
        """,
        """
        CREATE TABLE sqs_move_tasks (
            task_handle TEXT PRIMARY KEY,
            source_arn TEXT NOT NULL,
            destination_arn TEXT,
            max_per_second INTEGER,
            status TEXT NOT NULL,
            moved INTEGER NOT NULL DEFAULT 0,
            to_move INTEGER NOT NULL DEFAULT 0,
            started_at INTEGER NOT NULL,
            failure_reason TEXT
        )
        """,
    ]

    // MARK: Queues

    static let queueColumns = "queue_id, region, account_id, name, fifo, attributes, tags, created_at, modified_at, purged_at"

    static func queue(_ row: SQLRow) throws -> QueueRecord {
        let address = QueueAddress(account: row["account_id"], region: row["region"], name: row["name"])
        var settings = QueueSettings(fifo: (row["fifo"] as Int64) != 0)
        try settings.apply(decode(row["attributes"]) ?? [:], creating: true)
        return QueueRecord(id: row["queue_id"], address: address, settings: settings, tags: decode(row["tags"]) ?? [:],
                           createdAt: row["created_at"], modifiedAt: row["modified_at"], purgedAt: row["purged_at"])
    }

    public func queue(_ address: QueueAddress) throws -> QueueRecord? {
        try store.database.read { db in try Self.queue(db, address) }
    }

    static func queue(_ db: any SQLConnection, _ address: QueueAddress) throws -> QueueRecord? {
        try db.fetchOne(sql: "SELECT \(queueColumns) FROM sqs_queues WHERE region = ? AND account_id = ? AND name = ?",
                         arguments: [address.region, address.account, address.name]).map(queue)
    }

    public func queue(id: Int64) throws -> QueueRecord? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT \(Self.queueColumns) FROM sqs_queues WHERE queue_id = ?", arguments: [id]).map(Self.queue)
        }
    }

    /// Creates the queue, or answers the one of that name (`created` false).
    public func create(_ address: QueueAddress, settings: QueueSettings, tags: [String: String], now: Int64) throws -> (QueueRecord, created: Bool) {
        try store.database.write { db in
            if let existing = try Self.queue(db, address) { return (existing, false) }
            let id = try db.fetchOne(Int64.self, sql: """
                INSERT INTO sqs_queues (region, account_id, name, fifo, attributes, tags, dead_letter_target, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING queue_id
                """, arguments: [address.region, address.account, address.name, settings.fifo ? 1 : 0, Self.encode(settings.attributes),
                                 Self.encode(tags), settings.redrivePolicy?.deadLetterTargetArn, now, now])!
            return (QueueRecord(id: id, address: address, settings: settings, tags: tags, createdAt: now, modifiedAt: now, purgedAt: 0), true)
        }
    }

    /// Names with `prefix` (case-sensitive, as SQS's QueueNamePrefix; LIKE is not, on SQLite).
    public func list(region: String, account: String, prefix: String, after: String?, limit: Int) throws -> [String] {
        try store.database.read { db in
            try db.fetchAll(String.self, sql: """
                SELECT name FROM sqs_queues WHERE region = ? AND account_id = ? AND substr(name, 1, ?) = ? AND name > ?
                ORDER BY name LIMIT ?
                """, arguments: [region, account, prefix.count, prefix, after ?? "", limit])
        }
    }

    /// Queues whose RedrivePolicy names `deadLetterArn`.
    public func sources(of deadLetterArn: String, after: String?, limit: Int) throws -> [QueueRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT \(Self.queueColumns) FROM sqs_queues WHERE dead_letter_target = ? AND name > ? ORDER BY name LIMIT ?",
                             arguments: [deadLetterArn, after ?? "", limit]).map(Self.queue)
        }
    }

    public func delete(queueID: Int64) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM sqs_messages WHERE queue_id = ?", arguments: [queueID])
            try db.execute(sql: "DELETE FROM sqs_deduplication WHERE queue_id = ?", arguments: [queueID])
            try db.execute(sql: "DELETE FROM sqs_queues WHERE queue_id = ?", arguments: [queueID])
        }
    }

    public func update(queueID: Int64, settings: QueueSettings, now: Int64) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE sqs_queues SET attributes = ?, dead_letter_target = ?, modified_at = ? WHERE queue_id = ?",
                           arguments: [Self.encode(settings.attributes), settings.redrivePolicy?.deadLetterTargetArn, now, queueID])
        }
    }

    public func update(queueID: Int64, tags: [String: String]) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE sqs_queues SET tags = ? WHERE queue_id = ?", arguments: [Self.encode(tags), queueID])
        }
    }

    /// Deletes every message; false when a purge ran less than `cooldownMs` ago.
    public func purge(queueID: Int64, now: Int64, cooldownMs: Int64) throws -> Bool {
        try store.database.write { db in
            let last = try db.fetchOne(Int64.self, sql: "SELECT purged_at FROM sqs_queues WHERE queue_id = ?", arguments: [queueID]) ?? 0
            if last > 0, now - last < cooldownMs { return false }
            try db.execute(sql: "DELETE FROM sqs_messages WHERE queue_id = ?", arguments: [queueID])
            try db.execute(sql: "UPDATE sqs_queues SET purged_at = ? WHERE queue_id = ?", arguments: [now, queueID])
            return true
        }
    }

    /// Visible, in flight, delayed.
    public func counts(queueID: Int64, now: Int64) throws -> (visible: Int, inFlight: Int, delayed: Int) {
        try store.database.read { db in
            let visible = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?",
                                           arguments: [queueID, now]) ?? 0
            // COUNT(*) rather than SUM(CASE …): SUM of integers is NUMERIC on PostgreSQL.
            let inFlight = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count > 0",
                                           arguments: [queueID, now]) ?? 0
            let delayed = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count = 0",
                                          arguments: [queueID, now]) ?? 0
            return (visible, inFlight, delayed)
        }
    }

    /// When the next message not visible now becomes visible (for a long poll's timer).
    public func nextVisibleAt(queueID: Int64, now: Int64) throws -> Int64? {
        try store.database.read { db in
            try db.fetchOne(Int64.self, sql: "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?", arguments: [queueID, now])
        }
    }

    // MARK: Messages

    static let messageColumns = """
        message_key, queue_id, message_id, body, attributes, trace_header, sent_at, visible_at, receive_count, first_received_at,
        received_at, group_id, deduplication_id, sequence_number, sender_id, dead_letter_source
        """

    static func message(_ row: SQLRow) -> StoredMessage {
        StoredMessage(key: row["message_key"], queueID: row["queue_id"], messageID: row["message_id"], body: row["body"],
                      attributes: decode(row["attributes"]) ?? [:], traceHeader: row["trace_header"], sentAt: row["sent_at"],
                      visibleAt: row["visible_at"], receiveCount: row["receive_count"], firstReceivedAt: row["first_received_at"],
                      receivedAt: row["received_at"], groupID: row["group_id"], deduplicationID: row["deduplication_id"],
                      sequenceNumber: row["sequence_number"], senderID: row["sender_id"], deadLetterSource: row["dead_letter_source"])
    }

    /// Adds messages in one transaction. FIFO queues: a deduplication id seen within the window
    /// answers the first message instead of adding one; every added message gets the queue's
    /// next sequence number.
    public func send(_ messages: [NewMessage], to queue: QueueRecord, now: Int64) throws -> [SentMessage] {
        try store.database.write { db in
            var out: [SentMessage] = []
            for message in messages {
                out.append(try Self.insert(db, message, queue: queue, now: now))
            }
            return out
        }
    }

    static func insert(_ db: any SQLConnection, _ message: NewMessage, queue: QueueRecord, now: Int64, sentAt: Int64? = nil,
                       receiveCount: Int = 0, deadLetterSource: String? = nil) throws -> SentMessage {
        var sequence: String?
        var dedupKey: String?
        if queue.settings.fifo {
            if let id = message.deduplicationID {
                let key = ReceivePlan.deduplicationKey(id: id, group: message.groupID, scope: queue.settings.deduplicationScope)
                if let row = try db.fetchOne(sql: """
                    SELECT message_id, sequence_number FROM sqs_deduplication WHERE queue_id = ? AND dedup_key = ? AND expires_at > ?
                    """, arguments: [queue.id, key, now]) {
                    return SentMessage(messageID: row["message_id"], sequenceNumber: row["sequence_number"])
                }
                dedupKey = key
            }
            let next = try db.fetchOne(Int64.self, sql: "UPDATE sqs_queues SET next_sequence = next_sequence + 1 WHERE queue_id = ? RETURNING next_sequence",
                                          arguments: [queue.id]) ?? 1
            sequence = String(format: "1%019lld", next)
        }
        try db.execute(sql: """
            INSERT INTO sqs_messages (queue_id, message_id, body, attributes, trace_header, sent_at, visible_at, receive_count,
                                      group_id, deduplication_id, sequence_number, sender_id, dead_letter_source)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [queue.id, message.messageID, message.body, encode(message.attributes), message.traceHeader,
                             sentAt ?? now, now + Int64(message.delaySeconds) * 1000, receiveCount, message.groupID,
                             message.deduplicationID, sequence, message.senderID, deadLetterSource])
        if let dedupKey {
            try db.execute(sql: """
                INSERT INTO sqs_deduplication (queue_id, dedup_key, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (queue_id, dedup_key) DO UPDATE SET message_id = excluded.message_id,
                    sequence_number = excluded.sequence_number, expires_at = excluded.expires_at
                """, arguments: [queue.id, dedupKey, message.messageID, sequence, now + ReceivePlan.deduplicationWindowMs])
        }
        return SentMessage(messageID: message.messageID, sequenceNumber: sequence)
    }

    /// Takes up to `max` messages and makes them invisible for `visibilityMs`, in one
    /// transaction. A message past its queue's maxReceiveCount moves to `deadLetter` instead.
    public func receive(from queue: QueueRecord, max: Int, visibilityMs: Int64, now: Int64,
                        deadLetter: QueueRecord?) throws -> (received: [StoredMessage], movedToDeadLetter: Int) {
        try store.database.write { db in
            var received: [StoredMessage] = []
            var moved = 0
            let maxReceives = deadLetter == nil ? nil : queue.settings.redrivePolicy?.maxReceiveCount
            // Again only when messages went to the dead-letter queue instead (a message just
            // received with a visibility timeout of 0 must not be taken twice).
            for _ in 0..<20 where received.count < max {
                let chosen = try Self.choose(db, queue: queue, max: max - received.count, now: now)
                if chosen.isEmpty { break }
                let movedBefore = moved
                for message in chosen {
                    if let deadLetter, ReceivePlan.exceedsMaxReceives(receiveCount: message.receiveCount, maxReceiveCount: maxReceives) {
                        try Self.move(db, message, to: deadLetter, now: now, keepReceives: true, source: queue.address.arn)
                        moved += 1
                        continue
                    }
                    var m = message
                    m.receiveCount += 1
                    m.receivedAt = now
                    m.visibleAt = now + visibilityMs
                    if m.firstReceivedAt == 0 { m.firstReceivedAt = now }
                    try db.execute(sql: """
                        UPDATE sqs_messages SET receive_count = ?, received_at = ?, visible_at = ?, first_received_at = ? WHERE message_key = ?
                        """, arguments: [m.receiveCount, m.receivedAt, m.visibleAt, m.firstReceivedAt, m.key])
                    received.append(m)
                }
                if moved == movedBefore { break }
            }
            return (received, moved)
        }
    }

    /// FIFO ReceiveRequestAttemptId: the messages an earlier receive with this attempt id
    /// took, when every one of them is still in flight from that receive (a retry after a lost
    /// answer gets the same messages and handles); nil otherwise.
    public func repeatReceive(queueID: Int64, attemptID: String, now: Int64) throws -> [StoredMessage]? {
        try store.database.read { db in
            guard let text = try db.fetchOne(String.self, sql: """
                SELECT receipts FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?
                """, arguments: [queueID, attemptID, now]),
                  let receipts: [[Int64]] = Self.decode(text) else { return nil }
            var out: [StoredMessage] = []
            for receipt in receipts where receipt.count == 2 {
                guard let row = try db.fetchOne(sql: "SELECT \(Self.messageColumns) FROM sqs_messages WHERE message_key = ?", arguments: [receipt[0]]) else {
                    return nil
                }
                let message = Self.message(row)
                guard Int64(message.receiveCount) == receipt[1], message.visibleAt > now else { return nil }
                out.append(message)
            }
            return out
        }
    }

    public func rememberReceive(queueID: Int64, attemptID: String, messages: [StoredMessage], now: Int64) throws {
        let receipts = messages.map { [$0.key, Int64($0.receiveCount)] }
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM sqs_receive_attempts WHERE expires_at <= ?", arguments: [now])
            try db.execute(sql: """
                INSERT INTO sqs_receive_attempts (queue_id, attempt_id, receipts, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (queue_id, attempt_id) DO UPDATE SET receipts = excluded.receipts, expires_at = excluded.expires_at
                """, arguments: [queueID, attemptID, Self.encode(receipts), now + ReceivePlan.deduplicationWindowMs])
        }
    }

    static func choose(_ db: any SQLConnection, queue: QueueRecord, max: Int, now: Int64) throws -> [StoredMessage] {
        if !queue.settings.fifo {
            return try db.fetchAll(sql: """
                SELECT \(messageColumns) FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, message_key LIMIT ?
                """, arguments: [queue.id, now, max]).map(message)
        }
        let blocked = Set(try db.fetchAll(String.self, sql: """
            SELECT DISTINCT COALESCE(group_id, '') FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count > 0
            """, arguments: [queue.id, now]))
        var after: Int64 = 0
        var candidates: [StoredMessage] = []
        var chosen: [Int64] = []
        for _ in 0..<50 {
            let page = try db.fetchAll(sql: """
                SELECT \(messageColumns) FROM sqs_messages WHERE queue_id = ? AND message_key > ? ORDER BY message_key LIMIT 500
                """, arguments: [queue.id, after]).map(message)
            candidates += page
            chosen = ReceivePlan.fifo(candidates.map { .init(key: $0.key, group: $0.groupID, visibleAt: $0.visibleAt, receiveCount: $0.receiveCount) },
                                      blockedGroups: blocked, now: now, max: max)
            guard chosen.count < max, let last = page.last else { break }
            after = last.key
        }
        let byKey = Dictionary(uniqueKeysWithValues: candidates.map { ($0.key, $0) })
        return chosen.compactMap { byKey[$0] }
    }

    static func move(_ db: any SQLConnection, _ message: StoredMessage, to target: QueueRecord, now: Int64, keepReceives: Bool, source: String?) throws {
        try db.execute(sql: "DELETE FROM sqs_messages WHERE message_key = ?", arguments: [message.key])
        let copy = NewMessage(messageID: message.messageID, body: message.body, attributes: message.attributes, traceHeader: message.traceHeader,
                              delaySeconds: 0, groupID: message.groupID, deduplicationID: nil, senderID: message.senderID)
        _ = try insert(db, copy, queue: target, now: now, sentAt: message.sentAt,
                       receiveCount: keepReceives ? message.receiveCount : 0, deadLetterSource: source)
        if keepReceives, message.firstReceivedAt > 0 {
            try db.execute(sql: "UPDATE sqs_messages SET first_received_at = ? WHERE queue_id = ? AND message_id = ?",
                           arguments: [message.firstReceivedAt, target.id, message.messageID])
        }
    }

    public enum HandleOutcome: Sendable, Equatable {
        /// Deleted, or changed.
        case done
        /// The message is gone (or, with a strict handle, was received again or its visibility
        /// ended): nothing happened.
        case stale
        /// The handle is current but the message is not in flight.
        case notInFlight
        /// ChangeMessageVisibility past 12 hours from the receive.
        case beyondLimit
    }

    /// `strict` (FIFO queues): the handle must be the message's latest receive, still in flight.
    /// Otherwise any receipt handle of the message deletes it, as standard queues do.
    public func delete(_ handle: ReceiptHandle, queueID: Int64, strict: Bool, now: Int64) throws -> HandleOutcome {
        try store.database.write { db in
            guard handle.queueID == queueID else { return .stale }
            if strict {
                try db.execute(sql: "DELETE FROM sqs_messages WHERE message_key = ? AND queue_id = ? AND receive_count = ? AND visible_at > ?",
                               arguments: [handle.messageKey, queueID, handle.receiveCount, now])
            } else {
                try db.execute(sql: "DELETE FROM sqs_messages WHERE message_key = ? AND queue_id = ?", arguments: [handle.messageKey, queueID])
            }
            return db.changesCount == 1 ? .done : .stale
        }
    }

    public func changeVisibility(_ handle: ReceiptHandle, queueID: Int64, seconds: Int, now: Int64, strict: Bool) throws -> HandleOutcome {
        try store.database.write { db in
            guard handle.queueID == queueID,
                  let row = try db.fetchOne(sql: "SELECT receive_count, visible_at, received_at FROM sqs_messages WHERE message_key = ? AND queue_id = ?",
                                             arguments: [handle.messageKey, queueID]),
                  !strict || (row["receive_count"] as Int) == handle.receiveCount else { return .stale }
            guard (row["visible_at"] as Int64) > now else { return .notInFlight }
            guard ReceivePlan.visibilityChangeAllowed(receivedAt: row["received_at"], now: now, seconds: seconds) else { return .beyondLimit }
            try db.execute(sql: "UPDATE sqs_messages SET visible_at = ? WHERE message_key = ?",
                           arguments: [now + Int64(seconds) * 1000, handle.messageKey])
            return .done
        }
    }

    /// Deletes messages older than their queue's retention period and expired deduplication
    /// ids; answers how many messages went.
    public func expire(now: Int64) throws -> Int {
        try store.database.write { db in
            let queues = try db.fetchAll(sql: "SELECT \(Self.queueColumns) FROM sqs_queues").map(Self.queue)
            var removed = 0
            for queue in queues {
                try db.execute(sql: "DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at < ?",
                               arguments: [queue.id, now - Int64(queue.settings.messageRetentionPeriod) * 1000])
                removed += db.changesCount
            }
            try db.execute(sql: "DELETE FROM sqs_deduplication WHERE expires_at <= ?", arguments: [now])
            return removed
        }
    }

    // MARK: Move tasks

    public func insertMoveTask(_ task: MoveTaskRecord) throws {
        try store.database.write { db in
            try db.execute(sql: """
                INSERT INTO sqs_move_tasks (task_handle, source_arn, destination_arn, max_per_second, status, moved, to_move, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [task.handle, task.sourceArn, task.destinationArn, task.maxPerSecond, task.status, task.moved, task.toMove, task.startedAt])
        }
    }

    static func moveTask(_ row: SQLRow) -> MoveTaskRecord {
        MoveTaskRecord(handle: row["task_handle"], sourceArn: row["source_arn"], destinationArn: row["destination_arn"],
                       maxPerSecond: row["max_per_second"], status: row["status"], moved: row["moved"], toMove: row["to_move"],
                       startedAt: row["started_at"], failureReason: row["failure_reason"])
    }

    public func moveTasks(sourceArn: String) throws -> [MoveTaskRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC, task_handle",
                             arguments: [sourceArn]).map(Self.moveTask)
        }
    }

    public func moveTasks(status: String) throws -> [MoveTaskRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM sqs_move_tasks WHERE status = ? ORDER BY started_at, task_handle",
                             arguments: [status]).map(Self.moveTask)
        }
    }

    public func moveTask(handle: String) throws -> MoveTaskRecord? {
        try store.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM sqs_move_tasks WHERE task_handle = ?", arguments: [handle]).map(Self.moveTask)
        }
    }

    public func setMoveTask(handle: String, status: String, failureReason: String? = nil) throws {
        try store.database.write { db in
            try db.execute(sql: "UPDATE sqs_move_tasks SET status = ?, failure_reason = ? WHERE task_handle = ?",
                           arguments: [status, failureReason, handle])
        }
    }

    /// Moves up to `limit` visible messages of `source` to `destination` (or each to the
    /// queue it was dead-lettered from), counting them on the task; answers how many moved.
    public func moveMessages(task: String, source: QueueRecord, destination: QueueRecord?, limit: Int, now: Int64,
                             resolve: (String) throws -> QueueRecord?) throws -> Int {
        try store.database.write { db in
            let messages = try db.fetchAll(sql: """
                SELECT \(Self.messageColumns) FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? ORDER BY message_key LIMIT ?
                """, arguments: [source.id, now, limit]).map(Self.message)
            var moved = 0
            for message in messages {
                guard let target = try destination ?? message.deadLetterSource.flatMap(resolve) else { continue }
                try Self.move(db, message, to: target, now: now, keepReceives: false, source: nil)
                moved += 1
            }
            try db.execute(sql: "UPDATE sqs_move_tasks SET moved = moved + ? WHERE task_handle = ?", arguments: [moved, task])
            return moved
        }
    }

    // MARK: Encoding

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
