import Foundation
import Logging

/// Delivers one batch of a sharded source to its function until every record is done:
/// retries with backoff, bisects, honours MaximumRecordAgeInSeconds and
/// ReportBatchItemFailures, and hands what it gives up on to `discard`. Tumbling-window
/// batches carry their state. Depends only on `FunctionInvoking`, so it is tested with fakes.
struct BatchDelivery: Sendable {
    let settings: EventSourceMapping
    let sourceArn: String
    let functionArn: String
    let kind: ShardedSourceKind
    let invoker: any FunctionInvoking
    let logger: Logger
    /// The latest IteratorAge (ms, when a batch was delivered) and processing result.
    let report: @Sendable (_ iteratorAgeMs: Int64?, _ lastResult: String) -> Void
    /// Records given up on, as AWS's OnFailure record (a JSON object).
    let discard: @Sendable (_ record: Data) -> Void
    /// The function's role, which Kinesis events name in each record's `invokeIdentityArn`.
    var identityArn: String? = nil
    /// Runs once a batch is done and before its checkpoint is saved: makes what the function
    /// logged for it durable first (the server flushes its buffered log writer), so a kill -9
    /// never leaves a checkpoint past records whose invocation left no log lines.
    var beforeCheckpoint: @Sendable () -> Void = {}
    /// Waits between retries; injected so tests do not sleep.
    var pause: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    var now: @Sendable () -> Date = { Date() }

    var target: FunctionTarget { FunctionTarget(name: settings.functionName, qualifier: settings.qualifier, region: settings.region) }

    enum Attempt: Equatable {
        case success
        case failedFrom(index: Int, reason: String)
        case failed(reason: String)
        /// Throttled or the function is missing: try again later without counting a retry.
        case notRun(reason: String)
    }

    /// Delivers a batch until every record is done (delivered or given up). Returns false if
    /// cancelled first (the checkpoint must then stay where it was).
    func deliver(_ batch: [SourceRecord], shardId: String) async -> Bool {
        var queue: [[SourceRecord]] = [batch]
        var retries = 0
        var invokeCount = 0
        var lastAnswer: FunctionAnswer?
        while var current = queue.first {
            if Task.isCancelled { return false }
            let expired = DeliveryPolicy.expiredPrefix(creationTimes: current.map(\.created), now: now(),
                                                       maximumRecordAge: settings.maximumRecordAgeInSeconds)
            if expired > 0 {
                giveUp(Array(current.prefix(expired)), shardId: shardId, condition: "RecordAgeExceeded", invokeCount: invokeCount, answer: lastAnswer)
                current.removeFirst(expired)
                if current.isEmpty {
                    queue.removeFirst()
                    retries = 0
                    continue
                }
                queue[0] = current
            }
            invokeCount += 1
            let (attempt, answer) = await invokeAnswering(current)
            if let answer { lastAnswer = answer }
            let failed: [SourceRecord]
            let reason: String
            switch attempt {
            case .success:
                queue.removeFirst()
                retries = 0
                report(max(0, Int64(now().timeIntervalSince(current.last!.created) * 1000)), "OK")
                continue
            case .failedFrom(let index, let why):
                failed = Array(current[index...])
                reason = why
            case .failed(let why):
                failed = current
                reason = why
            case .notRun(let why):
                invokeCount -= 1
                report(nil, "PROBLEM: \(why)")
                await pause(.milliseconds(500))
                continue
            }
            report(nil, "PROBLEM: Function call failed")
            switch DeliveryPolicy.onFailure(batchCount: failed.count, retriesSoFar: retries,
                                            maximumRetryAttempts: settings.maximumRetryAttempts,
                                            bisect: settings.bisectBatchOnFunctionError) {
            case .retry:
                retries += 1
                queue[0] = failed
                logger.debug("Event source mapping \(settings.uuid): retry \(retries) after: \(reason)")
                await pause(DeliveryPolicy.backoff(retry: retries))
            case .bisect:
                let middle = failed.count / 2
                queue.replaceSubrange(0..<1, with: [Array(failed[..<middle]), Array(failed[middle...])])
            case .discard:
                giveUp(failed, shardId: shardId, condition: "RetryAttemptsExhausted", invokeCount: invokeCount, answer: lastAnswer, reason: reason)
                queue.removeFirst()
                retries = 0
            }
        }
        return true
    }

