import Foundation
import PetrelCore

/// Sending from inside Petrel (Lambda destinations, dead-letter queues of functions): the
/// same validation and commit as SendMessage, addressed by ARN.
extension QueueService {
    /// Sends `body` to the queue `arn` names; answers the message id. Throws
    /// `QueueDoesNotExist` when there is no such queue.
    @discardableResult
    public func send(toQueueArn arn: String, body: String, attributes: [String: MessageAttributeValue] = [:],
                     groupID: String? = nil, senderID: String) throws -> String {
        guard let queue = try queue(arn: arn) else { throw QueueError.queueDoesNotExist() }
        var entry: [String: JSONValue] = ["MessageBody": .string(body)]
        if !attributes.isEmpty {
            entry["MessageAttributes"] = .object(attributes.mapValues { value in
                var v: [String: JSONValue] = ["DataType": .string(value.dataType)]
                if let s = value.stringValue { v["StringValue"] = .string(s) }
                if let b = value.binaryValue { v["BinaryValue"] = .string(b.base64EncodedString()) }
                return .object(v)
            })
        }
        if queue.settings.fifo {
            entry["MessageGroupId"] = .string(groupID ?? "default")
            entry["MessageDeduplicationId"] = .string(UUID().uuidString)
        }
        let context = QueueRequestContext(account: queue.address.account, region: queue.address.region, host: "", senderID: senderID)
        let prepared = try prepare(SQSInput(.object(entry)), queue: queue, context: context)
        let sent = try store.send([prepared.message], to: queue, now: now())
        wakeups.signal(queue.id)
        return sent[0].messageID
    }
}
