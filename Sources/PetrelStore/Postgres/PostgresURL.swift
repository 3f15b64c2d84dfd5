import Foundation

/// Where a PostgreSQL store is: `postgres://user:password@host:port/database`, as libpq writes
/// it. `?host=/run/postgresql` (a directory) connects through the unix socket in it instead of
/// TCP; `?pool=N` sets how many connections a node keeps at most (default 8). The connection is
/// not encrypted: the store is meant for a database on the same host or a trusted network, and
/// `sslmode=require`/`verify-*` are refused rather than silently ignored.
public struct PostgresURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var unixSocketPath: String?
    public var username: String
    public var password: String?
    public var database: String
    public var poolSize: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notPostgres(String)
        case invalid(String)
        case unsupported(String)

        public var description: String {
            switch self {
            case .notPostgres(let text): "Not a PostgreSQL URL (postgres://user:password@host:port/database): \(text)"
            case .invalid(let why): "Invalid PostgreSQL URL: \(why)"
            case .unsupported(let why): "Unsupported in a PostgreSQL URL: \(why)"
            }
        }
    }

    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws {
        guard Self.isPostgres(text) else { throw ParseError.notPostgres(text) }
        guard let components = URLComponents(string: text) else { throw ParseError.invalid("cannot parse \(Self.redacted(text))") }
        username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        poolSize = 8
        unixSocketPath = nil
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "host" where value.hasPrefix("/"):
                unixSocketPath = "\(value)/.s.PGSQL.\(port)"
            case "pool":
                guard let size = Int(value), (1...256).contains(size) else { throw ParseError.invalid("pool must be 1 to 256, not \(value)") }
                poolSize = size
            case "sslmode":
                guard ["disable", "allow", "prefer"].contains(value) else {
                    throw ParseError.unsupported("sslmode=\(value) (Petrel connects to PostgreSQL without TLS)")
                }
            case "user":
                username = value
            case "password":
                password = value
            case "application_name", "connect_timeout":
                break
            default:
                throw ParseError.unsupported("parameter \(item.name)")
            }
        }
    }

    /// The URL with its password hidden, for logs and errors.
    public var redacted: String {
        let place = unixSocketPath.map { "[\($0)]" } ?? "\(host):\(port)"
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(place)/\(database)"
    }

    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://") else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return text[..<colon] + ":***" + text[at...]
    }
}
