import Dispatch
import Foundation
import Logging
import PostgresNIO

/// The seam on PostgreSQL: every node of a cluster opens one on the same database.
///
/// - `write` is one SERIALIZABLE transaction. When PostgreSQL reports a serialization failure
///   or a deadlock (40001, 40P01) — another transaction, on this node or another, changed
///   what this one read — the transaction is rolled back and the body RUN AGAIN, up to
///   `maximumWriteAttempts` times. So a conditional write that reads an item and then writes
///   it behaves as on SQLite, whose writes are serial: it sees the other write's result.
/// - `read` is one REPEATABLE READ READ ONLY transaction: every statement of the body sees the
///   same snapshot, as in a SQLite read transaction.
/// - The `…WithoutTransaction` forms run each statement on its own (autocommit); a body that
///   needs a transaction opens one with `inWriteTransaction`, which is not retried.
///
/// The synchronous forms block the calling thread until PostgreSQL answers (see
/// `BlockingWait` for why that is safe on the server's event loops); the async forms block a
/// Dispatch thread instead, so Swift concurrency's threads stay free.
public final class PostgresDatabase: SQLDatabase, @unchecked Sendable {
    public let url: PostgresURL
    let pool: PostgresConnectionPool
    let statements = PostgresStatements()
    let logger: Logger
    private let asyncWrites = DispatchQueue(label: "petrel.postgres.async-writes")

    /// How many times a write runs at most while it keeps conflicting with others.
    public static let maximumWriteAttempts = 12

    public init(url: PostgresURL, logger: Logger = Logger(label: "petrel.postgres")) {
        self.url = url
        var logger = logger
        logger.logLevel = .warning
        self.logger = logger
        pool = PostgresConnectionPool(url: url, logger: logger)
    }

    public convenience init(url text: String) throws {
        self.init(url: try PostgresURL(text))
    }

    deinit {
        pool.shutdown()
    }

    public var dialect: SQLDialect { .postgres }

    // MARK: SQLDatabase

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return try finish(connection, body)
        }
    }

    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try withConnection { connection in
                    try connection.begin("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    return try finish(connection, body)
                }
            } catch let error as PostgresStoreError {
                guard let server = error.serverError, server.isConflict else { throw error }
                guard attempt < Self.maximumWriteAttempts else {
                    throw PostgresStoreError.conflictsPersisted(attempts: attempt, last: server)
                }
                // A short random pause, growing with each attempt, so the writers that met
                // do not meet again at once.
                let ceiling = min(50_000, 250 << min(attempt, 8))
                usleep(UInt32.random(in: 50...UInt32(ceiling)))
                attempt += 1
            }
        }
    }

    public func readWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection(body)
    }

    public func writeWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection(body)
    }

    public func asyncWriteWithoutTransaction(_ body: @escaping @Sendable (any SQLConnection) -> Void) {
        asyncWrites.async {
            do {
                try self.withConnection(body)
            } catch {
                self.logger.error("An asynchronous write found no PostgreSQL connection: \(error)")
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await offThread { try self.read(body) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await offThread { try self.write(body) }
    }

    /// Closes the connections. Later calls fail with `PostgresStoreError.closed`.
    public func close() {
        pool.shutdown()
    }

    // MARK: Running bodies

    /// Runs `body` on a pooled connection of its own; the connection goes back to the pool
    /// afterwards, or is closed if it broke or was left inside a transaction.
    func withConnection<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        let connection = PostgresSQLConnection(connection: try pool.acquire(), statements: statements, logger: logger)
        defer {
            if connection.inTransaction, !connection.broken { connection.rollback() }
            pool.release(connection.connection, reusable: !connection.broken)
        }
        return try body(connection)
    }

    /// Runs the body of a transaction already begun, then commits it; rolls back if it throws.
    private func finish<T>(_ connection: PostgresSQLConnection, _ body: (any SQLConnection) throws -> T) throws -> T {
        let value: T
        do {
            value = try body(connection)
        } catch {
            let conflict = connection.conflict
            connection.rollback()
            // A conflict the body caught and replaced with an error of its own is still a
            // conflict: the write runs again rather than failing with the body's error.
            if let conflict, !(error is PostgresStoreError) { throw PostgresStoreError.server(conflict) }
            throw error
        }
        try connection.commit()
        return value
    }

    /// Runs blocking work on a Dispatch thread and resumes the caller when it is done.
    private func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