    func invoke(_ records: [SourceRecord]) async -> Attempt {
        await invokeAnswering(records).attempt
    }

    /// Invokes once: what came of it, and the function's answer when it ran.
    func invokeAnswering(_ records: [SourceRecord]) async -> (attempt: Attempt, answer: FunctionAnswer?) {
        let answer: FunctionAnswer
        do {
            answer = try await invoker.invoke(target, payload: ShardEvents.event(records.map(\.payload), sourceArn: sourceArn, identityArn: identityArn))
        } catch {
            return (.notRun(reason: error.description), nil)
        }
        if answer.isError {
            return (.failed(reason: String(decoding: answer.payload.prefix(1024), as: UTF8.self)), answer)
        }
        guard settings.reportsBatchItemFailures else { return (.success, answer) }
        switch DeliveryPolicy.batchResponse(answer.payload, sequenceNumbers: records.map(\.position)) {
        case .success: return (.success, answer)
        case .failedFrom(let index): return (.failedFrom(index: index, reason: "The function reported batch item failures"), answer)
        case .invalid: return (.failed(reason: "The function's batchItemFailures response was not valid"), answer)
        }
    }

    // MARK: Tumbling windows

    /// Invokes until the function answers with a state (retrying with backoff; a failed final
    /// invocation blocks the shard until it succeeds, as on AWS). Returns the new state, or nil
    /// if cancelled.
    func deliverWindow(_ records: [SourceRecord], windowStart: Double, state: Data, final: Bool, early: Bool = false,
                       shardId: String) async -> Data? {
        var retries = 0
        var lastAnswer: FunctionAnswer?
        while !Task.isCancelled {
            let event = ShardEvents.windowEvent(records.map(\.payload), sourceArn: sourceArn, identityArn: identityArn, shardId: shardId, windowStart: windowStart,
                                                seconds: settings.tumblingWindowInSeconds, state: state, final: final, early: early)
            let answer: FunctionAnswer
            do {
                answer = try await invoker.invoke(target, payload: event)
            } catch {
                report(nil, "PROBLEM: \(error.description)")
                await pause(.milliseconds(500))
                continue
            }
            lastAnswer = answer
            if !answer.isError, let newState = DeliveryPolicy.windowState(answer.payload) {
                if let last = records.last {
                    report(max(0, Int64(now().timeIntervalSince(last.created) * 1000)), "OK")
                }
                return newState
            }
            report(nil, answer.isError ? "PROBLEM: Function call failed" : "PROBLEM: The function's response has no state")
            retries += 1
            if !final, !records.isEmpty, settings.maximumRetryAttempts >= 0, retries > settings.maximumRetryAttempts {
                giveUp(records, shardId: shardId, condition: "RetryAttemptsExhausted", invokeCount: retries, answer: lastAnswer)
                return state
            }
            await pause(DeliveryPolicy.backoff(retry: retries))
        }
        return nil
    }

    // MARK: Giving up

    func giveUp(_ records: [SourceRecord], shardId: String, condition: String, invokeCount: Int, answer: FunctionAnswer?, reason: String = "") {
        guard let first = records.first, let last = records.last else { return }
        logger.warning("Event source mapping \(settings.uuid) gave up on records \(first.position)…\(last.position) (\(condition)): \(reason.prefix(200))")
        discard(Self.invocationRecord(records, shardId: shardId, condition: condition, invokeCount: invokeCount, answer: answer,
                                      functionArn: functionArn, sourceArn: sourceArn, kind: kind, now: now()))
    }

