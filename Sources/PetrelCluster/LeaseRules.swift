/// One row of the `leases` table: who holds a named piece of run-once work, until when (the
/// database's clock, ms since 1970), and its fencing token.
public struct LeaseRecord: Sendable, Equatable {
    public var name: String
    /// nil once released.
    public var holder: String?
    public var expiresAt: Int64
    /// Goes up by one on every acquisition, so a write fenced with an older token fails.
    public var token: Int64

    public init(name: String, holder: String?, expiresAt: Int64, token: Int64) {
        self.name = name
        self.holder = holder
        self.expiresAt = expiresAt
        self.token = token
    }
}

/// What a node holds: the lease's name and the token its fenced writes must carry.
public struct LeaseHold: Sendable, Equatable {
    public var name: String
    public var node: String
    public var token: Int64

    public init(name: String, node: String, token: Int64) {
        self.name = name
        self.node = node
        self.token = token
    }
}

/// The lease state machine, pure: every decision is a function of the row, the node asking and
/// the database's clock, so the store only reads the row, asks, and writes what it is told.
public enum LeaseRules {
    public enum Acquisition: Sendable, Equatable {
        /// Write `record`; the caller now holds the lease with `record.token`.
        case acquired(LeaseRecord)
        /// Another node holds it until `expiresAt`.
        case heldElsewhere(holder: String, expiresAt: Int64)
    }

    public enum Renewal: Sendable, Equatable {
        /// Write `record` (the expiry moved on; the token is unchanged).
        case renewed(LeaseRecord)
        /// The caller no longer holds the lease: it expired, was released, or another node
        /// (or a later incarnation of this one) took it. The work it guarded must stop.
        case lost
    }

    /// Anyone may take a lease nobody holds, or one whose expiry passed. Taking it always
    /// raises the token, even when the row names this node already (a restarted process with
    /// the same node id is a new holder: its predecessor's writes must fail).
    public static func acquire(_ name: String, current: LeaseRecord?, node: String, now: Int64, durationMs: Int64) -> Acquisition {
        if let current, let holder = current.holder, holder != node, current.expiresAt > now {
            return .heldElsewhere(holder: holder, expiresAt: current.expiresAt)
        }
        return .acquired(LeaseRecord(name: name, holder: node, expiresAt: now + durationMs, token: (current?.token ?? 0) + 1))
    }

    /// Extends the lease of a holder that still holds it; an expired lease is lost even if no
    /// one took it yet (the holder's work was stopped at the expiry; it must acquire again).
    public static func renew(current: LeaseRecord?, hold: LeaseHold, now: Int64, durationMs: Int64) -> Renewal {
        guard let current, isHeld(current, by: hold, now: now) else { return .lost }
        var next = current
        next.expiresAt = now + durationMs
        return .renewed(next)
    }

    /// The row after `hold` lets the lease go, or nil when it holds nothing to release.
    public static func release(current: LeaseRecord?, hold: LeaseHold, now: Int64) -> LeaseRecord? {
        guard let current, current.holder == hold.node, current.token == hold.token else { return nil }
        var next = current
        next.holder = nil
        next.expiresAt = now
        return next
    }

    /// The fencing check: the row still names this holder and token, and has not expired.
    public static func isHeld(_ current: LeaseRecord?, by hold: LeaseHold, now: Int64) -> Bool {
        guard let current else { return false }
        return current.holder == hold.node && current.token == hold.token && current.expiresAt > now
    }
}
