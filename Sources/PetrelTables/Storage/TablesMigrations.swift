import PetrelStore

/// The table service's schema, all under the `ddb_` prefix.
///
/// Items are keyed (table, partition hash, partition key bytes, sort key bytes) so a Query is
/// one range read and a Scan walks partitions in hash order, as DynamoDB does.
enum TablesMigrations {
    static func register(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("tables-v1") { db in
            try db.executeScript("""
                CREATE TABLE ddb_tables (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    definition BLOB NOT NULL,
                    UNIQUE (region, name)
                );
                CREATE TABLE ddb_items (
                    table_id INTEGER NOT NULL,
                    hh INTEGER NOT NULL,
                    hk BLOB NOT NULL,
                    rk BLOB NOT NULL,
                    item BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    expires REAL,
                    PRIMARY KEY (table_id, hh, hk, rk)
                ) WITHOUT ROWID;
                CREATE INDEX ddb_items_expiry ON ddb_items (table_id, expires) WHERE expires IS NOT NULL;
                CREATE TABLE ddb_index_items (
                    table_id INTEGER NOT NULL,
                    index_name TEXT NOT NULL,
                    hh INTEGER NOT NULL,
                    hk BLOB NOT NULL,
                    rk BLOB NOT NULL,
                    pk BLOB NOT NULL,
                    item BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY (table_id, index_name, hh, hk, rk, pk)
                ) WITHOUT ROWID;
                CREATE TABLE ddb_streams (
                    arn TEXT PRIMARY KEY,
                    table_id INTEGER NOT NULL,
                    region TEXT NOT NULL,
                    table_name TEXT NOT NULL,
                    view_type TEXT NOT NULL,
                    label TEXT NOT NULL,
                    key_schema BLOB NOT NULL,
                    created REAL NOT NULL,
                    disabled REAL,
                    trimmed_through INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE ddb_stream_records (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    stream_arn TEXT NOT NULL,
                    created REAL NOT NULL,
                    record BLOB NOT NULL
                );
                CREATE INDEX ddb_stream_records_by_stream ON ddb_stream_records (stream_arn, seq);
                CREATE TABLE ddb_transaction_tokens (
                    token TEXT PRIMARY KEY,
                    request_hash BLOB NOT NULL,
                    created REAL NOT NULL
                );
                """)
        }
        // Stream sequence numbers from a counter row taken in the writing transaction (the
        // seam has no sqlite_sequence); continues where the AUTOINCREMENT left off.
        migrator.registerMigration("tables-v2-stream-counter") { db in
            try db.executeScript("CREATE TABLE ddb_counters (name TEXT PRIMARY KEY, last INTEGER NOT NULL)")
            var last = try db.fetchOne(Int64.self, sql: "SELECT MAX(seq) FROM ddb_stream_records") ?? 0
            if db.dialect == .sqlite {
                last = max(last, try db.fetchOne(Int64.self, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_records'") ?? 0)
            }
            try db.execute(sql: "INSERT INTO ddb_counters (name, last) VALUES ('stream_records', ?)", arguments: [last])
        }
    }
}