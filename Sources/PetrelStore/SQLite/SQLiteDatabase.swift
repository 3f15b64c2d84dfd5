import Foundation
import GRDB

/// The embedded default: one SQLite file in WAL mode through GRDB's DatabasePool (one
/// writer, several readers). A write acknowledged to a client has committed to the WAL, so
/// it survives `kill -9` of the server (synchronous=NORMAL keeps it safe from process death;
/// a power cut may lose the last transactions, as SQLite documents).
public final class SQLiteDatabase: SQLDatabase {
    let pool: DatabasePool
    public var dialect: SQLDialect { .sqlite }

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteConnection(db: db)) }
    }

    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteConnection(db: db)) }
    }

    public func readWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.unsafeRead { db in try body(SQLiteConnection(db: db)) }
    }

    public func writeWithoutTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try body(SQLiteConnection(db: db)) }
    }

    public func asyncWriteWithoutTransaction(_ body: @escaping @Sendable (any SQLConnection) -> Void) {
        pool.asyncWriteWithoutTransaction { db in body(SQLiteConnection(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteConnection(db: db)) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.write { db in try body(SQLiteConnection(db: db)) }
    }

    /// GRDB's migrator, keyed by the same ids the modules used before the seam, so a data
    /// directory made by an older Petrel opens unchanged.
    public func migrate(_ migrations: [SQLMigration]) throws {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.id) { db in try migration.run(SQLiteConnection(db: db)) }
        }
        try migrator.migrate(pool)
    }
}

/// A GRDB connection seen through the seam. Every statement goes through GRDB's per-connection
/// statement cache, so a statement is compiled once per connection.
struct SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments.grdb)
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql: sql, arguments: arguments) { rows.append($0); return true }
        return rows
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Bool) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        let cursor = try Row.fetchCursor(statement, arguments: arguments.grdb)
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for value in row.databaseValues { values.append(SQLValue(value)) }
            if try !body(SQLRow(columns: columns, values: values)) { return }
        }
    }

    func executeScript(_ sql: String) throws { try db.execute(sql: sql) }

    var changesCount: Int { db.changesCount }

    func inWriteTransaction(_ body: () throws -> Bool) throws {
        try db.inTransaction(.immediate) { try body() ? .commit : .rollback }
    }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .string(let v): self = .text(v)
        case .blob(let v): self = .blob(v)
        }
    }

    var grdb: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .blob(let v): return v.databaseValue
        }
    }
}

extension SQLArguments {
    var grdb: StatementArguments { StatementArguments(values.map { $0.grdb }) }
}
