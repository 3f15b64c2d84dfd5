import Foundation

/// The stream delivery rules, as pure functions: what to do after a failed batch, which
/// records have expired, where a partial failure moves the checkpoint.
public enum DeliveryPolicy {
    public enum FailureAction: Equatable, Sendable {
        /// Invoke the same batch again (after a backoff).
        case retry
        /// Split the batch in two and deliver each half on its own.
        case bisect
        /// Give the batch up: log it and move the checkpoint past it.
        case discard
    }

    /// - Parameters:
    ///   - retriesSoFar: retries already made for this batch (not counting the first try).
    ///   - maximumRetryAttempts: -1 retries until the records expire.
    ///   Splitting a batch does not count towards the retry quota, as on AWS.
    public static func onFailure(batchCount: Int, retriesSoFar: Int, maximumRetryAttempts: Int, bisect: Bool) -> FailureAction {
        if bisect, batchCount > 1 { return .bisect }
        if maximumRetryAttempts >= 0, retriesSoFar >= maximumRetryAttempts { return .discard }
        return .retry
    }

    /// How many records at the head of a batch are older than `maximumRecordAge` seconds
    /// (-1: records never expire here; the stream's 24-hour retention still applies).
    public static func expiredPrefix(creationTimes: [Date], now: Date, maximumRecordAge: Int) -> Int {
        guard maximumRecordAge >= 0 else { return 0 }
        return creationTimes.prefix { now.timeIntervalSince($0) > Double(maximumRecordAge) }.count
    }

    /// Backoff before retry `n` (1-based): 100 ms doubling, at most 5 s.
    public static func backoff(retry n: Int) -> Duration {
        .milliseconds(min(5000, 100 << min(n - 1, 6)))
    }

    public enum BatchResponse: Equatable, Sendable {
        case success
        /// Records from this index on failed and must be delivered again.
        case failedFrom(index: Int)
        /// The response was not a valid batchItemFailures document: the whole batch failed.
        case invalid
    }

    /// Reads a `ReportBatchItemFailures` response: `{"batchItemFailures":[{"itemIdentifier":"<seq>"}]}`.
    /// An empty or null response, or an empty list, is success; an identifier that is not a
    /// sequence number of the batch makes the whole batch fail, as AWS documents.
    public static func batchResponse(_ payload: Data, sequenceNumbers: [String]) -> BatchResponse {
        let trimmed = payload.filter { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        if trimmed.isEmpty || trimmed == Data("null".utf8) || trimmed == Data("{}".utf8) { return .success }
        guard let object = try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed]) else { return .invalid }
        guard let document = object as? [String: Any] else { return .success }
        guard let failures = document["batchItemFailures"] else { return .success }
        if failures is NSNull { return .success }
        guard let list = failures as? [Any] else { return .invalid }
        var lowest: Int?
        for entry in list {
            guard let identifier = (entry as? [String: Any])?["itemIdentifier"] as? String,
                  let index = sequenceNumbers.firstIndex(of: identifier) else { return .invalid }
            lowest = min(lowest ?? index, index)
        }
        return lowest.map { .failedFrom(index: $0) } ?? .success
    }

    /// The start of the tumbling window a record created at `date` belongs to: windows are
    /// `seconds` long and aligned to the epoch.
    public static func windowStart(of date: Date, seconds: Int) -> Double {
        let t = date.timeIntervalSince1970
        return (t / Double(seconds)).rounded(.down) * Double(seconds)
    }

    /// The `state` a tumbling-window invocation returned (`{"state": {...}, …}`), or nil when
    /// the response has none (AWS then treats the invocation as failed).
    public static func windowState(_ payload: Data) -> Data? {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              let state = object["state"], state is [String: Any] else { return nil }
        return try? JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])
    }

    /// Which of `partitions` handles a record, by its item key: records of one item always go
    /// to the same partition, so their order is kept while partitions run in parallel.
    public static func partition(ofKeys keys: Data, partitions: Int) -> Int {
        guard partitions > 1 else { return 0 }
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in keys {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        return Int(hash % UInt64(partitions))
    }
}

extension DeliveryPolicy {
    /// The most state a tumbling window carries: a window whose state outgrows it ends early.
    public static let windowStateLimit = 1_048_576

    public static func terminatesWindowEarly(state: Data) -> Bool { state.count > windowStateLimit }
}
