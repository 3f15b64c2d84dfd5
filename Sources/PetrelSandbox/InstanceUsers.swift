import Synchronization

/// The uids instances run as when Petrel runs as root: one of its own for each live instance,
/// so the kernel tells instances apart. The Runtime API admits only sockets its instance's uid
/// made (`RuntimeAPIPeers`), and another instance's processes are not the function's to read
/// (/proc/<pid>/environ) even where a /proc would show them. Pure: unit-tested.
///
/// Round robin over the range, skipping uids in use: a uid comes back only after every other
/// one of the range has been handed out since, long after its instance's processes are gone.
public struct InstanceUsers: Sendable, Equatable {
    public let range: Range<Int>
    private(set) var cursor: Int
    private(set) var inUse: Set<Int> = []

    public init(range: Range<Int>) {
        self.range = range
        self.cursor = range.lowerBound
    }

    /// A free uid; nil when every uid of the range belongs to a live instance.
    public mutating func allocate() -> Int? {
        guard inUse.count < range.count else { return nil }
        while inUse.contains(cursor) { advance() }
        let uid = cursor
        inUse.insert(uid)
        advance()
        return uid
    }

    public mutating func release(_ uid: Int) {
        inUse.remove(uid)
    }

    private mutating func advance() {
        cursor = cursor + 1 < range.upperBound ? cursor + 1 : range.lowerBound
    }
}

/// `InstanceUsers` shared by the launches of one launcher.
final class InstanceUserPool: Sendable {
    private let users: Mutex<InstanceUsers>

    init(range: Range<Int>) {
        users = Mutex(InstanceUsers(range: range))
    }

    /// A uid for a new instance, and the one-shot that gives it back (safe to call twice:
    /// `destroy` is idempotent, and a uid given back twice could be handed to two instances).
    func take() throws -> (uid: Int, giveBack: @Sendable () -> Void) {
        guard let uid = users.withLock({ $0.allocate() }) else {
            throw SandboxError("Every uid of the instances' range is in use: raise SandboxOptions.instanceUsers.")
        }
        let once = Once()
        return (uid, { [self] in
            if once.first() { users.withLock { $0.release(uid) } }
        })
    }

    private final class Once: Sendable {
        private let done = Mutex(false)
        /// True the first time only.
        func first() -> Bool { done.withLock { done in defer { done = true }; return !done } }
    }
}
