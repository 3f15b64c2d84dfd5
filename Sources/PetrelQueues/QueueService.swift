import Foundation
import Logging
import PetrelCore
import PetrelStore

/// Who asks and how they reached us: the account and region (from the signature) and the
/// Host the client used, which queue URLs are built on.
public struct QueueRequestContext: Sendable {
    public var account: String
    public var region: String
    public var host: String
    /// What `SenderId` shows on messages this request sends.
    public var senderID: String

    public init(account: String, region: String, host: String, senderID: String) {
        self.account = account
        self.region = region
        self.host = host
        self.senderID = senderID
    }
}

/// The SQS-compatible queue service: operations over `QueueStore`, long polls woken by
/// `QueueWakeups`, and a background loop for retention and message move tasks.
public final class QueueService: Sendable {
    let store: QueueStore
    let wakeups = QueueWakeups()
    let logger: Logger
    /// Epoch milliseconds; injected so tests decide what time it is.
    let now: @Sendable () -> Int64
    /// A wake-up for the background loop (a move task started or cancelled); queue id -1.
    static let tasksChannel: Int64 = -1
    static let purgeCooldownMs: Int64 = 60_000

    public init(store: Store, logger: Logger, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = QueueStore(store: store)
        self.logger = logger
        self.now = now
    }

    /// Every operation of botocore's `sqs` model.
    public static let operations: Set<String> = [
        "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "CreateQueue",
        "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
        "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage",
        "SendMessageBatch", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
    ]

    /// Runs one operation: `input` in the JSON protocol's shape, the answer likewise.
    public func handle(_ operation: String, _ input: SQSInput, context: QueueRequestContext) async throws -> JSONValue {
        switch operation {
        case "CreateQueue": return try createQueue(input, context)
        case "GetQueueUrl": return try getQueueUrl(input, context)
        case "ListQueues": return try listQueues(input, context)
        case "DeleteQueue": return try deleteQueue(input, context)
        case "PurgeQueue": return try purgeQueue(input, context)
        case "GetQueueAttributes": return try getQueueAttributes(input, context)
        case "SetQueueAttributes": return try setQueueAttributes(input, context)
        case "TagQueue": return try tagQueue(input, context)
        case "UntagQueue": return try untagQueue(input, context)
        case "ListQueueTags": return try listQueueTags(input, context)
        case "AddPermission": return try addPermission(input, context)
        case "RemovePermission": return try removePermission(input, context)
        case "ListDeadLetterSourceQueues": return try listDeadLetterSourceQueues(input, context)
        case "SendMessage": return try sendMessage(input, context)
        case "SendMessageBatch": return try sendMessageBatch(input, context)
        case "ReceiveMessage": return try await receiveMessage(input, context)
        case "DeleteMessage": return try deleteMessage(input, context)
        case "DeleteMessageBatch": return try deleteMessageBatch(input, context)
        case "ChangeMessageVisibility": return try changeMessageVisibility(input, context)
        case "ChangeMessageVisibilityBatch": return try changeMessageVisibilityBatch(input, context)
        case "StartMessageMoveTask": return try startMessageMoveTask(input, context)
        case "ListMessageMoveTasks": return try listMessageMoveTasks(input, context)
        case "CancelMessageMoveTask": return try cancelMessageMoveTask(input, context)
        default:
            throw AWSError("UnknownOperationException", status: 400, "Unknown operation \(operation). Petrel's SQS serves: \(Self.operations.sorted().joined(separator: ", ")).")
        }
    }

    /// The queue a request's `QueueUrl` names.
    func queue(_ input: SQSInput, _ context: QueueRequestContext) throws -> QueueRecord {
        let url = try input.required("QueueUrl")
        guard let address = QueueAddress.parse(url: url, account: context.account, region: context.region),
              let queue = try store.queue(address) else {
            throw QueueError.queueDoesNotExist()
        }
        return queue
    }

    func queue(arn: String) throws -> QueueRecord? {
        guard let address = QueueAddress(arn: arn) else { return nil }
        return try store.queue(address)
    }

    /// The queue's `Policy` attribute (its resource-based policy, as set), nil when the queue
    /// has none or does not exist.
    public func policy(queueARN: String) throws -> String? {
        try queue(arn: queueARN)?.settings.policy
    }

    /// Answers every parked long poll now, and every later one at once (the server is
    /// shutting down).
    public func closeLongPolls() { wakeups.close() }

    /// Retention (every 60 s) and message move tasks, until cancelled (graceful shutdown);
    /// then parked long polls are answered at once.
    public func run() async {
        defer { wakeups.close() }
        var lastExpiry: Int64 = 0
        while !Task.isCancelled {
            // Closed by the shutdown's first signal: every wait would return at once, so this
            // loop would spin (and starve the event loops in-flight requests need) until its
            // turn to be cancelled. Sleep until then instead.
            if wakeups.isClosed {
                try? await Task.sleep(for: .seconds(3600))
                continue
            }
            let seen = wakeups.generation(Self.tasksChannel)
            let now = now()
            if now - lastExpiry >= 60_000 {
                lastExpiry = now
                do { _ = try store.expire(now: now) } catch { logger.error("SQS retention sweep failed: \(error)") }
            }
            let busy = runMoveTasks(now: now)
            let pause: Duration = busy ? .seconds(1) : .seconds(60)
            await wakeups.wait(Self.tasksChannel, seen: seen, until: .now + pause)
        }
    }
}
