import Foundation
import GRDB

/// Recognises "the disk is full" among the errors a write can throw, whichever layer threw it:
/// SQLite (`SQLITE_FULL`), PostgreSQL (`53100 disk_full`), or a file write (`ENOSPC`, `EDQUOT`). A full disk is the
/// operator's to fix, not a bug: the request fails with a 500 that says so, the log says which
/// directory is full, and nothing acknowledged before is touched (SQLite rolls the
/// transaction back). Writes succeed again by themselves once space returns.
public enum StorageFull {
    public static func matches(_ error: any Error) -> Bool {
        if let database = error as? DatabaseError {
            return database.resultCode == .SQLITE_FULL
        }
        if let postgres = error as? PostgresStoreError { return postgres.serverError?.isDiskFull == true }
        if let posix = error as? POSIXError {
            return posix.code == .ENOSPC || posix.code == .EDQUOT
        }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT) { return true }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error, (underlying as NSError) !== ns {
            return matches(underlying)
        }
        return ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue
    }

    /// What the client is told.
    public static let clientMessage = "Petrel's data directory is out of disk space; the write was not made. Free space on the server and retry."

    /// What the operator is told.
    public static func logMessage(directory: URL) -> String {
        "The disk holding \(directory.path) is full: writes fail until space is freed (acknowledged data is intact)."
    }
}
