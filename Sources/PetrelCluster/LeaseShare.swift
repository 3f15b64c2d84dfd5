/// How many leases of one group (work with many instances, such as event-source mappings) a
/// node may hold so that the group spreads over the live nodes. Pure: a function of the
/// group's size, the live nodes and what this node holds.
public enum LeaseShare {
    /// ceil(total / live nodes): every lease finds a node, and no node takes more than its
    /// share while the others are alive.
    public static func fairShare(total: Int, liveNodes: Int) -> Int {
        let nodes = max(1, liveNodes)
        return (max(0, total) + nodes - 1) / nodes
    }

    /// A node holding `held` of the group may try for one more.
    public static func mayTake(held: Int, total: Int, liveNodes: Int) -> Bool {
        held < fairShare(total: total, liveNodes: liveNodes)
    }

    /// A node holding more than its share (it was alone when it took them; nodes joined since)
    /// lets one go, so a node that joins gets work without waiting for a failure.
    public static func shouldShed(held: Int, total: Int, liveNodes: Int) -> Bool {
        held > fairShare(total: total, liveNodes: liveNodes)
    }
}
