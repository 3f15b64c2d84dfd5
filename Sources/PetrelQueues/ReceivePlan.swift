/// Which messages a ReceiveMessage takes: pure, over candidates read in queue order. (A
/// standard queue's receive is a range read of visible messages; FIFO needs this plan.)
public enum ReceivePlan {
    public struct Candidate: Sendable, Equatable {
        public var key: Int64
        public var group: String?
        /// Epoch milliseconds from which the message may be received.
        public var visibleAt: Int64
        public var receiveCount: Int

        public init(key: Int64, group: String?, visibleAt: Int64, receiveCount: Int) {
            self.key = key
            self.group = group
            self.visibleAt = visibleAt
            self.receiveCount = receiveCount
        }

        func inFlight(now: Int64) -> Bool { receiveCount > 0 && visibleAt > now }
    }

    /// FIFO queues: `candidates` in send order. A group whose message is in flight
    /// (`blockedGroups`, or met here) gives nothing; otherwise a group gives its messages from
    /// the head while they are visible (a delayed head holds back the rest). As SQS does, one
    /// group's messages are taken first, then the next group's, up to `max`.
    public static func fifo(_ candidates: [Candidate], blockedGroups: Set<String>, now: Int64, max: Int) -> [Int64] {
        var blocked = blockedGroups
        var order: [String] = []
        var taken: [String: [Int64]] = [:]
        for c in candidates {
            let group = c.group ?? ""
            if blocked.contains(group) { continue }
            if c.inFlight(now: now) {
                blocked.insert(group)
                taken[group] = nil
                order.removeAll { $0 == group }
                continue
            }
            if c.visibleAt > now {
                // The group's next message is not visible yet: nothing after it may pass it.
                blocked.insert(group)
                continue
            }
            if taken[group] == nil { order.append(group) }
            taken[group, default: []].append(c.key)
        }
        var out: [Int64] = []
        for group in order {
            for key in taken[group] ?? [] where out.count < max { out.append(key) }
            if out.count >= max { break }
        }
        return out
    }

    /// Whether receiving a message again would exceed its queue's maxReceiveCount, so that it
    /// moves to the dead-letter queue instead (SQS moves it on the receive after the last
    /// allowed one).
    public static func exceedsMaxReceives(receiveCount: Int, maxReceiveCount: Int?) -> Bool {
        guard let maxReceiveCount else { return false }
        return receiveCount >= maxReceiveCount
    }

    /// The window within which a FIFO queue drops a second send with the same deduplication id.
    public static let deduplicationWindowMs: Int64 = 5 * 60 * 1000

    /// The key a deduplication id is remembered under: per queue, or per message group when
    /// `DeduplicationScope` is `messageGroup`.
    public static func deduplicationKey(id: String, group: String?, scope: String) -> String {
        scope == "messageGroup" ? "\(group ?? "")\u{1}\(id)" : id
    }

    /// ChangeMessageVisibility: a message's visibility may reach at most 12 hours after the
    /// receive that made it invisible.
    public static func visibilityChangeAllowed(receivedAt: Int64, now: Int64, seconds: Int) -> Bool {
        (0...43_200).contains(seconds) && now + Int64(seconds) * 1000 - receivedAt <= 43_200 * 1000
    }
}
