import Synchronization

/// SubscribeToShard's bookkeeping on one node: at most one open subscription per consumer and
/// shard, and AWS's rule that the same consumer may subscribe to the same shard again only 5
/// seconds after its last successful call (ResourceInUseException before). A new subscription
/// replaces an open one, which ends at its next look (`isCurrent`).
final class SubscriptionRegistry: Sendable {
    struct Key: Hashable, Sendable {
        var consumerARN: String
        var shardIndex: Int
    }

    struct Entry: Sendable {
        var ticket: UInt64
        var startedMs: Int64
        var streamID: Int64
        var open: Bool
    }

    struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var nextTicket: UInt64 = 0
        var closed = false
    }

    static let resubscribeMs: Int64 = 5_000

    private let state = Mutex(State())

    /// Whether a subscription started at `lastStartMs` (nil: none) lets another start at `nowMs`. Pure.
    static func admits(lastStartMs: Int64?, nowMs: Int64) -> Bool {
        guard let last = lastStartMs else { return true }
        return nowMs - last >= resubscribeMs || nowMs < last
    }

    /// Starts a subscription: its ticket, or nil when the last one of this consumer and shard
    /// started less than 5 seconds ago (or the server is shutting down).
    func begin(_ key: Key, streamID: Int64, nowMs: Int64) -> UInt64? {
        state.withLock { s -> UInt64? in
            guard !s.closed, Self.admits(lastStartMs: s.entries[key]?.startedMs, nowMs: nowMs) else { return nil }
            // Forget what can no longer refuse anything, so the table stays as small as what is open.
            s.entries = s.entries.filter { $0.value.open || nowMs - $0.value.startedMs < Self.resubscribeMs }
            s.nextTicket += 1
            s.entries[key] = Entry(ticket: s.nextTicket, startedMs: nowMs, streamID: streamID, open: true)
            return s.nextTicket
        }
    }

    /// Whether the subscription with `ticket` should go on (not replaced, not shut down).
    func isCurrent(_ key: Key, ticket: UInt64) -> Bool {
        state.withLock { !$0.closed && $0.entries[key]?.ticket == ticket }
    }

    func end(_ key: Key, ticket: UInt64) {
        state.withLock { s in
            if s.entries[key]?.ticket == ticket { s.entries[key]?.open = false }
        }
    }

    /// Ends every subscription (graceful shutdown): answers the streams whose readers to wake.
    func close() -> Set<Int64> {
        state.withLock { s in
            s.closed = true
            return Set(s.entries.values.filter(\.open).map(\.streamID))
        }
    }
}
