import PetrelStore

/// The cluster's own tables: the nodes on this database and the leases of run-once work.
/// Times are the database's clock in milliseconds since 1970 (`SQLDialect.nowMillisSQL`).
public enum ClusterMigrations {
    public static func register(_ m: inout SQLMigrations) {
        m.registerMigration("cluster-v1") { db in
            try db.executeScript("""
                CREATE TABLE cluster_nodes (
                    node_id TEXT PRIMARY KEY,
                    advertise TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    heartbeat_at INTEGER NOT NULL,
                    capacity INTEGER NOT NULL DEFAULT 0,
                    running INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT,
                    expires_at INTEGER NOT NULL,
                    token INTEGER NOT NULL,
                    acquired_at INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
    }
}
