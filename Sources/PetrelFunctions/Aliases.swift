import Foundation
import PetrelCore
import PetrelStore
import Synchronization

/// A function alias: a name that points at a version, and optionally sends a share of the
/// invocations to a second version (weighted routing, for canary deployments).
public struct FunctionAlias: Sendable, Equatable, Codable {
    public var functionName: String
    public var name: String
    public var functionVersion: String
    public var description: String
    /// At most one entry: the additional version and the share of invocations it gets (0…1).
    public var additionalVersionWeights: [String: Double]
    public var revisionId: String

    public init(functionName: String, name: String, functionVersion: String, description: String,
                additionalVersionWeights: [String: Double], revisionId: String) {
        self.functionName = functionName
        self.name = name
        self.functionVersion = functionVersion
        self.description = description
        self.additionalVersionWeights = additionalVersionWeights
        self.revisionId = revisionId
    }
}

/// The rules AWS applies to aliases, and the routing choice. Pure.
public enum AliasRules {
    /// True when a qualifier names an alias rather than `$LATEST` or a version number.
    public static func isAlias(_ qualifier: String) -> Bool {
        qualifier != "$LATEST" && !qualifier.isEmpty && !qualifier.allSatisfy(\.isASCIIDigit)
    }

    public static func validateName(_ name: String) throws(AWSError) {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
        guard (1...128).contains(name.count), allowed, isAlias(name) else {
            throw AWSError.validation("1 validation error detected: Value '\(name)' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
        }
    }

    public static func validateVersion(_ version: String) throws(AWSError) {
        guard version == "$LATEST" || (!version.isEmpty && version.count <= 1024 && version.allSatisfy(\.isASCIIDigit)) else {
            throw AWSError.validation("1 validation error detected: Value '\(version)' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)")
        }
    }

    public static func validateRouting(_ weights: [String: Double], primary: String) throws(AWSError) {
        guard !weights.isEmpty else { return }
        guard weights.count == 1, let (version, weight) = weights.first else {
            throw AWSError.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
        }
        guard !version.isEmpty, version.allSatisfy(\.isASCIIDigit) else {
            throw AWSError.validation("1 validation error detected: Value '\(version)' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]")
        }
        guard weight >= 0, weight <= 1 else {
            throw AWSError.validation("1 validation error detected: Value '\(weight)' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]")
        }
        guard primary != "$LATEST" else {
            throw AWSError.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
        }
        guard version != primary else {
            throw AWSError.invalidParameter("Invalid function version \(version). Function version \(version) is already included in routing configuration.")
        }
    }

    /// Which version runs an invocation: the additional version when `roll` (uniform in 0..<1)
    /// falls below its weight, the primary otherwise.
    public static func choose(_ alias: FunctionAlias, roll: Double) -> String {
        if let (version, weight) = alias.additionalVersionWeights.first, roll < weight { return version }
        return alias.functionVersion
    }
}

/// Aliases in the store, cached for the invoke path (every write drops the function's entries).
public struct AliasStore: Sendable {
    let store: Store
    /// Generation-checked: a read that started before a write does not store what it read, so
    /// a stale alias never outlives the write that changed it.
    let cache = GenerationCache<FunctionAlias>()

    public init(store: Store) { self.store = store }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("function-aliases-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_aliases (
                    function_name TEXT NOT NULL,
                    alias_name TEXT NOT NULL,
                    function_version TEXT NOT NULL,
                    description TEXT NOT NULL,
                    routing TEXT NOT NULL,
                    revision_id TEXT NOT NULL,
                    PRIMARY KEY (function_name, alias_name)
                );
                """)
        }
    }

    private func forgetCached(_ function: String) {
        cache.invalidate { _, alias in alias.functionName == function }
    }

    public func get(function: String, name: String) throws -> FunctionAlias? {
        let key = function + "\u{0}" + name
        let (hit, generation) = cache.lookup(key)
        if let hit { return hit }
        let found = try store.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM lambda_aliases WHERE function_name = ? AND alias_name = ?", arguments: [function, name]).map(Self.alias)
        }
        if let found { cache.store(found, for: key, readAt: generation) }
        return found
    }

    public func list(function: String) throws -> [FunctionAlias] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_aliases WHERE function_name = ? ORDER BY alias_name", arguments: [function]).map(Self.alias)
        }
    }

    /// Inserts a new alias; false when one of that name exists.
    public func insert(_ alias: FunctionAlias) throws -> Bool {
        defer { forgetCached(alias.functionName) }
        return try store.database.write { db in
            try db.execute(sql: """
                INSERT INTO lambda_aliases (function_name, alias_name, function_version, description, routing, revision_id)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, arguments: [alias.functionName, alias.name, alias.functionVersion, alias.description,
                                 try Self.encode(alias.additionalVersionWeights), alias.revisionId])
            return db.changesCount == 1
        }
    }

    /// Replaces an alias if its revision is still `expectedRevision` (nil: any); returns false
    /// when the revision moved on.
    public func replace(_ alias: FunctionAlias, expectedRevision: String) throws -> Bool {
        defer { forgetCached(alias.functionName) }
        return try store.database.write { db in
            try db.execute(sql: """
                UPDATE lambda_aliases SET function_version = ?, description = ?, routing = ?, revision_id = ?
                WHERE function_name = ? AND alias_name = ? AND revision_id = ?
                """, arguments: [alias.functionVersion, alias.description, try Self.encode(alias.additionalVersionWeights),
                                 alias.revisionId, alias.functionName, alias.name, expectedRevision])
            return db.changesCount == 1
        }
    }

    public func delete(function: String, name: String) throws {
        defer { forgetCached(function) }
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_aliases WHERE function_name = ? AND alias_name = ?", arguments: [function, name])
        }
    }

    /// The aliases that send invocations to `version` (as primary or additional version), in
    /// the caller's transaction.
    static func referencing(_ db: any SQLConnection, function: String, version: String) throws -> [String] {
        try db.fetchAll(sql: "SELECT * FROM lambda_aliases WHERE function_name = ? ORDER BY alias_name", arguments: [function])
            .map(Self.alias)
            .filter { $0.functionVersion == version || $0.additionalVersionWeights[version] != nil }
            .map(\.name)
    }

    /// Drops cached aliases of a function (after it was deleted with them).
    public func forget(function: String) { forgetCached(function) }

    static func alias(_ row: SQLRow) throws -> FunctionAlias {
        FunctionAlias(functionName: row["function_name"], name: row["alias_name"], functionVersion: row["function_version"],
                      description: row["description"],
                      additionalVersionWeights: try JSONDecoder().decode([String: Double].self, from: Data((row["routing"] as String).utf8)),
                      revisionId: row["revision_id"])
    }

    static func encode(_ weights: [String: Double]) throws -> String {
        String(decoding: try JSONEncoder().encode(weights), as: UTF8.self)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
