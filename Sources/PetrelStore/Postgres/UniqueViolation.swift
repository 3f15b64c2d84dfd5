import GRDB

/// Recognises "a UNIQUE or PRIMARY KEY constraint refused the write" on either engine, for
/// code that turns it into an AWS error (ResourceConflictException, …) rather than a 500:
/// SQLite's `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`, PostgreSQL's `23505 unique_violation`.
/// On PostgreSQL the failed statement aborts the transaction, so throw out of the `write`
/// and decide outside it, rather than catching inside and going on (see docs/cluster.md).
public enum UniqueViolation {
    public static func matches(_ error: any Error) -> Bool {
        if let sqlite = error as? DatabaseError {
            return sqlite.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                || sqlite.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        }
        if let postgres = error as? PostgresStoreError {
            return postgres.serverError?.isUniqueViolation == true
        }
        return false
    }
}