    /// AWS's invocation record of a batch given up on, as sent to an OnFailure destination:
    /// `requestContext{requestId, functionArn, condition, approximateInvokeCount}`,
    /// `responseContext{statusCode, executedVersion, functionError}` (of the last invocation;
    /// empty when none ran), `version`, `timestamp` and `DDBStreamBatchInfo` or
    /// `KinesisBatchInfo{shardId, startSequenceNumber, endSequenceNumber,
    /// approximateArrivalOfFirstRecord, approximateArrivalOfLastRecord, batchSize, streamArn}`.
    static func invocationRecord(_ records: [SourceRecord], shardId: String, condition: String, invokeCount: Int, answer: FunctionAnswer?,
                                 functionArn: String, sourceArn: String, kind: ShardedSourceKind, now: Date) -> Data {
        guard let first = records.first, let last = records.last else { return Data("{}".utf8) }
        var response: [String: Any] = [:]
        if let answer {
            response = ["statusCode": 200, "executedVersion": answer.executedVersion ?? "$LATEST"]
            if answer.isError { response["functionError"] = "Unhandled" }
        }
        let info: [String: Any] = [
            "version": "1.0",
            "timestamp": timestamp(now),
            "requestContext": ["requestId": answer?.requestID ?? UUID().uuidString.lowercased(), "condition": condition,
                               "approximateInvokeCount": invokeCount, "functionArn": functionArn] as [String: Any],
            "responseContext": response,
            kind == .dynamodb ? "DDBStreamBatchInfo" : "KinesisBatchInfo": [
                "shardId": shardId, "startSequenceNumber": first.position, "endSequenceNumber": last.position,
                "approximateArrivalOfFirstRecord": timestamp(first.created),
                "approximateArrivalOfLastRecord": timestamp(last.created),
                "batchSize": records.count, "streamArn": sourceArn,
            ] as [String: Any],
        ]
        return (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// `2019-11-14T00:38:06.021Z`, as AWS writes the record's times.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// The events a sharded source's batches go out in.
enum ShardEvents {
    /// `{"Records":[…]}` with each record's `eventSourceARN` added, spliced as bytes.
    static func event(_ records: [Data], sourceArn: String, identityArn: String? = nil) -> Data {
        var data = Data("{\"Records\":[".utf8)
        var arnMember = Data("\"eventSourceARN\":\(jsonString(sourceArn)),".utf8)
        if let identityArn { arnMember.append(contentsOf: Array("\"invokeIdentityArn\":\(jsonString(identityArn)),".utf8)) }
        for (i, original) in records.enumerated() {
            if i > 0 { data.append(UInt8(ascii: ",")) }
            var record = original
            if let brace = record.firstIndex(of: UInt8(ascii: "{")) {
                // Every record has members, so the trailing comma is always followed by one.
                record.insert(contentsOf: arnMember, at: record.index(after: brace))
            }
            data.append(record)
        }
        data.append(contentsOf: Array("]}".utf8))
        return data
    }

    /// The tumbling-window event: the records plus `window`, `state`, `shardId`,
    /// `eventSourceARN`, `isFinalInvokeForWindow` and `isWindowTerminatedEarly`.
    static func windowEvent(_ records: [Data], sourceArn: String, identityArn: String? = nil, shardId: String, windowStart: Double, seconds: Int,
                            state: Data, final: Bool, early: Bool) -> Data {
        var data = event(records, sourceArn: sourceArn, identityArn: identityArn)
        data.removeLast()  // the closing brace
        let formatter = ISO8601DateFormatter()
        let start = formatter.string(from: Date(timeIntervalSince1970: windowStart))
        let end = formatter.string(from: Date(timeIntervalSince1970: windowStart + Double(seconds)))
        data.append(contentsOf: Array(",\"window\":{\"start\":\"\(start)\",\"end\":\"\(end)\"},\"state\":".utf8))
        data.append(state)
        data.append(contentsOf: Array(",\"shardId\":\(jsonString(shardId)),\"eventSourceARN\":\(jsonString(sourceArn)),\"isFinalInvokeForWindow\":\(final),\"isWindowTerminatedEarly\":\(early)}".utf8))
        return data
    }

    static func jsonString(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8), as: UTF8.self)
            .dropFirst().dropLast().description
    }
}
