import Foundation
import PetrelCore

/// Message operations: send, receive (with long polling), delete, change visibility.
extension QueueService {
    /// One validated message ready to store, with the digests its answer carries.
    struct PreparedSend {
        var message: NewMessage
        var md5Body: String
        var md5Attributes: String?
        var md5System: String?
    }

    func prepare(_ entry: SQSInput, queue: QueueRecord, context: QueueRequestContext) throws -> PreparedSend {
        guard let body = try entry.string("MessageBody"), !body.isEmpty else {
            throw QueueError.missingParameter("MessageBody")
        }
        guard MessageContent.isAllowed(body) else {
            throw QueueError.invalidMessageContents("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
        }
        let attributes = try entry.messageAttributes("MessageAttributes")
        try MessageContent.validate(attributes: attributes)
        let system = try entry.messageAttributes("MessageSystemAttributes")
        for (name, value) in system {
            guard name == "AWSTraceHeader", value.dataType == "String", value.stringValue?.isEmpty == false else {
                throw QueueError.invalidParameter("Message system attribute name '\(name)' is invalid.")
            }
        }
        let size = body.utf8.count + attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
        guard size <= queue.settings.maximumMessageSize else {
            throw QueueError.invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than \(queue.settings.maximumMessageSize) bytes.")
        }
        var delay = queue.settings.delaySeconds
        if let given = try entry.int("DelaySeconds") {
            if queue.settings.fifo {
                // FIFO queues have no per-message delay; 0 is accepted (the queue's delay applies).
                guard given == 0 else {
                    throw QueueError.invalidParameter("DelaySeconds", String(given), reason: "The request include parameter that is not valid for this queue type.")
                }
            } else {
            guard (0...900).contains(given) else {
                throw QueueError.invalidParameter("DelaySeconds", String(given), reason: "DelaySeconds must be >= 0 and <= 900.")
            }
            delay = given
            }
        }
        let group = try entry.string("MessageGroupId")
        var dedup = try entry.string("MessageDeduplicationId")
        for (name, value) in [("MessageGroupId", group), ("MessageDeduplicationId", dedup)] {
            if let value, !Self.isValidFifoID(value) {
                throw QueueError.invalidParameter(name, value, reason: "\(name) can only include alphanumeric and punctuation characters. 1 to 128 in length.")
            }
        }
        if queue.settings.fifo {
            guard group != nil else { throw QueueError.missingParameter("MessageGroupId") }
            if dedup == nil {
                guard queue.settings.contentBasedDeduplication else {
                    throw QueueError.invalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
                }
                dedup = MessageContent.sha256(body: body)
            }
        } else {
            // Standard queues do not deduplicate; the id is accepted and ignored.
            dedup = nil
        }
        let message = NewMessage(messageID: UUID().uuidString.lowercased(), body: body, attributes: attributes,
                                 traceHeader: system["AWSTraceHeader"]?.stringValue, delaySeconds: delay, groupID: group,
                                 deduplicationID: dedup, senderID: context.senderID)
        return PreparedSend(message: message, md5Body: MessageContent.md5(body: body),
                            md5Attributes: MessageContent.md5(attributes: attributes), md5System: MessageContent.md5(attributes: system))
    }

    static func isValidFifoID(_ id: String) -> Bool {
        (1...128).contains(id.count) && id.unicodeScalars.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7E }
    }

    static func sendResult(_ prepared: PreparedSend, _ sent: SentMessage) -> [String: JSONValue] {
        var out: [String: JSONValue] = ["MessageId": .string(sent.messageID), "MD5OfMessageBody": .string(prepared.md5Body)]
        if let md5 = prepared.md5Attributes { out["MD5OfMessageAttributes"] = .string(md5) }
        if let md5 = prepared.md5System { out["MD5OfMessageSystemAttributes"] = .string(md5) }
        if let sequence = sent.sequenceNumber { out["SequenceNumber"] = .string(sequence) }
        return out
    }

