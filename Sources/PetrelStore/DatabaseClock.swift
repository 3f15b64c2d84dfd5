import Foundation

extension SQLDialect {
    /// An SQL expression for the database's own clock, in milliseconds since 1970 (an integer).
    ///
    /// Nodes of a cluster compare lease expiries and heartbeats with this clock, never with
    /// their own, so a node whose clock drifts cannot keep a lease it lost or think a live
    /// node dead. On SQLite it is the process's clock (one node); on PostgreSQL it is the
    /// server's `clock_timestamp()`, which moves on inside a transaction (unlike `now()`).
    public var nowMillisSQL: String {
        switch self {
        case .sqlite: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
        case .postgres: "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        }
    }
}

extension SQLConnection {
    /// The database's clock now, in milliseconds since 1970 (see `SQLDialect.nowMillisSQL`).
    public func databaseNowMillis() throws -> Int64 {
        try fetchOne(Int64.self, sql: "SELECT \(dialect.nowMillisSQL)") ?? 0
    }
}
