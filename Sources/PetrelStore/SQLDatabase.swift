import Foundation

/// Which engine is behind the seam, for the rare statement that must differ.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// One connection, inside the transaction (or not) its `SQLDatabase` call opened.
///
/// Statements are written in the portable SQL docs/architecture.md describes ("Storage"):
/// `?` placeholders, TEXT/INTEGER/REAL/BLOB columns, `ON CONFLICT` upserts, no engine-only
/// functions. Each `execute`/`fetch` takes exactly one statement, which the engine prepares
/// once per connection and reuses.
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    func execute(sql: String, arguments: SQLArguments) throws
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Streams rows to `body` until it returns false (for scans that stop at a size limit).
    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Bool) throws
    /// Several statements without arguments (schema scripts).
    func executeScript(_ sql: String) throws
    /// Rows changed by the last `execute`.
    var changesCount: Int { get }
    /// Runs `body` in a transaction that takes the write lock at once; commits when `body`
    /// returns true, rolls back when it returns false or throws. For callers that manage
    /// their own transactions inside `SQLDatabase.writeWithoutTransaction`.
    func inWriteTransaction(_ body: () throws -> Bool) throws
}

extension SQLConnection {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    public func fetchAll(sql: String) throws -> [SQLRow] { try fetchAll(sql: sql, arguments: []) }

    public func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        var first: SQLRow?
        try forEachRow(sql: sql, arguments: arguments) { row in
            first = row
            return false
        }
        return first
    }

    /// The first column of the first row, or nil when there is no row (or it holds NULL).
    public func fetchOne<T: SQLValueConvertible>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        guard let row = try fetchOne(sql: sql, arguments: arguments), let value = row.values.first else { return nil }
        return T.fromSQL(value)
    }

    /// The first column of every row.
    public func fetchAll<T: SQLValueConvertible>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).compactMap { row in row.values.first.flatMap { T.fromSQL($0) } }
    }
}

/// The storage interface every module's state goes through. Two implementations: SQLite
/// (GRDB, the embedded default) and PostgreSQL (postgres-nio, for a cluster).
///
/// The closures are synchronous and run on the calling thread (SQLite) or block it while the
/// statements run (PostgreSQL); use the async forms from Swift concurrency where a store call
/// may wait long. A `write` is one transaction. On PostgreSQL it is SERIALIZABLE and its
/// body may run again after a serialization conflict, so a body must keep in-memory side
/// effects out of itself or make them idempotent.
public protocol SQLDatabase: AnyObject, Sendable {
    var dialect: SQLDialect { get }
    /// A consistent snapshot.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// One transaction.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Reads without opening a snapshot transaction (each statement sees the latest commit).
    func readWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// The writer connection with no transaction open; `body` manages transactions itself.
    func writeWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// As `writeWithoutTransaction`, later, on the writer's own queue.
    func asyncWriteWithoutTransaction(_ body: @escaping @Sendable (any SQLConnection) -> Void)
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Runs the migrations not yet run, each once and in its own transaction, in order.
    func migrate(_ migrations: [SQLMigration]) throws
}

/// The schema steps of every module, in the order they were registered (each module has a
/// `registerMigrations(_:)` that adds its own).
public struct SQLMigrations: Sendable {
    public private(set) var steps: [SQLMigration] = []

    public init() {}

    public mutating func registerMigration(_ id: String, run: @escaping @Sendable (any SQLConnection) throws -> Void) {
        steps.append(SQLMigration(id, run: run))
    }
}

/// One schema step, identified by a stable id (a step runs once per database).
public struct SQLMigration: Sendable {
    public let id: String
    public let run: @Sendable (any SQLConnection) throws -> Void

    /// A step that is one portable SQL script.
    public init(_ id: String, sql: String) {
        self.id = id
        self.run = { db in try db.executeScript(sql) }
    }

    /// A step that needs code (reading rows to rewrite them).
    public init(_ id: String, run: @escaping @Sendable (any SQLConnection) throws -> Void) {
        self.id = id
        self.run = run
    }
}
