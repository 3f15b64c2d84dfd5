import PetrelCore
import PetrelStore

/// Tags on Lambda resources other than functions (layers and event source mappings), by the
/// resource's ARN: TagResource, UntagResource and ListTags. Functions keep theirs with the
/// function (`FunctionRegistry.tags`). Whether the resource exists is the caller's question.
public struct ResourceTags: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// AWS's limit on tags per resource.
    public static let limit = 50

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("lambda-resource-tags-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_resource_tags (
                    arn TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (arn, key)
                )
                """)
        }
    }

    public func tags(of arn: String) throws -> [String: String] {
        try store.database.read { db in
            var tags: [String: String] = [:]
            for row in try db.fetchAll(sql: "SELECT key, value FROM lambda_resource_tags WHERE arn = ?", arguments: [arn]) {
                tags[row["key"]] = row["value"]
            }
            return tags
        }
    }

    /// Adds or replaces tags; the write is refused as a whole past 50 tags.
    public func tag(_ arn: String, with tags: [String: String]) throws {
        try store.database.write { db in
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO lambda_resource_tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                               arguments: [arn, key, value])
            }
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_resource_tags WHERE arn = ?", arguments: [arn]) ?? 0 > Self.limit {
                throw AWSError.invalidParameter("Number of tags exceeds resource tag limit.")
            }
        }
    }

    public func untag(_ arn: String, keys: [String]) throws {
        try store.database.write { db in
            for key in keys {
                try db.execute(sql: "DELETE FROM lambda_resource_tags WHERE arn = ? AND key = ?", arguments: [arn, key])
            }
        }
    }

    /// Drops every tag of a deleted resource.
    public func deleteAll(_ arn: String) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_resource_tags WHERE arn = ?", arguments: [arn])
        }
    }
}
