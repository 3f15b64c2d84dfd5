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

    /// Whether the queue's policy lets an AWS service (`s3.amazonaws.com`, `events.amazonaws.com`)
    /// perform `action` on the queue, with `aws:SourceArn` (the bucket, the rule) and
    /// `aws:SourceAccount` as the service would send them. What S3 checks before accepting a
    /// notification configuration that names the queue, and EventBridge before delivering.
    func allowsService(principal: String, action: String = "sqs:SendMessage", queueArn: String,
                       sourceArn: String?, sourceAccount: String?) -> Bool {
        ServiceGrant.allows(service: principal, action: action, resource: queueArn, resourceAccount: Self.account(ofQueueArn: queueArn),
                            sourceArn: sourceArn, sourceAccount: sourceAccount, policies: resourcePolicies(queueARN: queueArn))
    }

    /// The account in `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    static func account(ofQueueArn arn: String) -> String {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 6 ? String(parts[4]) : ""
    }
}
