import Foundation
import PetrelStore
import Synchronization

/// Metered usage per function, version, architecture, memory size, kind and hour (UTC).
/// Invocations add to memory and are merged into the database in one transaction per flush
/// (every second, and before every read), as metrics are; hours older than the retention
/// (15 months, as AWS keeps billing data in Cost Explorer's default view) are deleted.
public final class UsageStore: Sendable {
    let store: Store
    public let retentionDays: Int
    private let pending = Mutex<[Key: Totals]>([:])

    struct Key: Hashable {
        var function: String
        var version: String
        var architecture: String
        var memoryMB: Int
        var ephemeralMB: Int
        var kind: UsageKind
        var hour: Int64
    }

    struct Totals {
        var requests = 0
        var billedMilliseconds = 0
    }

    /// 15 months.
    public static let defaultRetentionDays = 457

    public init(store: Store, retentionDays: Int = UsageStore.defaultRetentionDays) {
        self.store = store
        self.retentionDays = retentionDays
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("usage-v1") { db in
            try db.executeScript("""
                CREATE TABLE usage_hours (
                    function_name TEXT NOT NULL,
                    version TEXT NOT NULL,
                    architecture TEXT NOT NULL,
                    memory_mb INTEGER NOT NULL,
                    ephemeral_mb INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    hour INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    billed_ms INTEGER NOT NULL,
                    PRIMARY KEY (function_name, version, architecture, memory_mb, ephemeral_mb, kind, hour)
                );
                CREATE INDEX usage_hours_by_time ON usage_hours (hour);
                """)
        }
    }

    // MARK: Recording

    /// Adds usage at `date`'s hour. Cheap: a dictionary update under a lock.
    public func record(_ line: UsageLine, at date: Date = Date()) {
        let key = Key(function: line.function, version: line.version, architecture: line.architecture, memoryMB: line.memoryMB,
                      ephemeralMB: line.ephemeralMB, kind: line.kind, hour: Int64((date.timeIntervalSince1970 / 3600).rounded(.down)))
        pending.withLock { pending in
            pending[key, default: Totals()].requests += line.requests
            pending[key, default: Totals()].billedMilliseconds += line.billedMilliseconds
        }
    }

    public func flush() throws {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try store.database.write { db in
                for (key, totals) in batch {
                    try db.execute(sql: """
                        INSERT INTO usage_hours (function_name, version, architecture, memory_mb, ephemeral_mb, kind, hour, requests, billed_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (function_name, version, architecture, memory_mb, ephemeral_mb, kind, hour)
                        DO UPDATE SET requests = usage_hours.requests + excluded.requests, billed_ms = usage_hours.billed_ms + excluded.billed_ms
                        """, arguments: [key.function, key.version, key.architecture, key.memoryMB, key.ephemeralMB, key.kind.rawValue,
                                         key.hour, totals.requests, totals.billedMilliseconds])
                }
            }
        } catch {
            // Not lost: merged back, written by the next flush.
            pending.withLock { pending in
                for (key, totals) in batch {
                    pending[key, default: Totals()].requests += totals.requests
                    pending[key, default: Totals()].billedMilliseconds += totals.billedMilliseconds
                }
            }
            throw error
        }
    }

    /// Flushes every `interval` and deletes hours past the retention, until cancelled.
    /// `tick` runs before each flush (the provisioned-concurrency sampler).
    public func run(interval: Duration = .seconds(1), tick: @Sendable () -> Void = {}) async {
        var sinceTrim = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            tick()
            try? flush()
            sinceTrim += 1
            if sinceTrim >= 3600 || sinceTrim == 1 {
                sinceTrim = 1
                let oldest = Int64(Date().timeIntervalSince1970 / 3600) - Int64(retentionDays) * 24
                _ = try? await store.database.write { db in try db.execute(sql: "DELETE FROM usage_hours WHERE hour < ?", arguments: [oldest]) }
            }
        }
        tick()
        try? flush()
    }

    // MARK: Reading

    /// Usage between two instants (hours that start in [start, end)), with the hour each line is from.
    public func lines(from start: Date, to end: Date) throws -> [(hour: Int64, line: UsageLine)] {
        try flush()
        let first = Int64((start.timeIntervalSince1970 / 3600).rounded(.down))
        let last = Int64((end.timeIntervalSince1970 / 3600).rounded(.up))
        return try store.database.read { db in
            try db.fetchAll(sql: """
                SELECT function_name, version, architecture, memory_mb, ephemeral_mb, kind, hour, requests, billed_ms
                FROM usage_hours WHERE hour >= ? AND hour < ? ORDER BY hour, function_name, version
                """, arguments: [first, last]).map { row -> (hour: Int64, line: UsageLine) in
                let hour: Int64 = row["hour"]
                let kind = UsageKind(rawValue: row["kind"]) ?? .onDemand
                let line = UsageLine(function: row["function_name"], version: row["version"], architecture: row["architecture"],
                                     memoryMB: row["memory_mb"], ephemeralMB: row["ephemeral_mb"], kind: kind,
                                     requests: row["requests"], billedMilliseconds: row["billed_ms"])
                return (hour: hour, line: line)
            }
        }
    }
}
