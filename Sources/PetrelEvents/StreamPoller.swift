import Foundation
import Logging
import PetrelCore
import PetrelFunctions
import PetrelInvoker
import PetrelLogs
import PetrelTables

/// Delivers one partition of one mapping's stream to its function: reads records after the
/// checkpoint, keeps this partition's (by item key) that pass the filters, batches them,
/// invokes through the same path as every other invoke, retries, bisects or discards on
/// failure, and moves the durable checkpoint only past records that are done.
struct StreamPoller: Sendable {
    let mapping: EventSourceMapping
    let partition: Int
    let store: MappingStore
    let tables: TableService
    let functions: FunctionRegistry
    let invoker: Invoker
    let logs: LogStore
    let account: Account
    let logger: Logger
    let report: @Sendable (_ iteratorAgeMs: Int64?, _ lastResult: String) -> Void

    /// Lambda's limit on a synchronous request.
    static let maxPayloadBytes = 6 * 1024 * 1024 - 1024

    func run() async {
        let filters = mapping.filterPatterns.compactMap { try? EventFilter(pattern: $0) }
        var scanned: String?
        do {
            scanned = try store.checkpoint(mapping.uuid, partition: partition)
        } catch {
            logger.error("Event source mapping \(mapping.uuid): cannot read its checkpoint: \(error)")
            return
        }
        var partialSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            guard let info = try? tables.streamInfo(streamArn: mapping.eventSourceArn) else {
                report(nil, "PROBLEM: Stream not found: \(mapping.eventSourceArn)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let envelopes: [StreamRecordEnvelope]
            do {
                envelopes = try tables.streamRecords(streamArn: mapping.eventSourceArn, shardId: info.shardId, after: scanned,
                                                     limit: max(mapping.batchSize, 100))
            } catch let error as AWSError where error.code == "TrimmedDataAccessException" {
                logger.warning("Event source mapping \(mapping.uuid): records after \(scanned ?? "the start") expired from the stream; continuing at the oldest retained record")
                scanned = nil
                continue
            } catch {
                report(nil, "PROBLEM: \(error)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if envelopes.isEmpty {
                await tables.waitForStreamChange(streamArn: mapping.eventSourceArn, after: scanned)
                continue
            }
            var batch: [StreamRecordEnvelope] = []
            var lastScanned = scanned
            var bytes = 0
            for envelope in envelopes {
                if batch.count == mapping.batchSize || bytes + envelope.record.count + 200 > Self.maxPayloadBytes { break }
                lastScanned = envelope.sequenceNumber
                guard DeliveryPolicy.partition(ofKeys: envelope.keys, partitions: mapping.parallelizationFactor) == partition else { continue }
                guard filters.isEmpty || filters.contains(where: { $0.matches(json: envelope.record) }) else { continue }
                batch.append(envelope)
                bytes += envelope.record.count + 200
            }
            if batch.isEmpty {
                // Nothing of ours here (other partitions' records, or filtered out): move on.
                scanned = lastScanned
                if let lastScanned { try? store.saveCheckpoint(mapping.uuid, partition: partition, sequence: lastScanned, lastResult: nil) }
                continue
            }
            if mapping.maximumBatchingWindowInSeconds > 0, batch.count < mapping.batchSize, envelopes.count == batch.count {
                // Wait for the batch to fill, up to the batching window since we first saw it.
                let since = partialSince ?? .now
                partialSince = since
                let deadline = since + .seconds(mapping.maximumBatchingWindowInSeconds)
                if ContinuousClock.now < deadline {
                    try? await Task.sleep(until: min(deadline, .now + .milliseconds(100)), clock: .continuous)
                    continue
                }
            }
            partialSince = nil
            guard await deliver(batch, shardId: info.shardId) else { return }
            scanned = lastScanned
            if let lastScanned {
                try? store.saveCheckpoint(mapping.uuid, partition: partition, sequence: lastScanned, lastResult: nil)
            }
        }
    }

    enum Attempt {
        case success
        case failedFrom(index: Int, reason: String)
        case failed(reason: String)
        /// Throttled or the function is missing: try again later without counting a retry.
        case notRun(reason: String)
    }

    /// Delivers a batch until every record is done (delivered or given up). Returns false if
    /// cancelled first (the checkpoint must then stay where it was).
    func deliver(_ batch: [StreamRecordEnvelope], shardId: String) async -> Bool {
        var queue: [[StreamRecordEnvelope]] = [batch]
        var retries = 0
        var invokeCount = 0
        while var current = queue.first {
            if Task.isCancelled { return false }
            let expired = DeliveryPolicy.expiredPrefix(creationTimes: current.map(\.approximateCreationDateTime), now: Date(),
                                                       maximumRecordAge: mapping.maximumRecordAgeInSeconds)
            if expired > 0 {
                discard(Array(current.prefix(expired)), shardId: shardId, condition: "RecordAgeExceeded", invokeCount: invokeCount)
                current.removeFirst(expired)
                if current.isEmpty {
                    queue.removeFirst()
                    retries = 0
                    continue
                }
                queue[0] = current
            }
            invokeCount += 1
            let attempt = await invoke(current)
            var failed: [StreamRecordEnvelope] = []
            var reason = ""
            switch attempt {
            case .success:
                queue.removeFirst()
                retries = 0
                let age = Int64(Date().timeIntervalSince(current.last!.approximateCreationDateTime) * 1000)
                report(max(0, age), "OK")
                continue
            case .failedFrom(let index, let why):
                failed = Array(current[index...])
                reason = why
            case .failed(let why):
                failed = current
                reason = why
            case .notRun(let why):
                report(nil, "PROBLEM: \(why)")
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            report(nil, "PROBLEM: Function call failed")
            switch DeliveryPolicy.onFailure(batchCount: failed.count, retriesSoFar: retries,
                                            maximumRetryAttempts: mapping.maximumRetryAttempts,
                                            bisect: mapping.bisectBatchOnFunctionError) {
            case .retry:
                retries += 1
                queue[0] = failed
                logger.debug("Event source mapping \(mapping.uuid): retry \(retries) after: \(reason)")
                try? await Task.sleep(for: DeliveryPolicy.backoff(retry: retries))
            case .bisect:
                let middle = failed.count / 2
                queue.replaceSubrange(0..<1, with: [Array(failed[..<middle]), Array(failed[middle...])])
            case .discard:
                discard(failed, shardId: shardId, condition: "RetryAttemptsExhausted", invokeCount: invokeCount, reason: reason)
                queue.removeFirst()
                retries = 0
            }
        }
        return true
    }

    func invoke(_ records: [StreamRecordEnvelope]) async -> Attempt {
        let function: FunctionRecord
        do {
            function = try functions.get(FunctionReference(name: mapping.functionName, qualifier: mapping.qualifier),
                                         account: account.inRegion(mapping.region))
        } catch {
            return .notRun(reason: "Function not found: \(mapping.functionName)")
        }
        let request = InvocationRequest(function: function, payload: Self.event(records.map(\.record), sourceArn: mapping.eventSourceArn),
                                        invokedFunctionArn: account.inRegion(mapping.region).lambdaFunctionARN(function.name, qualifier: mapping.qualifier))
        let result: InvocationResult
        do {
            result = try await invoker.invoke(request)
        } catch {
            return .notRun(reason: "Throttled: \(error)")
        }
        if result.isError {
            return .failed(reason: String(decoding: result.payload.prefix(1024), as: UTF8.self))
        }
        guard mapping.reportsBatchItemFailures else { return .success }
        switch DeliveryPolicy.batchResponse(result.payload, sequenceNumbers: records.map(\.sequenceNumber)) {
        case .success: return .success
        case .failedFrom(let index): return .failedFrom(index: index, reason: "The function reported batch item failures")
        case .invalid: return .failed(reason: "The function's batchItemFailures response was not valid")
        }
    }

    /// `{"Records":[…]}` with each record's `eventSourceARN` added, spliced as bytes.
    static func event(_ records: [Data], sourceArn: String) -> Data {
        var data = Data("{\"Records\":[".utf8)
        let arnMember = Data("\"eventSourceARN\":\(jsonString(sourceArn)),".utf8)
        for (i, original) in records.enumerated() {
            if i > 0 { data.append(UInt8(ascii: ",")) }
            var record = original
            if let brace = record.firstIndex(of: UInt8(ascii: "{")) {
                // Every stream record has members, so the trailing comma is always followed by one.
                record.insert(contentsOf: arnMember, at: record.index(after: brace))
            }
            data.append(record)
        }
        data.append(contentsOf: Array("]}".utf8))
        return data
    }

    static func jsonString(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    /// Records given up on: logged, as AWS's OnFailure record, where a person can find them.
    func discard(_ records: [StreamRecordEnvelope], shardId: String, condition: String, invokeCount: Int, reason: String = "") {
        guard let first = records.first, let last = records.last else { return }
        let info: [String: Any] = [
            "version": "1.0",
            "timestamp": ISO8601DateFormatter().string(from: Date()),
            "requestContext": ["condition": condition, "approximateInvokeCount": invokeCount,
                               "functionArn": account.inRegion(mapping.region).lambdaFunctionARN(mapping.functionName, qualifier: mapping.qualifier)],
            "responseContext": ["functionError": reason],
            "DDBStreamBatchInfo": [
                "shardId": shardId, "startSequenceNumber": first.sequenceNumber, "endSequenceNumber": last.sequenceNumber,
                "approximateArrivalOfFirstRecord": ISO8601DateFormatter().string(from: first.approximateCreationDateTime),
                "approximateArrivalOfLastRecord": ISO8601DateFormatter().string(from: last.approximateCreationDateTime),
                "batchSize": records.count, "streamArn": mapping.eventSourceArn,
            ],
        ]
        let line = (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        logger.warning("Event source mapping \(mapping.uuid) gave up on records \(first.sequenceNumber)…\(last.sequenceNumber) (\(condition)): \(reason.prefix(200))")
        logs.append(group: "/petrel/event-source-mappings/\(mapping.uuid)", stream: "failures",
                    events: [LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: line)])
    }
}
