import PostgresNIO

/// What went wrong talking to PostgreSQL, in words an operator can act on. (postgres-nio's own
/// error hides the server's message from `description`, so it is unpacked here once.)
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// The store was shut down.
    case closed
    /// No connection could be opened: the database is down, unreachable or refuses the login.
    case unreachable(String, any Error)
    /// Every connection stayed busy for `PostgresConnectionPool.acquireTimeout`.
    case poolExhausted(Int)
    /// PostgreSQL refused a statement.
    case server(PostgresServerError)
    /// The connection broke while a statement ran (the server restarted, the network failed).
    case connectionLost(String)
    /// A statement's `?` count and its arguments differ.
    case argumentCount(sql: String, expected: Int, given: Int)
    /// A write transaction kept meeting serialization conflicts.
    case conflictsPersisted(attempts: Int, last: PostgresServerError)
    /// A statement failed inside a transaction and the transaction went on regardless;
    /// PostgreSQL cannot commit such a transaction (SQLite would have), so none of it was kept.
    case failedStatementIgnored(PostgresServerError)

    public var description: String {
        switch self {
        case .closed: "The PostgreSQL store is closed."
        case .unreachable(let url, let error): "PostgreSQL at \(url) is unreachable: \(PostgresServerError.describe(error))"
        case .poolExhausted(let size): "All \(size) PostgreSQL connections stayed busy; raise ?pool= in --store."
        case .server(let error): error.description
        case .connectionLost(let why): "The connection to PostgreSQL broke: \(why)"
        case .argumentCount(let sql, let expected, let given): "Statement takes \(expected) arguments, \(given) given: \(sql)"
        case .conflictsPersisted(let attempts, let last): "Write gave up after \(attempts) serialization conflicts: \(last)"
        case .failedStatementIgnored(let error): "A failed statement was ignored inside a transaction (rolled back): \(error)"
        }
    }

    /// The server's error, if PostgreSQL refused a statement.
    public var serverError: PostgresServerError? {
        switch self {
        case .server(let error), .conflictsPersisted(_, let error), .failedStatementIgnored(let error): error
        default: nil
        }
    }
}

/// One error PostgreSQL reported: its SQLSTATE and message.
public struct PostgresServerError: Error, CustomStringConvertible, Sendable {
    public let sqlState: String
    public let message: String
    public let detail: String?
    public let constraint: String?
    public let sql: String

    /// 40001 serialization_failure, 40P01 deadlock_detected: the transaction may simply run again.
    public var isConflict: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// 23505 unique_violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Class 23: any integrity constraint (unique, foreign key, not null, check).
    public var isConstraintViolation: Bool { sqlState.hasPrefix("23") }
    /// 53100 disk_full (and 53000 insufficient_resources' other disk-bound kin are not retried).
    public var isDiskFull: Bool { sqlState == "53100" }

    public var description: String {
        var text = "PostgreSQL \(sqlState): \(message)"
        if let detail { text += " (\(detail))" }
        return text + " in: \(sql)"
    }

    public init(sqlState: String, message: String, detail: String? = nil, constraint: String? = nil, sql: String) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.sql = sql
    }

    init?(_ error: any Error, sql: String) {
        guard let psql = error as? PSQLError, psql.code == .server, let info = psql.serverInfo,
              let state = info[.sqlState] else { return nil }
        sqlState = state
        message = info[.message] ?? "(no message)"
        detail = info[.detail]
        constraint = info[.constraintName]
        self.sql = sql
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
