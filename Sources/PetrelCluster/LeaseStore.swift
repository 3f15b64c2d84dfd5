import PetrelStore

/// A fenced write found its lease gone: another node (or a later incarnation of this one)
/// holds it now, or it expired. The transaction it was checked in rolls back.
public struct LeaseLost: Error, CustomStringConvertible, Equatable {
    public var name: String
    public var token: Int64
    public var description: String { "lease \(name) (token \(token)) is no longer held by this node" }
}

/// Leases in the `leases` table: every decision is `LeaseRules`' on the row read in the same
/// write transaction, against the database's clock.
public struct LeaseStore: Sendable {
    public let database: any SQLDatabase
    public let durationMs: Int64

    public init(database: any SQLDatabase, durationMs: Int64) {
        self.database = database
        self.durationMs = durationMs
    }

    /// Takes `name` for `node` when free or expired; nil when another node holds it.
    public func acquire(_ name: String, node: String) async throws -> LeaseHold? {
        let duration = durationMs
        return try await database.write { db in
            let now = try db.databaseNowMillis()
            let current = try Self.row(db, name)
            switch LeaseRules.acquire(name, current: current, node: node, now: now, durationMs: duration) {
            case .heldElsewhere:
                return nil
            case .acquired(let record):
                try db.execute(sql: """
                    INSERT INTO leases (name, holder, expires_at, token, acquired_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
                        token = excluded.token, acquired_at = excluded.acquired_at
                    """, arguments: [name, record.holder, record.expiresAt, record.token, now])
                return LeaseHold(name: name, node: node, token: record.token)
            }
        }
    }

    /// Extends `hold`; false when it was lost (the guarded work must stop).
    public func renew(_ hold: LeaseHold) async throws -> Bool {
        let duration = durationMs
        return try await database.write { db in
            let now = try db.databaseNowMillis()
            switch LeaseRules.renew(current: try Self.row(db, hold.name), hold: hold, now: now, durationMs: duration) {
            case .lost:
                return false
            case .renewed(let record):
                try db.execute(sql: "UPDATE leases SET expires_at = ? WHERE name = ? AND token = ?",
                               arguments: [record.expiresAt, hold.name, hold.token])
                return true
            }
        }
    }

    /// Lets `hold` go at once (a clean shutdown), so another node need not wait for the expiry.
    /// Synchronous: it runs while the node's tasks are being cancelled.
    public func release(_ hold: LeaseHold) throws {
        try database.write { db in
            let now = try db.databaseNowMillis()
            guard let record = LeaseRules.release(current: try Self.row(db, hold.name), hold: hold, now: now) else { return }
            try db.execute(sql: "UPDATE leases SET holder = NULL, expires_at = ? WHERE name = ? AND token = ?",
                           arguments: [record.expiresAt, hold.name, hold.token])
        }
    }

    /// Every lease with the database's clock now.
    public func all() throws -> (now: Int64, leases: [LeaseRecord]) {
        try database.read { db in
            let now = try db.databaseNowMillis()
            let rows = try db.fetchAll(sql: "SELECT name, holder, expires_at, token FROM leases ORDER BY name")
            return (now, rows.map { row in
                LeaseRecord(name: row["name"], holder: row["holder"], expiresAt: row["expires_at"], token: row["token"])
            })
        }
    }

    /// The fencing check, for use inside a write transaction: throws `LeaseLost` unless
    /// `hold` still holds its lease, so the transaction's other writes (a checkpoint, a
    /// schedule's next fire time) roll back with it. On PostgreSQL the lease row is read
    /// `FOR SHARE`: a takeover's UPDATE of it waits for this transaction to end, then fails
    /// with a serialization error and runs again, so the stale commit and the takeover are
    /// strictly ordered. On SQLite writes are serial already.
    public static func assertHeld(_ db: any SQLConnection, _ hold: LeaseHold) throws {
        let now = try db.databaseNowMillis()
        guard LeaseRules.isHeld(try row(db, hold.name, lock: true), by: hold, now: now) else {
            throw LeaseLost(name: hold.name, token: hold.token)
        }
    }

    static func row(_ db: any SQLConnection, _ name: String, lock: Bool = false) throws -> LeaseRecord? {
        let suffix = lock && db.dialect == .postgres ? " FOR SHARE" : ""
        guard let row = try db.fetchOne(sql: "SELECT name, holder, expires_at, token FROM leases WHERE name = ?" + suffix,
                                        arguments: [name]) else { return nil }
        return LeaseRecord(name: row["name"], holder: row["holder"], expiresAt: row["expires_at"], token: row["token"])
    }
}
