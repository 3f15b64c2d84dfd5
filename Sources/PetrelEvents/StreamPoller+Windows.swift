import Foundation
import PetrelCore
import PetrelFunctions
import PetrelInvoker
import PetrelTables

/// Tumbling windows: records are grouped into epoch-aligned windows of
/// TumblingWindowInSeconds by their creation time; a batch never spans two windows; each
/// invocation gets the `state` the previous one of its window returned; when a window's time
/// is over and its records are all delivered, a final invocation (`isFinalInvokeForWindow`,
/// no records) hands the function the window's state, after which the state is dropped.
/// The open window and its state are saved with the checkpoint, so they survive a restart.
extension StreamPoller {
    func runWindowed() async {
        let filters = mapping.filterPatterns.compactMap { try? EventFilter(pattern: $0) }
        let seconds = Double(mapping.tumblingWindowInSeconds)
        var scanned = try? store.checkpoint(mapping.uuid, partition: partition)
        var window = try? store.window(mapping.uuid, partition: partition)
        while !Task.isCancelled {
            guard let info = try? tables.streamInfo(streamArn: mapping.eventSourceArn) else {
                report(nil, "PROBLEM: Stream not found: \(mapping.eventSourceArn)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let envelopes = (try? tables.streamRecords(streamArn: mapping.eventSourceArn, shardId: info.shardId, after: scanned,
                                                       limit: max(mapping.batchSize, 100))) ?? []
            // This partition's records that pass the filters, cut at the first window change.
            var batch: [StreamRecordEnvelope] = []
            var lastScanned = scanned
            var batchWindow: Double?
            for envelope in envelopes {
                guard batch.count < mapping.batchSize else { break }
                let start = DeliveryPolicy.windowStart(of: envelope.approximateCreationDateTime, seconds: mapping.tumblingWindowInSeconds)
                let mine = DeliveryPolicy.partition(ofKeys: envelope.keys, partitions: mapping.parallelizationFactor) == partition
                    && (filters.isEmpty || filters.contains { $0.matches(json: envelope.record) })
                if mine, let current = batchWindow, current != start { break }
                lastScanned = envelope.sequenceNumber
                if mine {
                    batchWindow = start
                    batch.append(envelope)
                }
            }
            // Close the open window once its time is over and nothing of it is left to deliver.
            if let open = window, Date().timeIntervalSince1970 >= open.start + seconds, batchWindow.map({ $0 != open.start }) ?? true {
                guard await deliverWindow([], windowStart: open.start, state: open.state, final: true, shardId: info.shardId) != nil else { return }
                window = nil
                try? store.saveCheckpoint(mapping.uuid, partition: partition, sequence: scanned, window: nil)
                continue
            }
            if batch.isEmpty {
                if lastScanned != scanned {
                    scanned = lastScanned
                    try? store.saveCheckpoint(mapping.uuid, partition: partition, sequence: scanned, window: window)
                    continue
                }
                // Wait for a commit, or for the open window to end.
                let wake = window.map { $0.start + seconds - Date().timeIntervalSince1970 } ?? 3600
                let position = scanned
                await withTaskGroup(of: Void.self) { [tables, mapping] group in
                    group.addTask { await tables.waitForStreamChange(streamArn: mapping.eventSourceArn, after: position) }
                    group.addTask { try? await Task.sleep(for: .milliseconds(Int(max(0.01, wake) * 1000) + 5)) }
                    await group.next()
                    group.cancelAll()
                }
                continue
            }
            let start = batchWindow!
            let state = window.flatMap { $0.start == start ? $0.state : nil } ?? Data("{}".utf8)
            guard let newState = await deliverWindow(batch, windowStart: start, state: state, final: false, shardId: info.shardId) else { return }
            window = (start, newState)
            scanned = lastScanned
            try? store.saveCheckpoint(mapping.uuid, partition: partition, sequence: scanned, window: window)
        }
    }

    /// Invokes until the function answers with a state (retrying with backoff; a failed final
    /// invocation blocks the shard until it succeeds, as on AWS). Returns the new state, or nil
    /// if cancelled.
    func deliverWindow(_ records: [StreamRecordEnvelope], windowStart: Double, state: Data, final: Bool,
                       shardId: String) async -> Data? {
        var retries = 0
        while !Task.isCancelled {
            let event = Self.windowEvent(records.map(\.record), sourceArn: mapping.eventSourceArn, shardId: shardId,
                                         windowStart: windowStart, seconds: mapping.tumblingWindowInSeconds, state: state, final: final)
            let outcome = await invokeRaw(event)
            switch outcome {
            case .answered(let payload):
                if let newState = DeliveryPolicy.windowState(payload) {
                    if let last = records.last {
                        report(max(0, Int64(Date().timeIntervalSince(last.approximateCreationDateTime) * 1000)), "OK")
                    }
                    return newState
                }
                report(nil, "PROBLEM: The function's response has no state")
            case .failed(let reason):
                report(nil, "PROBLEM: Function call failed")
                logger.debug("Event source mapping \(mapping.uuid): window invocation failed: \(reason)")
            case .notRun(let reason):
                report(nil, "PROBLEM: \(reason)")
            }
            retries += 1
            if !final, !records.isEmpty, mapping.maximumRetryAttempts >= 0, retries > mapping.maximumRetryAttempts {
                discard(records, shardId: shardId, condition: "RetryAttemptsExhausted", invokeCount: retries)
                return state
            }
            try? await Task.sleep(for: DeliveryPolicy.backoff(retry: retries))
        }
        return nil
    }

    enum RawOutcome {
        case answered(Data)
        case failed(String)
        case notRun(String)
    }

    func invokeRaw(_ payload: Data) async -> RawOutcome {
        guard let function = try? functions.get(FunctionReference(name: mapping.functionName, qualifier: mapping.qualifier),
                                                account: account.inRegion(mapping.region)) else {
            return .notRun("Function not found: \(mapping.functionName)")
        }
        let request = InvocationRequest(function: function, payload: payload,
                                        invokedFunctionArn: account.inRegion(mapping.region).lambdaFunctionARN(function.name, qualifier: mapping.qualifier))
        guard let result = try? await invoker.invoke(request) else { return .notRun("Throttled") }
        return result.isError ? .failed(String(decoding: result.payload.prefix(512), as: UTF8.self)) : .answered(result.payload)
    }

    /// The tumbling-window event: the records plus `window`, `state`, `shardId`,
    /// `eventSourceARN`, `isFinalInvokeForWindow` and `isWindowTerminatedEarly`.
    static func windowEvent(_ records: [Data], sourceArn: String, shardId: String, windowStart: Double, seconds: Int,
                            state: Data, final: Bool) -> Data {
        var data = event(records, sourceArn: sourceArn)
        data.removeLast()  // the closing brace
        let formatter = ISO8601DateFormatter()
        let start = formatter.string(from: Date(timeIntervalSince1970: windowStart))
        let end = formatter.string(from: Date(timeIntervalSince1970: windowStart + Double(seconds)))
        data.append(contentsOf: Array(",\"window\":{\"start\":\"\(start)\",\"end\":\"\(end)\"},\"state\":".utf8))
        data.append(state)
        data.append(contentsOf: Array(",\"shardId\":\(jsonString(shardId)),\"eventSourceARN\":\(jsonString(sourceArn)),\"isFinalInvokeForWindow\":\(final),\"isWindowTerminatedEarly\":false}".utf8))
        return data
    }
}
