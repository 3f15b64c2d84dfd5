import Foundation
import PetrelCore
import PetrelStore

/// Buses, rules, targets, tags and schedule firings: the module's only SQL.
struct EventBridgeStore: Sendable {
    let database: any SQLDatabase

    static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("eventbridge-v1") { db in
            try db.executeScript("""
                CREATE TABLE eb_buses (
                    region TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
                    created REAL NOT NULL, modified REAL NOT NULL,
                    PRIMARY KEY (region, name)
                );
                CREATE TABLE eb_rules (
                    region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
                    pattern TEXT, schedule TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT,
                    created REAL NOT NULL, last_fired REAL,
                    PRIMARY KEY (region, bus, name)
                );
                CREATE TABLE eb_targets (
                    region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, target_id TEXT NOT NULL,
                    spec TEXT NOT NULL,
                    PRIMARY KEY (region, bus, rule, target_id)
                );
                CREATE TABLE eb_tags (arn TEXT PRIMARY KEY, tags TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("eventbridge-v2-retries") { db in
            try db.executeScript("""
                CREATE TABLE eb_retries (
                    id TEXT PRIMARY KEY, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, rule_arn TEXT NOT NULL,
                    target TEXT NOT NULL, event TEXT NOT NULL, hops INTEGER NOT NULL,
                    retries INTEGER NOT NULL, first_attempt REAL NOT NULL, not_before REAL NOT NULL,
                    error_code TEXT NOT NULL, error_message TEXT NOT NULL
                );
                CREATE INDEX eb_retries_due ON eb_retries (not_before);
                """)
        }
    }

    /// A delivery waiting for its next attempt (a row of `eb_retries`).
    struct PendingRetry: Sendable {
        var id: String
        var region: String
        var bus: String
        var rule: String
        var ruleArn: String
        var target: TargetSpec
        var event: JSONValue
        var hops: Int
        var retries: Int
        var firstAttempt: Double
        var notBefore: Double
        var errorCode: String
        var errorMessage: String
    }

    struct Bus: Sendable {
        var name: String
        var description: String?
        var created: Double
        var modified: Double
    }

    struct Rule: Sendable {
        var region: String
        var bus: String
        var name: String
        var pattern: String?
        var schedule: String?
        var state: String
        var description: String?
        var roleArn: String?
        var created: Double
        var lastFired: Double?
    }

    static func rule(_ row: SQLRow) -> Rule {
        Rule(region: row["region"], bus: row["bus"], name: row["name"], pattern: row["pattern"], schedule: row["schedule"],
             state: row["state"], description: row["description"], roleArn: row["role_arn"], created: row["created"],
             lastFired: row["last_fired"])
    }

    // MARK: Buses

    func bus(region: String, name: String) throws -> Bus? {
        try database.read { db in
            try db.fetchOne(sql: "SELECT * FROM eb_buses WHERE region = ? AND name = ?", arguments: [region, name]).map {
                Bus(name: $0["name"], description: $0["description"], created: $0["created"], modified: $0["modified"])
            }
        }
    }

    func buses(region: String) throws -> [Bus] {
        try database.read { db in
            try db.fetchAll(sql: "SELECT * FROM eb_buses WHERE region = ? ORDER BY name", arguments: [region]).map {
                Bus(name: $0["name"], description: $0["description"], created: $0["created"], modified: $0["modified"])
            }
        }
    }

    /// False when the bus exists already.
    func createBus(region: String, name: String, description: String?, now: Double) throws -> Bool {
        try database.write { db in
            let inserted = try db.fetchAll(sql: """
                INSERT INTO eb_buses (region, name, description, created, modified) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (region, name) DO NOTHING RETURNING name
                """, arguments: [region, name, description, now, now])
            return !inserted.isEmpty
        }
    }

    func deleteBus(region: String, name: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM eb_targets WHERE region = ? AND bus = ?", arguments: [region, name])
            try db.execute(sql: "DELETE FROM eb_rules WHERE region = ? AND bus = ?", arguments: [region, name])
            try db.execute(sql: "DELETE FROM eb_buses WHERE region = ? AND name = ?", arguments: [region, name])
        }
    }

    // MARK: Rules

    func rule(region: String, bus: String, name: String) throws -> Rule? {
        try database.read { db in
            try db.fetchOne(sql: "SELECT * FROM eb_rules WHERE region = ? AND bus = ? AND name = ?",
                            arguments: [region, bus, name]).map(Self.rule)
        }
    }

    func rules(region: String, bus: String) throws -> [Rule] {
        try database.read { db in
            try db.fetchAll(sql: "SELECT * FROM eb_rules WHERE region = ? AND bus = ? ORDER BY name", arguments: [region, bus]).map(Self.rule)
        }
    }

    func allRules() throws -> [Rule] {
        try database.read { db in try db.fetchAll(sql: "SELECT * FROM eb_rules ORDER BY region, bus, name").map(Self.rule) }
    }

    func putRule(_ r: Rule) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO eb_rules (region, bus, name, pattern, schedule, state, description, role_arn, created, last_fired)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                ON CONFLICT (region, bus, name) DO UPDATE SET pattern = excluded.pattern, schedule = excluded.schedule,
                    state = excluded.state, description = excluded.description, role_arn = excluded.role_arn
                """, arguments: [r.region, r.bus, r.name, r.pattern, r.schedule, r.state, r.description, r.roleArn, r.created])
        }
    }

    func setState(region: String, bus: String, name: String, state: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE eb_rules SET state = ? WHERE region = ? AND bus = ? AND name = ?", arguments: [state, region, bus, name])
        }
    }

    func deleteRule(region: String, bus: String, name: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM eb_rules WHERE region = ? AND bus = ? AND name = ?", arguments: [region, bus, name])
        }
    }

    // MARK: Targets

    func targets(region: String, bus: String, rule: String) throws -> [TargetSpec] {
        try database.read { db in
            try db.fetchAll(sql: "SELECT spec FROM eb_targets WHERE region = ? AND bus = ? AND rule = ? ORDER BY target_id",
                            arguments: [region, bus, rule]).compactMap { row -> TargetSpec? in
                let text: String = row["spec"]
                return try? JSONDecoder().decode(TargetSpec.self, from: Data(text.utf8))
            }
        }
    }

    func allTargets() throws -> [String: [TargetSpec]] {
        try database.read { db in
            var out: [String: [TargetSpec]] = [:]
            for row in try db.fetchAll(sql: "SELECT region, bus, rule, spec FROM eb_targets ORDER BY target_id") {
                let text: String = row["spec"]
                guard let spec = try? JSONDecoder().decode(TargetSpec.self, from: Data(text.utf8)) else { continue }
                let key = [row["region"] as String, row["bus"] as String, row["rule"] as String].joined(separator: "\u{1}")
                out[key, default: []].append(spec)
            }
            return out
        }
    }

    func putTargets(region: String, bus: String, rule: String, _ targets: [TargetSpec]) throws {
        try database.write { db in
            for target in targets {
                let spec = String(decoding: try JSONEncoder().encode(target), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO eb_targets (region, bus, rule, target_id, spec) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (region, bus, rule, target_id) DO UPDATE SET spec = excluded.spec
                    """, arguments: [region, bus, rule, target.Id, spec])
            }
        }
    }

    func removeTargets(region: String, bus: String, rule: String, ids: [String]) throws {
        try database.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM eb_targets WHERE region = ? AND bus = ? AND rule = ? AND target_id = ?",
                               arguments: [region, bus, rule, id])
            }
        }
    }

    // MARK: Retries

    func insertRetry(_ r: PendingRetry) throws {
        let target = String(decoding: try JSONEncoder().encode(r.target), as: UTF8.self)
        let event = String(decoding: try JSONEncoder().encode(r.event), as: UTF8.self)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO eb_retries (id, region, bus, rule, rule_arn, target, event, hops, retries, first_attempt, not_before, error_code, error_message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [r.id, r.region, r.bus, r.rule, r.ruleArn, target, event, r.hops, r.retries, r.firstAttempt,
                                 r.notBefore, r.errorCode, r.errorMessage])
        }
    }

    /// Retries due at `now`, earliest first.
    func dueRetries(now: Double, limit: Int = 100) throws -> [PendingRetry] {
        try database.read { db in
            try db.fetchAll(sql: "SELECT * FROM eb_retries WHERE not_before <= ? ORDER BY not_before LIMIT ?", arguments: [now, limit])
                .compactMap { row -> PendingRetry? in
                    let target: String = row["target"]
                    let event: String = row["event"]
                    guard let spec = try? JSONDecoder().decode(TargetSpec.self, from: Data(target.utf8)),
                          let value = try? JSONDecoder().decode(JSONValue.self, from: Data(event.utf8)) else { return nil }
                    return PendingRetry(id: row["id"], region: row["region"], bus: row["bus"], rule: row["rule"], ruleArn: row["rule_arn"],
                                        target: spec, event: value, hops: row["hops"], retries: row["retries"],
                                        firstAttempt: row["first_attempt"], notBefore: row["not_before"],
                                        errorCode: row["error_code"], errorMessage: row["error_message"])
                }
        }
    }

    /// The earliest pending retry's time, if any.
    func nextRetry() throws -> Double? {
        try database.read { db in try db.fetchOne(Double.self, sql: "SELECT MIN(not_before) FROM eb_retries") }
    }

    func retryCount() throws -> Int {
        try database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM eb_retries") ?? 0 }
    }

    /// Records a failed retry and when to try again.
    func rescheduleRetry(id: String, retries: Int, notBefore: Double, errorCode: String, errorMessage: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE eb_retries SET retries = ?, not_before = ?, error_code = ?, error_message = ? WHERE id = ?",
                           arguments: [retries, notBefore, errorCode, errorMessage, id])
        }
    }

    func deleteRetry(id: String) throws {
        try database.write { db in try db.execute(sql: "DELETE FROM eb_retries WHERE id = ?", arguments: [id]) }
    }

    // MARK: Tags

    func tags(arn: String) throws -> [String: String] {
        try database.read { db in
            guard let text = try db.fetchOne(String.self, sql: "SELECT tags FROM eb_tags WHERE arn = ?", arguments: [arn]) else { return [:] }
            return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
        }
    }

    func setTags(arn: String, _ tags: [String: String]) throws {
        let text = String(decoding: try JSONEncoder().encode(tags), as: UTF8.self)
        try database.write { db in
            if tags.isEmpty {
                try db.execute(sql: "DELETE FROM eb_tags WHERE arn = ?", arguments: [arn])
            } else {
                try db.execute(sql: "INSERT INTO eb_tags (arn, tags) VALUES (?, ?) ON CONFLICT (arn) DO UPDATE SET tags = excluded.tags",
                               arguments: [arn, text])
            }
        }
    }
}
