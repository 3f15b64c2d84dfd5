import PetrelStore

/// Where a stream mapping's consumers may run. On one node (SQLite) there is no claim: every
/// enabled mapping runs on it, as it always did. In a cluster (several nodes on one PostgreSQL
/// database) each stream mapping runs on the one node that holds its claim (PetrelServer's
/// `ClusterMappingClaims`: a lease per mapping, spread over the nodes), and every checkpoint
/// it writes is fenced by that claim, so a node that lost it cannot move the checkpoint.
public protocol MappingClaims: Sendable {
    /// Runs `body` while this node holds `uuid`'s claim, with the fence its checkpoint writes
    /// must pass; cancels `body` when the claim is lost, then waits to hold it again. Returns
    /// when cancelled, giving the claim up.
    func whileClaimed(_ uuid: String, _ body: @escaping @Sendable (CheckpointFence) async -> Void) async

    /// How often an idle consumer reads its source again although nothing woke it (a write
    /// committed through another node wakes only that node), and how often the node reads the
    /// mapping list again (another node's Create/Update/Delete only wakes that node).
    var pollInterval: Duration { get }
}

/// Checked in the transaction that moves a checkpoint: `holds` answers false when this node no
/// longer holds the mapping's claim, and the checkpoint write then rolls back.
public struct CheckpointFence: Sendable {
    public let holds: @Sendable (any SQLConnection) throws -> Bool
    /// True once this node hands the claim over to another (it holds more than its share):
    /// the consumers stop after their next checkpoint, so the new holder repeats nothing.
    public let handingOver: @Sendable () -> Bool

    public init(holds: @escaping @Sendable (any SQLConnection) throws -> Bool, handingOver: @escaping @Sendable () -> Bool = { false }) {
        self.holds = holds
        self.handingOver = handingOver
    }
}

/// A checkpoint write its fence refused: the mapping's claim moved to another node (or
/// expired), so this node's consumers of the mapping must stop.
public struct CheckpointFenced: Error, Equatable, CustomStringConvertible {
    public var uuid: String
    public var description: String { "event source mapping \(uuid): this node no longer holds its claim; the checkpoint was not moved" }
}

/// What a consumer running under a claim carries: the fence for its checkpoint writes, how
/// often to read its source when idle, and the signal it fires when its fence refuses a write
/// (every consumer of the mapping on this node then stops).
struct ConsumerClaim: Sendable {
    let fence: CheckpointFence
    let pollInterval: Duration
    let lost = OneShot()
}
