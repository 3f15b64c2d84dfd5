import Synchronization

/// Per-shard write limits as AWS's provisioned shards have them: 1 MiB/s and 1,000 records/s
/// in, as token buckets holding one second's worth (so a burst up to the limit passes at once).
/// Kept in memory: a restart refills every bucket. Off when `limits` is nil.
public final class ShardThrottle: Sendable {
    public struct Limits: Sendable, Equatable {
        public var bytesPerSecond: Double
        public var recordsPerSecond: Double

        public init(bytesPerSecond: Double = 1_048_576, recordsPerSecond: Double = 1_000) {
            self.bytesPerSecond = bytesPerSecond
            self.recordsPerSecond = recordsPerSecond
        }

        /// From `PETREL_KINESIS_SHARD_LIMITS`: unset or `aws` → AWS's limits; `off` → none;
        /// `BYTES,RECORDS` per second otherwise.
        public static func from(environment value: String?) -> Limits? {
            guard let value, !value.isEmpty, value != "aws" else { return Limits() }
            if value == "off" || value == "0" { return nil }
            let parts = value.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { return Limits() }
            return Limits(bytesPerSecond: parts[0], recordsPerSecond: parts[1])
        }
    }

    struct Bucket {
        var bytes: Double
        var records: Double
        var at: Int64
    }

    struct Key: Hashable {
        var stream: Int64
        var shard: Int
    }

    public let limits: Limits?
    private let buckets = Mutex([Key: Bucket]())

    public init(limits: Limits?) { self.limits = limits }

    /// Takes one record of `bytes` from the shard's buckets; false when either is empty.
    public func admit(stream: Int64, shard: Int, bytes: Int, nowMs: Int64) -> Bool {
        guard let limits else { return true }
        return buckets.withLock { all in
            let key = Key(stream: stream, shard: shard)
            var bucket = all[key] ?? Bucket(bytes: limits.bytesPerSecond, records: limits.recordsPerSecond, at: nowMs)
            let elapsed = Double(max(0, nowMs - bucket.at)) / 1000
            bucket.bytes = min(limits.bytesPerSecond, bucket.bytes + elapsed * limits.bytesPerSecond)
            bucket.records = min(limits.recordsPerSecond, bucket.records + elapsed * limits.recordsPerSecond)
            bucket.at = nowMs
            let admitted = bucket.records >= 1 && bucket.bytes >= Double(bytes)
            if admitted {
                bucket.records -= 1
                bucket.bytes -= Double(bytes)
            }
            all[key] = bucket
            return admitted
        }
    }

    /// Gives back what `admit` took for records that were then not written.
    public func refund(stream: Int64, shard: Int, bytes: Int) {
        guard let limits else { return }
        buckets.withLock { all in
            let key = Key(stream: stream, shard: shard)
            guard var bucket = all[key] else { return }
            bucket.bytes = min(limits.bytesPerSecond, bucket.bytes + Double(bytes))
            bucket.records = min(limits.recordsPerSecond, bucket.records + 1)
            all[key] = bucket
        }
    }
}
