import Foundation

/// How big a batch may grow and how long it may wait to grow.
public struct BatchLimits: Sendable, Equatable {
    public var batchSize: Int
    /// Lambda's limit on a synchronous request's payload.
    public var maxBytes: Int
    /// MaximumBatchingWindowInSeconds: how long a batch that is not full waits for more.
    public var batchingWindowSeconds: Int
    /// TumblingWindowInSeconds: a batch never spans two windows (0: no windows).
    public var tumblingWindowSeconds: Int

    /// Bytes each record adds to the event beyond its payload (the ARN member, the comma).
    public static let perRecordOverhead = 200
    public static let invokePayloadBytes = 6 * 1024 * 1024 - 1024

    public init(batchSize: Int, maxBytes: Int = BatchLimits.invokePayloadBytes, batchingWindowSeconds: Int = 0, tumblingWindowSeconds: Int = 0) {
        self.batchSize = batchSize
        self.maxBytes = maxBytes
        self.batchingWindowSeconds = batchingWindowSeconds
        self.tumblingWindowSeconds = tumblingWindowSeconds
    }
}

/// What the assembler decided about one read.
public struct Assembly: Sendable, Equatable {
    /// This partition's records that pass the filters, in order, within the limits.
    public var batch: [SourceRecord]
    /// The last position looked at: once `batch` is delivered (or at once, when it is empty)
    /// the checkpoint moves here, past other partitions' and filtered-out records too.
    public var lastScanned: String?
    /// Not nil: the batch is not full and its batching window is still open; deliver nothing
    /// before this time unless more records arrive.
    public var waitUntil: Date?
    /// The tumbling window the batch belongs to (its start, epoch seconds).
    public var windowStart: Double?
}

/// The one pure rule every mode shares (plain, windowed, parallel; DynamoDB, Kinesis):
/// `records, partition, filters, limits, window → batch, last scanned, wait until`.
///
/// Each record's filter document is parsed once, whatever the number of filters. Other
/// partitions' records and filtered-out records are scanned past but never hold the batching
/// window shut: a batch that is not full waits its window out whatever else the read held.
public enum BatchAssembler {
    /// - Parameters:
    ///   - records: records read after `position`, oldest first.
    ///   - readWasFull: the read stopped at its limit, so more records follow; a batch that
    ///     is not full is then delivered without waiting (there is a backlog).
    ///   - firstSeen: when this batch was first assembled and found short (its window's start).
    public static func assemble(_ records: [SourceRecord], after position: String?, partition: Int, partitions: Int,
                                filters: [EventFilter], limits: BatchLimits, readWasFull: Bool = false,
                                firstSeen: Date?, now: Date) -> Assembly {
        var batch: [SourceRecord] = []
        var lastScanned = position
        var bytes = 0
        var full = false
        var batchWindow: Double?
        for record in records {
            if batch.count >= limits.batchSize {
                full = true
                break
            }
            if !batch.isEmpty, bytes + record.size + BatchLimits.perRecordOverhead > limits.maxBytes {
                full = true
                break
            }
            let mine = DeliveryPolicy.partition(ofKeys: record.partitionKey, partitions: partitions) == partition
                && passes(record, filters)
            if mine, limits.tumblingWindowSeconds > 0 {
                let start = DeliveryPolicy.windowStart(of: record.created, seconds: limits.tumblingWindowSeconds)
                if let current = batchWindow, current != start {
                    full = true  // the window changes here: this batch is complete
                    break
                }
                batchWindow = start
            }
            lastScanned = record.position
            if mine {
                batch.append(record)
                bytes += record.size + BatchLimits.perRecordOverhead
            }
        }
        var waitUntil: Date?
        if !batch.isEmpty, !full, !readWasFull, limits.batchingWindowSeconds > 0 {
            let deadline = (firstSeen ?? now).addingTimeInterval(Double(limits.batchingWindowSeconds))
            if now < deadline { waitUntil = deadline }
        }
        return Assembly(batch: batch, lastScanned: lastScanned, waitUntil: waitUntil, windowStart: batchWindow)
    }

    /// Whether a record passes FilterCriteria (any filter; none: everything passes). The
    /// document is parsed once for all filters.
    public static func passes(_ record: SourceRecord, _ filters: [EventFilter]) -> Bool {
        guard !filters.isEmpty else { return true }
        return passes(document: record.filterDocument ?? record.payload, filters)
    }

    public static func passes(document: Data, _ filters: [EventFilter]) -> Bool {
        guard !filters.isEmpty else { return true }
        guard let object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any] else { return false }
        return filters.contains { $0.matches(object) }
    }
}
