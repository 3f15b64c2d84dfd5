import Foundation
import Logging
import PetrelCore
import PetrelEventBridge
import PetrelIdentity
import PetrelObjects
import PetrelQueues

/// The SQS and EventBridge ends of S3 event notifications: checks a queue destination as S3
/// does, sends the `s3:TestEvent`, and drains the object store's event outbox (the messages an
/// object change stored in its own transaction) to the queues and the default bus — right after
/// each commit, every second, and at start for what a crash left. Every node drains (a claim
/// keeps two from taking one message), so delivery is at least once, as S3's.
final class S3EventDestinations: Sendable {
    let objects: ObjectStore
    let queues: QueueService
    let queueStore: QueueStore
    let events: EventBridgeService
    let account: Account
    let logger: Logger
    /// Signalled (channel 0) by the object store after a commit that queued notifications.
    let wakeups: Wakeups

    init(objects: ObjectStore, queues: QueueService, queueStore: QueueStore, events: EventBridgeService, account: Account,
         wakeups: Wakeups, logger: Logger) {
        self.objects = objects
        self.queues = queues
        self.queueStore = queueStore
        self.events = events
        self.account = account
        self.wakeups = wakeups
        self.logger = logger
    }

    // MARK: Validation

    /// Why S3 could not validate `queueArn` as a destination for `bucket` (AWS's wording), or nil.
    func problem(queueArn: String, bucket: BucketRecord) -> String? {
        guard let address = QueueAddress(arn: queueArn), let queue = try? queueStore.queue(address) else {
            return "The destination queue does not exist"
        }
        if address.region != bucket.region {
            return "The notification destination service region is not valid for the bucket location constraint"
        }
        if queue.settings.fifo {
            return "FIFO queues are not supported as S3 event notification destinations; use a standard queue"
        }
        if !allowsS3(queueArn: address.arn, bucket: bucket.name) {
            return "Permissions on the destination queue do not allow S3 to publish notifications from this bucket (the queue policy must allow the principal {\"Service\":\"s3.amazonaws.com\"} sqs:SendMessage with aws:SourceArn arn:aws:s3:::\(bucket.name))"
        }
        return nil
    }

    /// Whether the queue's policy lets `s3.amazonaws.com` send messages for `bucket` (its ARN as
    /// `aws:SourceArn`, the account as `aws:SourceAccount`). No policy: no.
    func allowsS3(queueArn: String, bucket: String) -> Bool {
        QueuePolicies(queues: queues).allowsService(principal: "s3.amazonaws.com", queueArn: queueArn,
                                                    sourceArn: "arn:aws:s3:::\(bucket)", sourceAccount: account.id)
    }

    /// The message S3 sends a queue when a configuration names it.
    func sendTestEvent(to queueArn: String, bucket: BucketRecord, requestID: String) {
        let body: JSONValue = .object([
            "Service": .string("Amazon S3"), "Event": .string("s3:TestEvent"), "Time": .string(HTTPDate.iso8601(Date())),
            "Bucket": .string(bucket.name), "RequestId": .string(requestID), "HostId": .string(requestID),
        ])
        do {
            try queues.send(toQueueArn: queueArn, body: ObjectEvent.jsonText(body), senderID: "s3.amazonaws.com")
        } catch {
            logger.warning("Could not send the s3:TestEvent of bucket \(bucket.name) to \(queueArn): \(error)")
        }
    }

    // MARK: Outbox

    func wake() { wakeups.signal(0) }

    /// Drains the outbox until cancelled.
    func run() async {
        while !Task.isCancelled {
            let seen = wakeups.generation(0)
            while drain() > 0, !Task.isCancelled {}
            await wakeups.wait(0, seen: seen, until: .now + .seconds(1))
        }
    }

    /// Delivers one batch; answers how many messages it took.
    @discardableResult
    func drain() -> Int {
        let batch: [OutboxMessage]
        do { batch = try objects.claimOutbox(limit: 100) } catch {
            logger.error("Could not read the S3 event outbox: \(error)")
            return 0
        }
        for message in batch where deliver(message) {
            do { try objects.removeOutbox(message.id) } catch {
                logger.error("Could not remove delivered S3 event \(message.id) from the outbox (it will be sent again): \(error)")
            }
        }
        return batch.count
    }

    /// Sends one message; false when it should be tried again (its claim runs out, then it is).
    func deliver(_ message: OutboxMessage) -> Bool {
        switch message.kind {
        case .queue:
            do {
                try queues.send(toQueueArn: message.target, body: message.body, senderID: "s3.amazonaws.com")
            } catch let error as AWSError where error.code == "QueueDoesNotExist" {
                // S3 drops events for a queue deleted after the configuration named it.
                logger.warning("S3 event for \(message.target) dropped: the queue does not exist")
            } catch {
                logger.warning("Could not send an S3 event to \(message.target) (retried): \(error)")
                return false
            }
        case .eventBridge:
            guard let detail = try? JSONDecoder().decode(JSONValue.self, from: Data(message.body.utf8)) else { return true }
            let bucket = detail["bucket"]?["name"]?.stringValue ?? ""
            let event = EventBridgeService.event(source: "aws.s3", detailType: message.target, detail: detail,
                                                 resources: ["arn:aws:s3:::\(bucket)"], time: message.time,
                                                 account: account.id, region: message.region)
            events.emit(event, region: message.region)
        }
        return true
    }
}
