import Foundation

extension PostgresDatabase {
    /// A new, empty database on the cluster `base` points at, for one test: tests get the
    /// isolation a fresh SQLite file gives them. (The cluster is a throwaway one, see
    /// scripts/postgres-cluster.sh; the databases go with it.)
    public static func scratch(base: String) throws -> PostgresDatabase {
        var url = try PostgresURL(base)
        let admin = PostgresDatabase(url: url)
        defer { admin.close() }
        let name = "petrel_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try admin.withConnection { connection in
            try connection.command("CREATE DATABASE \(name)")
        }
        url.database = name
        url.poolSize = min(url.poolSize, 4)
        return PostgresDatabase(url: url)
    }

    /// The PostgreSQL cluster the Swift tests run on besides SQLite (`PETREL_TEST_STORE`), if any.
    public static var testCluster: String? {
        ProcessInfo.processInfo.environment["PETREL_TEST_STORE"].flatMap { PostgresURL.isPostgres($0) ? $0 : nil }
    }
}