    func sendMessage(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let prepared = try prepare(input, queue: queue, context: context)
        let sent = try store.send([prepared.message], to: queue, now: now())
        wakeups.signal(queue.id)
        return .object(Self.sendResult(prepared, sent[0]))
    }

    /// Checks a batch's entries as SQS does before looking at any of them.
    func checkBatch(_ entries: [SQSInput], kind: String) throws -> [String] {
        guard !entries.isEmpty else {
            throw QueueError.make("EmptyBatchRequest", "There should be at least one \(kind) in the request.")
        }
        guard entries.count <= 10 else {
            throw QueueError.make("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent \(entries.count).")
        }
        var ids: [String] = []
        for entry in entries {
            let id = try entry.string("Id") ?? ""
            guard (1...80).contains(id.count), id.unicodeScalars.allSatisfy({ ($0.value < 128 && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" }) else {
                throw QueueError.make("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
            }
            guard !ids.contains(id) else { throw QueueError.make("BatchEntryIdsNotDistinct", "Id \(id) repeated.") }
            ids.append(id)
        }
        return ids
    }

    static func failure(_ id: String, _ error: AWSError) -> JSONValue {
        .object(["Id": .string(id), "SenderFault": .bool(error.isClientFault), "Code": .string(QueueError.queryCode(error.code)),
                 "Message": .string(error.message)])
    }

    func sendMessageBatch(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let entries = try input.list("Entries")
        let ids = try checkBatch(entries, kind: "SendMessageBatchRequestEntry")
        var total = 0
        for entry in entries {
            total += (try entry.string("MessageBody"))?.utf8.count ?? 0
            total += (try? entry.messageAttributes("MessageAttributes"))?.reduce(0) { $0 + $1.value.size(name: $1.key) } ?? 0
        }
        guard total <= 1_048_576 else {
            throw QueueError.make("BatchRequestTooLong", "Batch requests cannot be longer than 1048576 bytes. You have sent \(total) bytes.")
        }
        if queue.settings.fifo {
            // A FIFO batch missing a group or deduplication id fails whole, as SQS answers it.
            for entry in entries {
                guard try entry.string("MessageGroupId") != nil else { throw QueueError.missingParameter("MessageGroupId") }
                if try entry.string("MessageDeduplicationId") == nil, !queue.settings.contentBasedDeduplication {
                    throw QueueError.invalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
                }
            }
        }
        var prepared: [(String, PreparedSend)] = []
        var failed: [JSONValue] = []
        for (id, entry) in zip(ids, entries) {
            do { prepared.append((id, try prepare(entry, queue: queue, context: context))) } catch let error as AWSError {
                failed.append(Self.failure(id, error))
            }
        }
        let sent = try store.send(prepared.map(\.1.message), to: queue, now: now())
        if !sent.isEmpty { wakeups.signal(queue.id) }
        let successful: [JSONValue] = zip(prepared, sent).map { entry, result in
            var out = Self.sendResult(entry.1, result)
            out["Id"] = .string(entry.0)
            return .object(out)
        }
        return .object(["Successful": .array(successful), "Failed": .array(failed)])
    }

    static let systemAttributeNames = [
        "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "SequenceNumber",
        "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
    ]

    func receiveMessage(_ input: SQSInput, _ context: QueueRequestContext) async throws -> JSONValue {
        let queue = try queue(input, context)
        let max = try input.int("MaxNumberOfMessages") ?? 1
        guard (1...10).contains(max) else {
            throw QueueError.invalidParameter("MaxNumberOfMessages", String(max), reason: "Must be between 1 and 10, if provided.")
        }
        let wait = try input.int("WaitTimeSeconds") ?? queue.settings.receiveMessageWaitTimeSeconds
        guard (0...20).contains(wait) else {
            throw QueueError.invalidParameter("WaitTimeSeconds", String(wait), reason: "Must be >= 0 and <= 20, if provided.")
        }
        let visibility = try input.int("VisibilityTimeout") ?? queue.settings.visibilityTimeout
        guard (0...43_200).contains(visibility) else {
            throw QueueError.invalidParameter("VisibilityTimeout", String(visibility), reason: "Must be >= 0 and <= 43200, if provided.")
        }
        let wanted = Set(try input.strings("AttributeNames") + input.strings("MessageSystemAttributeNames"))
        for name in wanted where name != "All" && !Self.systemAttributeNames.contains(name) && !QueueSettings.readable.contains(name) {
            throw QueueError.invalidAttributeName(name)
        }
        let attributeNames = try input.strings("MessageAttributeNames")
        let deadLetter = try queue.settings.redrivePolicy.flatMap { try self.queue(arn: $0.deadLetterTargetArn) }
        let fifo = queue.settings.fifo
        let attemptID = fifo ? try input.string("ReceiveRequestAttemptId") : nil
        if let attemptID {
            guard (1...128).contains(attemptID.count), Self.isValidFifoID(attemptID) else {
                throw QueueError.invalidParameter("ReceiveRequestAttemptId", attemptID, reason: "ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
            }
            if let earlier = try store.repeatReceive(queueID: queue.id, attemptID: attemptID, now: now()), !earlier.isEmpty {
                let rendered = earlier.map { Self.render($0, wanted: wanted, attributeNames: attributeNames, fifo: fifo) }
                return .object(["Messages": .array(rendered)])
            }
        }
        let deadline = ContinuousClock.now + .seconds(wait)
        while true {
            let seen = wakeups.generation(queue.id)
            let now = now()
            let (messages, moved) = try store.receive(from: queue, max: max, visibilityMs: Int64(visibility) * 1000, now: now, deadLetter: deadLetter)
            if moved > 0, let deadLetter { wakeups.signal(deadLetter.id) }
            if let attemptID, !messages.isEmpty {
                try store.rememberReceive(queueID: queue.id, attemptID: attemptID, messages: messages, now: now)
            }
            if !messages.isEmpty || wait == 0 || ContinuousClock.now >= deadline || Task.isCancelled || wakeups.isClosed {
                let rendered = messages.map { Self.render($0, wanted: wanted, attributeNames: attributeNames, fifo: queue.settings.fifo) }
                return rendered.isEmpty ? .object([:]) : .object(["Messages": .array(rendered)])
            }
            var until = deadline
            if let next = try store.nextVisibleAt(queueID: queue.id, now: now) {
                until = Swift.min(deadline, ContinuousClock.now + .milliseconds(next - now))
            }
            await wakeups.wait(queue.id, seen: seen, until: until)
        }
    }

    static func render(_ m: StoredMessage, wanted: Set<String>, attributeNames: [String], fifo: Bool) -> JSONValue {
        let all = wanted.contains("All")
        var system: [String: JSONValue] = [:]
        func put(_ name: String, _ value: String?) {
            if let value, all || wanted.contains(name) { system[name] = .string(value) }
        }
        put("SenderId", m.senderID)
        put("SentTimestamp", String(m.sentAt))
        put("ApproximateReceiveCount", String(m.receiveCount))
        put("ApproximateFirstReceiveTimestamp", String(m.firstReceivedAt))
        put("AWSTraceHeader", m.traceHeader)
        put("DeadLetterQueueSourceArn", m.deadLetterSource)
        put("MessageGroupId", m.groupID)
        if fifo {
            put("SequenceNumber", m.sequenceNumber)
            put("MessageDeduplicationId", m.deduplicationID)
        }
        var out: [String: JSONValue] = [
            "MessageId": .string(m.messageID), "Body": .string(m.body), "MD5OfBody": .string(MessageContent.md5(body: m.body)),
            "ReceiptHandle": .string(ReceiptHandle(queueID: m.queueID, messageKey: m.key, receiveCount: m.receiveCount, receivedAt: m.receivedAt).text),
        ]
        if !system.isEmpty { out["Attributes"] = .object(system) }
        let selected = MessageContent.select(m.attributes, names: attributeNames)
        if let md5 = MessageContent.md5(attributes: selected) {
            out["MD5OfMessageAttributes"] = .string(md5)
            out["MessageAttributes"] = .object(selected.mapValues { value in
                var v: [String: JSONValue] = ["DataType": .string(value.dataType)]
                if let s = value.stringValue { v["StringValue"] = .string(s) }
                if let b = value.binaryValue { v["BinaryValue"] = .string(b.base64EncodedString()) }
                return .object(v)
            })
        }
        return .object(out)
    }

    /// What SQS answers for a FIFO receipt handle whose receive is over.
    static func expired(_ text: String) -> AWSError {
        QueueError.invalidParameter("ReceiptHandle", text, reason: "The receipt handle has expired.")
    }

    func handle(_ text: String) throws -> ReceiptHandle {
        guard let handle = ReceiptHandle(text: text) else { throw QueueError.receiptHandleIsInvalid(text) }
        return handle
    }

    func deleteOne(_ text: String, queue: QueueRecord) throws {
        let handle = try handle(text)
        guard handle.queueID == queue.id else { throw QueueError.receiptHandleIsInvalid(text) }
        // Standard queues: any receipt of the message deletes it, and a handle of a message
        // already gone succeeds (AWS's observed behaviour). FIFO queues: a handle whose receive
        // is over (visibility ended, or received again) has expired.
        let fifo = queue.settings.fifo
        if try store.delete(handle, queueID: queue.id, strict: fifo, now: now()) == .stale, fifo {
            throw Self.expired(text)
        }
    }

    func deleteMessage(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        try deleteOne(try input.required("ReceiptHandle"), queue: queue)
        return .object([:])
    }

    func deleteMessageBatch(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let entries = try input.list("Entries")
        let ids = try checkBatch(entries, kind: "DeleteMessageBatchRequestEntry")
        var successful: [JSONValue] = [], failed: [JSONValue] = []
        for (id, entry) in zip(ids, entries) {
            do {
                try deleteOne(try entry.required("ReceiptHandle"), queue: queue)
                successful.append(.object(["Id": .string(id)]))
            } catch let error as AWSError {
                failed.append(Self.failure(id, error))
            }
        }
        return .object(["Successful": .array(successful), "Failed": .array(failed)])
    }

    func changeOne(_ text: String, seconds: Int?, queue: QueueRecord) throws {
        guard let seconds else { throw QueueError.missingParameter("VisibilityTimeout") }
        let handle = try handle(text)
        guard handle.queueID == queue.id else { throw QueueError.receiptHandleIsInvalid(text) }
        guard (0...43_200).contains(seconds) else {
            throw QueueError.invalidParameter("VisibilityTimeout", String(seconds), reason: "VisibilityTimeout must be an integer between 0 and 43200")
        }
        switch try store.changeVisibility(handle, queueID: queue.id, seconds: seconds, now: now(), strict: queue.settings.fifo) {
        case .done:
            if seconds == 0 { wakeups.signal(queue.id) }
        case .stale:
            throw queue.settings.fifo ? Self.expired(text) : QueueError.receiptHandleIsInvalid(text)
        case .notInFlight:
            throw QueueError.messageNotInflight()
        case .beyondLimit:
            throw QueueError.invalidParameter("VisibilityTimeout", String(seconds), reason: "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]")
        }
    }

    func changeMessageVisibility(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        try changeOne(try input.required("ReceiptHandle"), seconds: try input.int("VisibilityTimeout"), queue: queue)
        return .object([:])
    }

    func changeMessageVisibilityBatch(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let entries = try input.list("Entries")
        let ids = try checkBatch(entries, kind: "ChangeMessageVisibilityBatchRequestEntry")
        var successful: [JSONValue] = [], failed: [JSONValue] = []
        for (id, entry) in zip(ids, entries) {
            do {
                try changeOne(try entry.required("ReceiptHandle"), seconds: try entry.int("VisibilityTimeout"), queue: queue)
                successful.append(.object(["Id": .string(id)]))
            } catch let error as AWSError {
                failed.append(Self.failure(id, error))
            }
        }
        return .object(["Successful": .array(successful), "Failed": .array(failed)])
    }
}
