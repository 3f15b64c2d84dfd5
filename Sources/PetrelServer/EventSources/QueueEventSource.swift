import Foundation
import PetrelCore
import PetrelEvents
import PetrelQueues

/// An SQS queue as the event-source engine's `QueueSource`, through the queue service's own
/// ReceiveMessage (long polling woken by sends) and DeleteMessageBatch.
struct QueueEventSource: QueueSource {
    let queues: QueueService
    let address: QueueAddress

    var arn: String { address.arn }
    var isFifo: Bool { address.isFifo }
    var region: String { address.region }
    var url: String { address.url(host: "localhost") }
    var context: QueueRequestContext {
        QueueRequestContext(account: address.account, region: address.region, host: "localhost", senderID: address.account)
    }

    /// Whether the queue exists (asked through GetQueueAttributes, not by an error's code).
    func exists() async -> Bool {
        let input = SQSInput(.object(["QueueUrl": .string(url), "AttributeNames": .array([.string("QueueArn")])]))
        return (try? await queues.handle("GetQueueAttributes", input, context: context)) != nil
    }

    func receive(max: Int, wait: Duration) async throws(EventSourceError) -> [QueueMessage] {
        // Whole seconds, as ReceiveMessage takes them: a window's last fraction waits a second.
        let seconds = Swift.min(20, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
        let input = SQSInput(.object([
            "QueueUrl": .string(url), "MaxNumberOfMessages": .number(Double(Swift.max(1, Swift.min(10, max)))),
            "WaitTimeSeconds": .number(Double(seconds)), "MessageSystemAttributeNames": .array([.string("All")]),
            "MessageAttributeNames": .array([.string("All")]),
        ]))
        let answer: JSONValue
        do {
            answer = try await queues.handle("ReceiveMessage", input, context: context)
        } catch {
            if await !exists() { throw EventSourceError.notFound(arn) }
            throw EventSourceError.unavailable("\(error)")
        }
        guard case .array(let messages)? = answer["Messages"] else { return [] }
        return messages.compactMap(Self.message)
    }

    static func message(_ m: JSONValue) -> QueueMessage? {
        guard let id = m["MessageId"]?.stringValue, let handle = m["ReceiptHandle"]?.stringValue, let body = m["Body"]?.stringValue else { return nil }
        var attributes: [String: String] = [:]
        if case .object(let members)? = m["Attributes"] {
            for (name, value) in members { if let s = value.stringValue { attributes[name] = s } }
        }
        var messageAttributes: [String: QueueMessageAttribute] = [:]
        if case .object(let members)? = m["MessageAttributes"] {
            for (name, value) in members {
                messageAttributes[name] = QueueMessageAttribute(dataType: value["DataType"]?.stringValue ?? "String",
                                                                stringValue: value["StringValue"]?.stringValue,
                                                                binaryValue: value["BinaryValue"]?.stringValue)
            }
        }
        return QueueMessage(messageID: id, receiptHandle: handle, body: body, md5OfBody: m["MD5OfBody"]?.stringValue ?? "",
                            attributes: attributes, messageAttributes: messageAttributes)
    }

    func delete(_ receiptHandles: [String]) async throws(EventSourceError) {
        var start = 0
        while start < receiptHandles.count {
            let slice = receiptHandles[start..<Swift.min(start + 10, receiptHandles.count)]
            let entries: [JSONValue] = slice.enumerated().map { i, handle in
                .object(["Id": .string("m\(i)"), "ReceiptHandle": .string(handle)])
            }
            let input = SQSInput(.object(["QueueUrl": .string(url), "Entries": .array(entries)]))
            do {
                _ = try await queues.handle("DeleteMessageBatch", input, context: context)
            } catch {
                throw EventSourceError.unavailable("\(error)")
            }
            start += 10
        }
    }
}
