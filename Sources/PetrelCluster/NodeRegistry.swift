import PetrelStore

/// One row of `cluster_nodes`, with whether it is alive by the database's clock.
public struct NodeRecord: Sendable, Equatable {
    public var id: String
    public var advertise: String
    public var startedAt: Int64
    public var heartbeatAt: Int64
    public var capacity: Int
    public var running: Int
    /// Milliseconds since the last heartbeat, by the database's clock.
    public var heartbeatAgeMs: Int64
    public var alive: Bool
}

/// The nodes on this database: each one heartbeats its row; a node whose last heartbeat is
/// older than the lease time is dead.
public struct NodeRegistry: Sendable {
    public let database: any SQLDatabase
    public let leaseMs: Int64

    public init(database: any SQLDatabase, leaseMs: Int64) {
        self.database = database
        self.leaseMs = leaseMs
    }

    /// Registers `node` as started now (a restart starts it again).
    public func register(node: String, advertise: String, capacity: Int) async throws {
        try await database.write { db in
            let now = db.dialect.nowMillisSQL
            try db.execute(sql: """
                INSERT INTO cluster_nodes (node_id, advertise, started_at, heartbeat_at, capacity, running)
                VALUES (?, ?, \(now), \(now), ?, 0)
                ON CONFLICT (node_id) DO UPDATE SET advertise = excluded.advertise, started_at = excluded.started_at,
                    heartbeat_at = excluded.heartbeat_at, capacity = excluded.capacity, running = 0
                """, arguments: [node, advertise, capacity])
        }
    }

    /// Marks `node` alive now, with its capacity and running instances.
    public func heartbeat(node: String, advertise: String, capacity: Int, running: Int) async throws {
        try await database.write { db in
            let now = db.dialect.nowMillisSQL
            try db.execute(sql: """
                INSERT INTO cluster_nodes (node_id, advertise, started_at, heartbeat_at, capacity, running)
                VALUES (?, ?, \(now), \(now), ?, ?)
                ON CONFLICT (node_id) DO UPDATE SET advertise = excluded.advertise, heartbeat_at = excluded.heartbeat_at,
                    capacity = excluded.capacity, running = excluded.running
                """, arguments: [node, advertise, capacity, running])
        }
    }

    public func all() throws -> [NodeRecord] {
        let lease = leaseMs
        return try database.read { db in
            let now = try db.databaseNowMillis()
            return try db.fetchAll(sql: "SELECT node_id, advertise, started_at, heartbeat_at, capacity, running FROM cluster_nodes ORDER BY node_id")
                .map { row in
                    let beat: Int64 = row["heartbeat_at"]
                    return NodeRecord(id: row["node_id"], advertise: row["advertise"], startedAt: row["started_at"], heartbeatAt: beat,
                                      capacity: row["capacity"], running: row["running"], heartbeatAgeMs: max(0, now - beat),
                                      alive: now - beat < lease)
                }
        }
    }
}
