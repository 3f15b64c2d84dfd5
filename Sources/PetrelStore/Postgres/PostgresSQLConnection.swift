import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The seam's connection over one pooled PostgreSQL connection, for the length of one
/// `SQLDatabase` call.
///
/// Statements are portable SQL, rewritten once per distinct text (`PostgresStatements`) and
/// sent through the extended protocol: Parse, Bind, Describe, Execute and Sync go out in one
/// write, so a statement costs one round trip. (postgres-nio names prepared statements only
/// for statement types known at compile time, so the server parses each statement again; on
/// loopback that is a few microseconds beside the round trip.)
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    private let statements: PostgresStatements
    private let logger: Logger
    /// A command sent without waiting (BEGIN), whose outcome is checked with the next statement.
    private var pending: (future: EventLoopFuture<PostgresQueryResult>, sql: String)?
    private(set) var changesCount = 0
    /// The statement that failed in the open transaction, unless a ROLLBACK TO SAVEPOINT undid
    /// it: PostgreSQL aborts the transaction at a failed statement, so it must not commit.
    private(set) var failure: PostgresServerError?
    /// A serialization conflict or deadlock met in the open transaction (even one a savepoint
    /// rolled back): the whole transaction has to run again.
    private(set) var conflict: PostgresServerError?
    /// The connection is in an unknown state (it broke mid-statement): close it, do not reuse.
    private(set) var broken = false
    /// A transaction is open on the connection.
    private(set) var inTransaction = false

    var dialect: SQLDialect { .postgres }

    init(connection: PostgresConnection, statements: PostgresStatements, logger: Logger) {
        self.connection = connection
        self.statements = statements
        self.logger = logger
    }

    // MARK: SQLConnection

    func execute(sql: String, arguments: SQLArguments) throws {
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
        if failure != nil, result.metadata.command == "ROLLBACK", Self.isRollbackToSavepoint(sql) {
            failure = nil
        }
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
        return result.rows.map(Self.row)
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Bool) throws {
        // The rows are collected by postgres-nio first (it has no synchronous cursor); scans
        // that stop early bound their own statements with LIMIT.
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
        for row in result.rows {
            if try !body(Self.row(row)) { return }
        }
    }

    func executeScript(_ sql: String) throws {
        for statement in PostgresTranslation.split(sql) {
            try execute(sql: statement, arguments: [])
        }
    }

    /// A SERIALIZABLE transaction on this connection (for `writeWithoutTransaction` callers
    /// that batch several writes). It is not run again on a conflict — the caller's body may
    /// not be repeatable — so a conflict surfaces as an error; `SQLDatabase.write` is the
    /// form that retries.
    func inWriteTransaction(_ body: () throws -> Bool) throws {
        try begin("BEGIN ISOLATION LEVEL SERIALIZABLE")
        let commit: Bool
        do {
            commit = try body()
        } catch {
            rollback()
            throw error
        }
        if commit { try self.commit() } else { rollback() }
    }

    // MARK: Transaction control (PostgresDatabase)

    /// Opens a transaction. BEGIN is sent without waiting; it is checked with the first statement.
    func begin(_ command: String) throws {
        precondition(!inTransaction, "a transaction is already open on this connection")
        try settlePending()
        inTransaction = true
        failure = nil
        conflict = nil
        pending = (connection.query(PostgresQuery(unsafeSQL: command), logger: logger), command)
    }

    /// Commits, or throws why it could not: a statement failed and the body went on (nothing
    /// is kept), a conflict (run the transaction again), or the commit itself failed.
    func commit() throws {
        if let conflict {
            rollback()
            throw PostgresStoreError.server(conflict)
        }
        if let failure {
            rollback()
            throw PostgresStoreError.failedStatementIgnored(failure)
        }
        inTransaction = false
        let tag = try command("COMMIT")
        if tag != "COMMIT" {
            // PostgreSQL answers ROLLBACK to COMMIT in an aborted transaction.
            throw PostgresStoreError.failedStatementIgnored(failure ?? PostgresServerError(
                sqlState: "25P02", message: "the transaction was aborted", sql: "COMMIT"))
        }
    }

    /// Rolls back; a connection that cannot is marked broken (the pool closes it).
    func rollback() {
        inTransaction = false
        do { try command("ROLLBACK") } catch { broken = true }
    }

    /// Runs a command written for PostgreSQL (no translation) and waits; returns its tag.
    @discardableResult
    func command(_ command: String) throws -> String {
        let future = connection.query(PostgresQuery(unsafeSQL: command), logger: logger)
        try settlePending()
        return try wait(future, sql: command).metadata.command
    }

    // MARK: Running statements

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let statement = statements.translate(sql)
        let values = arguments.values
        guard values.count == statement.parameterCount else {
            throw PostgresStoreError.argumentCount(sql: sql, expected: statement.parameterCount, given: values.count)
        }
        let query = PostgresQuery(unsafeSQL: statement.sql, binds: PostgresValues.bindings(values))
        let future = connection.query(query, logger: logger)
        try settlePending()
        return try wait(future, sql: sql)
    }

    private func settlePending() throws {
        guard let pending else { return }
        self.pending = nil
        _ = try wait(pending.future, sql: pending.sql)
    }

    private func wait(_ future: EventLoopFuture<PostgresQueryResult>, sql: String) throws -> PostgresQueryResult {
        do {
            return try BlockingWait.wait(future)
        } catch {
            if let server = PostgresServerError(error, sql: sql) {
                if inTransaction {
                    if server.isConflict, conflict == nil { conflict = server }
                    if failure == nil { failure = server }
                }
                throw PostgresStoreError.server(server)
            }
            broken = true
            throw PostgresStoreError.connectionLost(PostgresServerError.describe(error))
        }
    }

    private static func isRollbackToSavepoint(_ sql: String) -> Bool {
        let words = sql.split(whereSeparator: { $0.isWhitespace }).prefix(2).map { $0.uppercased() }
        return words == ["ROLLBACK", "TO"]
    }

    private static func row(_ row: PostgresRow) -> SQLRow {
        var columns: [String] = []
        var values: [SQLValue] = []
        columns.reserveCapacity(row.count)
        values.reserveCapacity(row.count)
        for cell in row {
            columns.append(cell.columnName)
            values.append(PostgresValues.value(cell))
        }
        return SQLRow(columns: columns, values: values)
    }
}

/// Portable statements rewritten for PostgreSQL, each distinct text once per store.
final class PostgresStatements: Sendable {
    private let cache = Mutex<[String: (sql: String, parameterCount: Int)]>([:])
    private static let limit = 4096

    func translate(_ sql: String) -> (sql: String, parameterCount: Int) {
        if let known = cache.withLock({ $0[sql] }) { return known }
        let translated = PostgresTranslation.statement(sql)
        cache.withLock { cache in
            // Statements are literals in the code, so the cache stays small; SQL text built
            // per request (IN lists of varying length) is bounded here.
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[sql] = translated
        }
        return translated
    }
}
