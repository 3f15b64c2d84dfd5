import Synchronization

/// A group of leases spread over the nodes (`LeaseShare`): every node runs a
/// `ClusterNode.whileHolding(_:in:_:)` loop for each member (so the members on this node are
/// the group's size), and this object keeps count of those it holds, so that taking and
/// shedding decisions of concurrent loops are made one at a time.
public final class LeaseGroup: Sendable {
    public let name: String
    private let state = Mutex<(members: Set<String>, held: Set<String>)>(([], []))

    public init(name: String) {
        self.name = name
    }

    /// The leases of the group this node holds (or is acquiring).
    public var held: Set<String> { state.withLock { $0.held } }
    public var members: Set<String> { state.withLock { $0.members } }

    func join(_ lease: String) { _ = state.withLock { $0.members.insert(lease) } }

    func leave(_ lease: String) {
        state.withLock { s in
            s.members.remove(lease)
            s.held.remove(lease)
        }
    }

    /// Takes a place for `lease` when this node's share allows one more; true: go and acquire it.
    func reserve(_ lease: String, liveNodes: Int) -> Bool {
        state.withLock { s in
            if s.held.contains(lease) { return true }
            guard LeaseShare.mayTake(held: s.held.count, total: s.members.count, liveNodes: liveNodes) else { return false }
            s.held.insert(lease)
            return true
        }
    }

    func unreserve(_ lease: String) { _ = state.withLock { $0.held.remove(lease) } }

    /// True, giving up its place, when this node holds more than its share and `lease` is one
    /// it holds: its loop then releases it for another node.
    func shed(_ lease: String, liveNodes: Int) -> Bool {
        state.withLock { s in
            guard s.held.contains(lease), LeaseShare.shouldShed(held: s.held.count, total: s.members.count, liveNodes: liveNodes) else {
                return false
            }
            s.held.remove(lease)
            return true
        }
    }
}

/// Told to the body of a lease of a group when its node hands the lease over to a node below its
/// share: the body should stop at its next clean point (a mapping's consumers: after their next
/// checkpoint) rather than be cancelled in the middle of its work.
public final class LeaseHandover: Sendable {
    private let flag = Mutex(false)
    public init() {}
    public var requested: Bool { flag.withLock { $0 } }
    func request() { flag.withLock { $0 = true } }
}
