import Foundation
import Logging

/// Consumes a queue for one mapping (one of ScalingConfig.MaximumConcurrency such
/// consumers): long-polls a batch together (BatchSize, MaximumBatchingWindowInSeconds),
/// deletes what FilterCriteria drop, invokes, and deletes what the function finished.
/// What fails stays in flight: the queue makes it visible again after its visibility
/// timeout, and its RedrivePolicy moves it to the dead-letter queue after maxReceiveCount.
/// FIFO order holds because the queue never hands out a message group that is in flight.
struct QueueConsumer: Sendable {
    let mapping: EventSourceMapping
    let source: any QueueSource
    let invoker: any FunctionInvoking
    let logger: Logger
    let report: @Sendable (_ iteratorAgeMs: Int64?, _ lastResult: String) -> Void
    /// Runs before finished messages are deleted: makes what the function logged for them
    /// durable first, as `BatchDelivery.beforeCheckpoint` does for streams.
    var beforeDelete: @Sendable () -> Void = {}

    var target: FunctionTarget { FunctionTarget(name: mapping.functionName, qualifier: mapping.qualifier, region: mapping.region) }

    func run() async {
        let filters = mapping.filterPatterns.compactMap { try? EventFilter(pattern: $0) }
        while !Task.isCancelled {
            guard let batch = await collect(filters: filters), !batch.isEmpty else { continue }
            for chunk in QueueEvents.chunks(batch, maxBytes: BatchLimits.invokePayloadBytes) {
                await deliver(chunk)
            }
        }
    }

    /// Receives until the batch is full or its batching window (from the first message) is
    /// over; with no window, one receive is one batch. Messages FilterCriteria drop are deleted.
    func collect(filters: [EventFilter]) async -> [QueueMessage]? {
        var batch: [QueueMessage] = []
        var windowEnd: ContinuousClock.Instant?
        while batch.count < mapping.batchSize, !Task.isCancelled {
            let wait: Duration
            if let windowEnd {
                let left = windowEnd - .now
                if left <= .zero { break }
                wait = min(left, .seconds(20))
            } else {
                wait = .seconds(20)
            }
            let received: [QueueMessage]
            let asked = ContinuousClock.now
            do {
                received = try await source.receive(max: min(10, mapping.batchSize - batch.count), wait: wait)
            } catch {
                report(nil, "PROBLEM: \(error.description)")
                try? await Task.sleep(for: .seconds(1))
                return batch.isEmpty ? nil : batch
            }
            if received.isEmpty, ContinuousClock.now - asked < .milliseconds(50), wait > .milliseconds(500) {
                // A long poll that answers at once with nothing (the server is shutting down):
                // do not spin.
                try? await Task.sleep(for: .milliseconds(200))
            }
            let kept = received.filter { QueueEvents.passes($0, sourceArn: source.arn, region: source.region, filters) }
            let dropped = received.filter { message in !kept.contains { $0.receiptHandle == message.receiptHandle } }
            if !dropped.isEmpty { await deleteQuietly(dropped.map(\.receiptHandle)) }
            batch += kept
            if !batch.isEmpty, windowEnd == nil {
                if mapping.maximumBatchingWindowInSeconds == 0 { break }
                windowEnd = .now + .seconds(mapping.maximumBatchingWindowInSeconds)
            }
        }
        return batch
    }

    func deliver(_ batch: [QueueMessage]) async {
        let event = QueueEvents.event(batch, sourceArn: source.arn, region: source.region)
        let answer: FunctionAnswer
        do {
            answer = try await invoker.invoke(target, payload: event)
        } catch {
            // Not run: the messages come back after their visibility timeout. Pause before
            // receiving again, so that a missing function does not turn into a busy loop.
            report(nil, "PROBLEM: \(error.description)")
            try? await Task.sleep(for: .seconds(1))
            return
        }
        if answer.isError {
            report(nil, "PROBLEM: Function call failed")
            logger.debug("Event source mapping \(mapping.uuid): batch of \(batch.count) failed: \(String(decoding: answer.payload.prefix(300), as: UTF8.self))")
            return
        }
        var done = batch
        if mapping.reportsBatchItemFailures {
            switch DeliveryPolicy.failedItems(answer.payload, identifiers: batch.map(\.messageID)) {
            case nil:
                report(nil, "PROBLEM: The function's batchItemFailures response was not valid")
                return
            case let failed?:
                done = QueueEvents.finished(batch, failed: failed, fifo: source.isFifo)
            }
        }
        if !done.isEmpty {
            beforeDelete()
            await deleteQuietly(done.map(\.receiptHandle))
        }
        report(nil, done.count == batch.count ? "OK" : "PROBLEM: Function reported batch item failures")
    }

