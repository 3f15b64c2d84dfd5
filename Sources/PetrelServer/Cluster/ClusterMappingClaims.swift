import PetrelCluster
import PetrelEvents

/// Event-source mappings in a cluster (docs/cluster.md): each stream mapping is read by the node
/// holding its lease (`esm:<uuid>`), the leases spread over the live nodes (`LeaseGroup`), and
/// every checkpoint write checks the lease's token in its own transaction
/// (`LeaseStore.assertHeld`), so a node that lost a mapping cannot move its checkpoint.
struct ClusterMappingClaims: MappingClaims {
    let node: ClusterNode
    let group = LeaseGroup(name: "event-source-mappings")

    /// Idle consumers read their source, and the node reads the mapping list, this often.
    var pollInterval: Duration { .milliseconds(500) }

    func whileClaimed(_ uuid: String, _ body: @escaping @Sendable (CheckpointFence) async -> Void) async {
        await node.whileHolding(ClusterLeases.eventSourceMapping(uuid), in: group) { hold, handover in
            await body(CheckpointFence(holds: { db in
                do {
                    try LeaseStore.assertHeld(db, hold)
                    return true
                } catch is LeaseLost {
                    return false
                }
            }, handingOver: { handover.requested }))
        }
    }
}
