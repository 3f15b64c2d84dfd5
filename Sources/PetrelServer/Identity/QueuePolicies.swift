import PetrelIdentity
import PetrelQueues

/// Queues' resource-based policies (the `Policy` attribute), evaluated with the caller's own on
/// `sqs:` actions: a queue policy can grant another principal or another account, and its
/// explicit Deny wins over any identity policy. Read on each request (one indexed lookup), so a
/// SetQueueAttributes takes effect on the next call.
struct QueuePolicies: Sendable {
    let queues: QueueService

    func resourcePolicies(queueARN: String) -> [NamedPolicy] {
        guard let text = try? queues.policy(queueARN: queueARN),
              let document = try? QueuePolicy.document(text, queueARN: queueARN) else { return [] }
        let name = queueARN.split(separator: ":").last.map(String.init) ?? queueARN
        return [NamedPolicy(name: "queue policy of \(name)", document: document)]
    }
}
