import Foundation
import PetrelCore
import PetrelStore

/// Event history and trails: the module's only SQL.
struct TrailStore: Sendable {
    let database: any SQLDatabase

    static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("cloudtrail-v1") { db in
            try db.executeScript("""
                CREATE TABLE ct_events (
                    event_id TEXT PRIMARY KEY, event_time REAL NOT NULL, region TEXT NOT NULL,
                    event_name TEXT NOT NULL, event_source TEXT NOT NULL, username TEXT, access_key_id TEXT,
                    read_only TEXT NOT NULL, resource_type TEXT, resource_name TEXT, record TEXT NOT NULL
                );
                CREATE INDEX ct_events_time ON ct_events (region, event_time);
                CREATE TABLE ct_trails (
                    region TEXT NOT NULL, name TEXT NOT NULL, bucket TEXT NOT NULL, key_prefix TEXT,
                    multi_region INTEGER NOT NULL, global_events INTEGER NOT NULL, logging INTEGER NOT NULL,
                    selectors TEXT, advanced_selectors TEXT, created REAL NOT NULL,
                    started REAL, stopped REAL, last_delivery REAL, last_delivery_error TEXT,
                    PRIMARY KEY (region, name)
                );
                """)
        }
    }

    struct Row: Sendable {
        var eventID: String
        var time: Double
        var region: String
        var name: String
        var source: String
        var username: String?
        var accessKeyID: String?
        var readOnly: String
        var resourceType: String?
        var resourceName: String?
        var record: String
    }

    func insert(_ rows: [Row]) throws {
        guard !rows.isEmpty else { return }
        try database.write { db in
            for r in rows {
                try db.execute(sql: """
                    INSERT INTO ct_events (event_id, event_time, region, event_name, event_source, username, access_key_id, read_only,
                                           resource_type, resource_name, record)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING
                    """, arguments: [r.eventID, r.time, r.region, r.name, r.source, r.username, r.accessKeyID, r.readOnly,
                                     r.resourceType, r.resourceName, r.record])
            }
        }
    }

    func expire(before: Double) throws {
        try database.write { db in try db.execute(sql: "DELETE FROM ct_events WHERE event_time < ?", arguments: [before]) }
    }

    static let columns: [String: String] = [
        "EventId": "event_id", "EventName": "event_name", "ReadOnly": "read_only", "Username": "username",
        "ResourceType": "resource_type", "ResourceName": "resource_name", "EventSource": "event_source", "AccessKeyId": "access_key_id",
    ]

    /// Newest first; `after` is the (time, id) of the last row of the previous page.
    func lookup(region: String, column: String?, value: String?, start: Double, end: Double, after: (Double, String)?,
                limit: Int) throws -> [Row] {
        var sql = "SELECT * FROM ct_events WHERE region = ? AND event_time >= ? AND event_time <= ?"
        var args: SQLArguments = [region, start, end]
        if let column, let value {
            sql += " AND \(column) = ?"
            args.append(value)
        }
        if let after {
            sql += " AND (event_time < ? OR (event_time = ? AND event_id < ?))"
            args.append(after.0)
            args.append(after.0)
            args.append(after.1)
        }
        sql += " ORDER BY event_time DESC, event_id DESC LIMIT ?"
        args.append(limit)
        return try database.read { db in
            try db.fetchAll(sql: sql, arguments: args).map {
                Row(eventID: $0["event_id"], time: $0["event_time"], region: $0["region"], name: $0["event_name"],
                    source: $0["event_source"], username: $0["username"], accessKeyID: $0["access_key_id"],
                    readOnly: $0["read_only"], resourceType: $0["resource_type"], resourceName: $0["resource_name"], record: $0["record"])
            }
        }
    }

    // MARK: Trails

    struct Trail: Sendable {
        var region: String
        var name: String
        var bucket: String
        var keyPrefix: String?
        var multiRegion: Bool
        var globalEvents: Bool
        var logging: Bool
        var selectors: String?
        var advancedSelectors: String?
        var created: Double
        var started: Double?
        var stopped: Double?
        var lastDelivery: Double?
        var lastDeliveryError: String?
    }

    static func trail(_ r: SQLRow) -> Trail {
        Trail(region: r["region"], name: r["name"], bucket: r["bucket"], keyPrefix: r["key_prefix"],
              multiRegion: (r["multi_region"] as Int) != 0, globalEvents: (r["global_events"] as Int) != 0,
              logging: (r["logging"] as Int) != 0, selectors: r["selectors"], advancedSelectors: r["advanced_selectors"],
              created: r["created"], started: r["started"], stopped: r["stopped"], lastDelivery: r["last_delivery"],
              lastDeliveryError: r["last_delivery_error"])
    }

    func trails(region: String?) throws -> [Trail] {
        try database.read { db in
            if let region {
                return try db.fetchAll(sql: "SELECT * FROM ct_trails WHERE region = ? OR multi_region = 1 ORDER BY name", arguments: [region]).map(Self.trail)
            }
            return try db.fetchAll(sql: "SELECT * FROM ct_trails ORDER BY name").map(Self.trail)
        }
    }

    func trail(region: String, name: String) throws -> Trail? {
        try database.read { db in
            try db.fetchOne(sql: "SELECT * FROM ct_trails WHERE region = ? AND name = ?", arguments: [region, name]).map(Self.trail)
        }
    }

    func insert(_ t: Trail) throws -> Bool {
        try database.write { db in
            !(try db.fetchAll(sql: """
                INSERT INTO ct_trails (region, name, bucket, key_prefix, multi_region, global_events, logging, selectors,
                                       advanced_selectors, created)
                VALUES (?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?) ON CONFLICT (region, name) DO NOTHING RETURNING name
                """, arguments: [t.region, t.name, t.bucket, t.keyPrefix, t.multiRegion ? 1 : 0, t.globalEvents ? 1 : 0, t.created])).isEmpty
        }
    }

    func update(_ t: Trail) throws {
        try database.write { db in
            try db.execute(sql: """
                UPDATE ct_trails SET bucket = ?, key_prefix = ?, multi_region = ?, global_events = ?, logging = ?, selectors = ?,
                    advanced_selectors = ?, started = ?, stopped = ?, last_delivery = ?, last_delivery_error = ?
                WHERE region = ? AND name = ?
                """, arguments: [t.bucket, t.keyPrefix, t.multiRegion ? 1 : 0, t.globalEvents ? 1 : 0, t.logging ? 1 : 0, t.selectors,
                                 t.advancedSelectors, t.started, t.stopped, t.lastDelivery, t.lastDeliveryError, t.region, t.name])
        }
    }

    func delete(region: String, name: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM ct_trails WHERE region = ? AND name = ?", arguments: [region, name])
        }
    }
}