    func deleteQuietly(_ handles: [String]) async {
        do {
            try await source.delete(handles)
        } catch {
            // They come back after their visibility timeout and are delivered again: at least once.
            logger.warning("Event source mapping \(mapping.uuid): cannot delete \(handles.count) message(s): \(error.description)")
        }
    }
}

/// AWS's SQS event shape and the pure rules around it.
enum QueueEvents {
    /// One `Records[]` entry: messageId, receiptHandle, body, attributes, messageAttributes,
    /// md5OfBody, eventSource, eventSourceARN, awsRegion.
    static func record(_ m: QueueMessage, sourceArn: String, region: String, parsedBody: Bool = false) -> [String: Any] {
        var attributes: [String: Any] = [:]
        for (name, value) in m.messageAttributes {
            var v: [String: Any] = ["dataType": value.dataType, "stringListValues": [Any](), "binaryListValues": [Any]()]
            if let s = value.stringValue { v["stringValue"] = s }
            if let b = value.binaryValue { v["binaryValue"] = b }
            attributes[name] = v
        }
        var body: Any = m.body
        if parsedBody, let data = m.body.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] || object is [Any] {
            body = object
        }
        return ["messageId": m.messageID, "receiptHandle": m.receiptHandle, "body": body, "attributes": m.attributes,
                "messageAttributes": attributes, "md5OfBody": m.md5OfBody, "eventSource": "aws:sqs",
                "eventSourceARN": sourceArn, "awsRegion": region]
    }

    static func event(_ batch: [QueueMessage], sourceArn: String, region: String) -> Data {
        let records = batch.map { record($0, sourceArn: sourceArn, region: region) }
        return (try? JSONSerialization.data(withJSONObject: ["Records": records], options: [])) ?? Data("{\"Records\":[]}".utf8)
    }

    /// FilterCriteria match the record with a JSON body parsed (`{"body": {"k": ["v"]}}`), as on AWS.
    static func passes(_ m: QueueMessage, sourceArn: String, region: String, _ filters: [EventFilter]) -> Bool {
        guard !filters.isEmpty else { return true }
        let document = record(m, sourceArn: sourceArn, region: region, parsedBody: true)
        return filters.contains { $0.matches(document) }
    }

    /// The messages to delete after a ReportBatchItemFailures answer: all but the failed ones
    /// and, on a FIFO queue, all but every later message of a failed message's group (their
    /// order must hold when they come back).
    static func finished(_ batch: [QueueMessage], failed: Set<Int>, fifo: Bool) -> [QueueMessage] {
        var blockedGroups: Set<String> = []
        var done: [QueueMessage] = []
        for (i, message) in batch.enumerated() {
            let group = message.groupID ?? ""
            if failed.contains(i) {
                if fifo { blockedGroups.insert(group) }
                continue
            }
            if fifo, blockedGroups.contains(group) { continue }
            done.append(message)
        }
        return done
    }

    /// Splits a batch so that each event stays under Lambda's payload limit.
    static func chunks(_ batch: [QueueMessage], maxBytes: Int) -> [[QueueMessage]] {
        var out: [[QueueMessage]] = []
        var current: [QueueMessage] = []
        var bytes = 0
        for m in batch {
            let size = m.body.utf8.count * 2 + 1024 + m.messageAttributes.reduce(0) { $0 + $1.key.utf8.count + ($1.value.stringValue?.utf8.count ?? 0) + ($1.value.binaryValue?.utf8.count ?? 0) + 100 }
            if !current.isEmpty, bytes + size > maxBytes {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(m)
            bytes += size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

extension DeliveryPolicy {
    /// Reads a queue mapping's ReportBatchItemFailures answer: the indexes of the failed
    /// messages (empty: all succeeded), or nil when the answer is not valid (an identifier
    /// that is empty, null or not in the batch), which fails the whole batch as on AWS.
    public static func failedItems(_ payload: Data, identifiers: [String]) -> Set<Int>? {
        let trimmed = payload.filter { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        if trimmed.isEmpty || trimmed == Data("null".utf8) { return [] }
        guard let object = try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed]) else { return nil }
        guard let document = object as? [String: Any], let failures = document["batchItemFailures"], !(failures is NSNull) else { return [] }
        guard let list = failures as? [Any] else { return nil }
        var failed: Set<Int> = []
        for entry in list {
            guard let identifier = (entry as? [String: Any])?["itemIdentifier"] as? String, !identifier.isEmpty,
                  let index = identifiers.firstIndex(of: identifier) else { return nil }
            failed.insert(index)
        }
        return failed
    }
}
