import Foundation
import PetrelStore

/// What an object change queues in its own transaction: an asynchronous invocation (Lambda
/// destinations, straight into the async invocation queue's table), or an outbox message (SQS
/// queues and EventBridge, whose stores other modules own: the server drains the outbox after
/// the commit, and at start for what a crash left). An acknowledged write never loses its events.
public enum QueuedNotification: Sendable, Equatable {
    case invocation(QueuedInvocation)
    case outbox(OutboxMessage)
}

/// A notification waiting in `s3_event_outbox` for delivery.
public struct OutboxMessage: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `target` is the queue's ARN, `body` the message body (the S3 event record).
        case queue
        /// `target` is the detail-type, `body` the detail, sent to the region's default bus.
        case eventBridge = "events"
    }

    /// The row's id (0 until stored).
    public var id: Int64
    public var kind: Kind
    public var target: String
    public var region: String
    public var body: String
    public var time: Date

    public init(id: Int64 = 0, kind: Kind, target: String, region: String, body: String, time: Date = Date()) {
        self.id = id
        self.kind = kind
        self.target = target
        self.region = region
        self.body = body
        self.time = time
    }
}

extension ObjectStore {
    static func registerOutboxMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("objects-v3-event-outbox") { db in
            try db.executeScript("""
                CREATE TABLE s3_event_outbox (
                    outbox_id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    target TEXT NOT NULL,
                    region TEXT NOT NULL,
                    body TEXT NOT NULL,
                    event_time REAL NOT NULL,
                    claimed_until REAL NOT NULL DEFAULT 0
                );
                """)
        }
    }

    /// Stores the notifications in the caller's transaction; answers how many there were.
    @discardableResult
    static func queue(_ db: any SQLConnection, _ notifications: [QueuedNotification]) throws -> Int {
        let now = Date().timeIntervalSince1970
        for notification in notifications {
            switch notification {
            case .invocation(let invocation):
                // PetrelInvoker's `lambda_async_invocations`: the event commits with the object.
                try db.execute(sql: """
                    INSERT INTO lambda_async_invocations (request_id, function_name, qualifier, region, payload, not_before, created)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [UUID().uuidString.lowercased(), invocation.functionName, invocation.qualifier, invocation.region,
                                     invocation.payload, now, now])
            case .outbox(let message):
                try db.execute(sql: "INSERT INTO s3_event_outbox (kind, target, region, body, event_time) VALUES (?, ?, ?, ?, ?)",
                               arguments: [message.kind.rawValue, message.target, message.region, message.body,
                                           message.time.timeIntervalSince1970])
            }
        }
        return notifications.count
    }

    /// Claims up to `limit` outbox messages no one else holds, oldest first, for `claimSeconds`
    /// (a node that dies holding them lets them go when the claim runs out).
    public func claimOutbox(limit: Int, claimSeconds: Double = 10, now: Date = Date()) throws(S3Error) -> [OutboxMessage] {
        let t = now.timeIntervalSince1970
        return try write { db in
            let rows = try db.fetchAll(sql: """
                SELECT outbox_id, kind, target, region, body, event_time FROM s3_event_outbox
                WHERE claimed_until < ? ORDER BY outbox_id LIMIT ?
                """, arguments: [t, limit])
            var claimed: [OutboxMessage] = []
            for row in rows {
                let id: Int64 = row["outbox_id"]
                try db.execute(sql: "UPDATE s3_event_outbox SET claimed_until = ? WHERE outbox_id = ? AND claimed_until < ?",
                               arguments: [t + claimSeconds, id, t])
                guard db.changesCount == 1, let kind = OutboxMessage.Kind(rawValue: row["kind"]) else { continue }
                claimed.append(OutboxMessage(id: id, kind: kind, target: row["target"], region: row["region"], body: row["body"],
                                             time: Date(timeIntervalSince1970: row["event_time"])))
            }
            return claimed
        }
    }

    /// Removes a delivered (or undeliverable) outbox message.
    public func removeOutbox(_ id: Int64) throws(S3Error) {
        try write { db in try db.execute(sql: "DELETE FROM s3_event_outbox WHERE outbox_id = ?", arguments: [id]) }
    }

    /// Messages waiting in the outbox.
    public func outboxCount() throws(S3Error) -> Int {
        try read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM s3_event_outbox") ?? 0 }
    }
}
