import Foundation
import PetrelStore
import Synchronization

/// Per-function metrics at one-minute resolution. Samples collect in memory and are merged
/// into SQLite in one transaction per flush (every few seconds, and before every read);
/// rows older than the retention (15 days) are deleted. Running totals since start feed
/// Prometheus' counters.
public final class MetricsStore: Sendable {
    let store: Store
    public let retentionDays: Int
    private let pending = Mutex<[Key: MetricBucket]>([:])
    private let totals = Mutex<[TotalKey: Double]>([:])

    struct Key: Hashable {
        var metric: String
        var function: String
        var minute: Int64
    }

    struct TotalKey: Hashable {
        var metric: String
        var function: String
    }

    public init(store: Store, retentionDays: Int = 15) {
        self.store = store
        self.retentionDays = retentionDays
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("metrics-v1") { db in
            try db.executeScript("""
                CREATE TABLE metric_minutes (
                    metric TEXT NOT NULL,
                    function_name TEXT NOT NULL,
                    minute INTEGER NOT NULL,
                    bucket TEXT NOT NULL,
                    PRIMARY KEY (metric, function_name, minute)
                );
                CREATE INDEX metric_minutes_by_time ON metric_minutes (minute);
                """)
        }
    }

    // MARK: Recording

    public func record(_ metric: LambdaMetric, function: String, value: Double, at date: Date = Date()) {
        let minute = Int64(date.timeIntervalSince1970 / 60)
        pending.withLock { $0[Key(metric: metric.rawValue, function: function, minute: minute), default: MetricBucket()].add(value) }
        if metric != .concurrentExecutions, metric != .iteratorAge {
            totals.withLock { $0[TotalKey(metric: metric.rawValue, function: function), default: 0] += value }
        }
    }

    /// A sample of another namespace's metric (`AWS/Events/Invocations`), kept under the series
    /// `seriesKey(dimensions)` names (its dimension set), not in the running totals.
    public func record(namespaced metric: String, dimensions: [String: String], value: Double, at date: Date = Date()) {
        let minute = Int64(date.timeIntervalSince1970 / 60)
        let key = Key(metric: metric, function: Self.seriesKey(dimensions), minute: minute)
        pending.withLock { $0[key, default: MetricBucket()].add(value) }
    }

    /// A dimension set as one series name: `Name=Value` pairs sorted by name, comma-joined ("" for none).
    public static func seriesKey(_ dimensions: [String: String]) -> String {
        dimensions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// Totals since the server started, per metric and function (Duration in ms).
    public func runningTotals() -> [(metric: String, function: String, value: Double)] {
        totals.withLock { $0.map { ($0.key.metric, $0.key.function, $0.value) } }.sorted { ($0.metric, $0.function) < ($1.metric, $1.function) }
    }

    public func flush() throws {
        let batch = pending.withLock { buckets in
            defer { buckets.removeAll(keepingCapacity: true) }
            return buckets
        }
        guard !batch.isEmpty else { return }
        try store.database.write { db in
            for (key, bucket) in batch {
                var merged = bucket
                if let existing = try db.fetchOne(String.self, sql: "SELECT bucket FROM metric_minutes WHERE metric = ? AND function_name = ? AND minute = ?",
                                                      arguments: [key.metric, key.function, key.minute]) {
                    merged.merge(try Self.decode(existing))
                }
                try db.execute(sql: "INSERT INTO metric_minutes (metric, function_name, minute, bucket) VALUES (?, ?, ?, ?) ON CONFLICT (metric, function_name, minute) DO UPDATE SET bucket = excluded.bucket",
                               arguments: [key.metric, key.function, key.minute, try Self.encode(merged)])
            }
        }
    }

    /// Flushes every `interval` and trims old rows, until cancelled.
    public func run(interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            try? flush()
            let oldest = Int64(Date().timeIntervalSince1970 / 60) - Int64(retentionDays) * 24 * 60
            _ = try? await store.database.write { db in try db.execute(sql: "DELETE FROM metric_minutes WHERE minute < ?", arguments: [oldest]) }
        }
        try? flush()
    }

    // MARK: Reading

    /// Buckets of `period` seconds (a multiple of 60) from `start` to `end`, oldest first;
    /// periods without samples are left out. `function` nil aggregates every function.
    public func series(_ metric: String, function: String?, start: Date, end: Date, period: Int) throws -> [(start: Date, bucket: MetricBucket)] {
        try flush()
        let first = Int64(start.timeIntervalSince1970 / 60)
        let last = Int64((end.timeIntervalSince1970 - 1) / 60)
        let rows = try store.database.read { db in
            try db.fetchAll(sql: """
                SELECT minute, bucket FROM metric_minutes WHERE metric = ? AND (? IS NULL OR function_name = ?) AND minute BETWEEN ? AND ?
                """, arguments: [metric, function, function, first, last])
        }
        var periods: [Int64: MetricBucket] = [:]
        let periodMinutes = Int64(max(1, period / 60))
        for row in rows {
            let minute: Int64 = row["minute"]
            let slot = first + (minute - first) / periodMinutes * periodMinutes
            periods[slot, default: MetricBucket()].merge(try Self.decode(row["bucket"]))
        }
        return periods.keys.sorted().map { (Date(timeIntervalSince1970: Double($0) * 60), periods[$0]!) }
    }

    /// The (metric, function) pairs that have data, for ListMetrics.
    public func knownMetrics() throws -> [(metric: String, function: String)] {
        try flush()
        return try store.database.read { db in
            try db.fetchAll(sql: "SELECT DISTINCT metric, function_name FROM metric_minutes ORDER BY function_name, metric")
                .map { ($0["metric"], $0["function_name"]) }
        }
    }

    static func encode(_ bucket: MetricBucket) throws -> String {
        String(decoding: try JSONEncoder().encode(bucket), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> MetricBucket {
        try JSONDecoder().decode(MetricBucket.self, from: Data(text.utf8))
    }
}
