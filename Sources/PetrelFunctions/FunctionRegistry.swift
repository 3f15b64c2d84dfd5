import Foundation
import PetrelStore
import PetrelCore
import Synchronization

/// Functions and their published versions, in SQLite. Code lives in the `CodeStore`; a row
/// refers to it by digest, and the zip is written before the row commits.
public struct FunctionRegistry: Sendable {
    let store: Store
    public let code: CodeStore
    let now: @Sendable () -> Double
    /// Versions read recently, so the invoke path does not query SQLite each time. Every
    /// write through this registry drops the function's entries.
    /// Function versions for the invoke path (generation-checked: a read that began before a
    /// write does not keep what it read).
    private let cache = GenerationCache<FunctionRecord>()

    public let aliases: AliasStore

    public init(store: Store, code: CodeStore, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.code = code
        self.now = now
        self.aliases = AliasStore(store: store)
    }

    /// Drops a written function's cached versions.
    private func forget(_ name: String) {
        cache.invalidate { _, record in record.name == name }
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        registerFunctionMigrations(&migrator)
        AliasStore.registerMigrations(&migrator)
        ResourceTags.registerMigrations(&migrator)
    }

    /// Tags of the account's layers and event source mappings (functions keep their own).
    public var resourceTags: ResourceTags { ResourceTags(store: store) }

    static func registerFunctionMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("functions-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_functions (
                    name TEXT NOT NULL,
                    version TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    code_sha256 TEXT NOT NULL,
                    code_digest TEXT NOT NULL,
                    code_size INTEGER NOT NULL,
                    last_modified REAL NOT NULL,
                    revision_id TEXT NOT NULL,
                    PRIMARY KEY (name, version)
                );
                CREATE TABLE lambda_function_tags (
                    name TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (name, key)
                );
                """)
        }
    }

    // MARK: Reading

    /// The version a reference names. An alias names its version; with `weighted` (invocations)
    /// a weighted alias sends the configured share to its additional version.
    public func get(_ ref: FunctionReference, account: Account, weighted: Bool = true) throws -> FunctionRecord {
        var version = ref.qualifier ?? "$LATEST"
        if AliasRules.isAlias(version) {
            guard let alias = try aliases.get(function: ref.name, name: version) else {
                throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(ref.name, qualifier: version))")
            }
            version = weighted ? AliasRules.choose(alias, roll: Double.random(in: 0..<1)) : alias.functionVersion
        }
        let key = ref.name + "\u{0}" + version
        let (cached, generation) = cache.lookup(key)
        if let cached { return cached }
        let record = try store.database.read { db in try Self.fetch(db, name: ref.name, version: version) }
        guard let record else {
            throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(ref.name, qualifier: ref.qualifier))")
        }
        // Another node may have stored the code: bring it to this one before it is run.
        try code.localDirectory(digest: record.codeDigest)
        cache.store(record, for: key, readAt: generation)
        return record
    }

    public func tags(of name: String) throws -> [String: String] {
        try store.database.read { db in
            var tags: [String: String] = [:]
            for row in try db.fetchAll(sql: "SELECT key, value FROM lambda_function_tags WHERE name = ?", arguments: [name]) {
                tags[row["key"]] = row["value"]
            }
            return tags
        }
    }

    /// Adds or replaces tags on a function (TagResource). AWS allows 50 per resource.
    public func tag(_ name: String, with tags: [String: String], account: Account) throws {
        try store.database.write { db in
            guard try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_functions WHERE name = ?", arguments: [name]) ?? 0 > 0 else {
                throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(name))")
            }
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO lambda_function_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
                               arguments: [name, key, value])
            }
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_function_tags WHERE name = ?", arguments: [name]) ?? 0 > 50 {
                throw AWSError.invalidParameter("Number of tags exceeds resource tag limit.")
            }
        }
    }

    /// Removes tags by key (UntagResource); keys that are not there are ignored, as on AWS.
    public func untag(_ name: String, keys: [String], account: Account) throws {
        try store.database.write { db in
            guard try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_functions WHERE name = ?", arguments: [name]) ?? 0 > 0 else {
                throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(name))")
            }
            for key in keys {
                try db.execute(sql: "DELETE FROM lambda_function_tags WHERE name = ? AND key = ?", arguments: [name, key])
            }
        }
    }

    /// What the account's functions hold, for GetAccountSettings: the number of functions and
    /// the total size of their deployment packages (every version counts, as on AWS).
    public func usage() throws -> (functionCount: Int, totalCodeSize: Int) {
        try store.database.read { db in
            let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(DISTINCT name) FROM lambda_functions") ?? 0
            let size = try db.fetchOne(Int.self, sql: "SELECT COALESCE(SUM(code_size), 0) FROM lambda_functions") ?? 0
            return (count, size)
        }
    }

    /// `$LATEST` of every function, by name, after `marker` (the last name of the previous page).
    public func list(after marker: String?, limit: Int) throws -> (records: [FunctionRecord], nextMarker: String?) {
        try store.database.read { db in
            let rows = try db.fetchAll(sql: """
                SELECT * FROM lambda_functions WHERE version = '$LATEST' AND name > ? ORDER BY name LIMIT ?
                """, arguments: [marker ?? "", limit + 1])
            let records = try rows.prefix(limit).map(Self.record)
            return (records, rows.count > limit ? records.last?.name : nil)
        }
    }

    public func versions(of name: String, account: Account) throws -> [FunctionRecord] {
        let records = try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_functions WHERE name = ?", arguments: [name]).map(Self.record)
        }
        guard !records.isEmpty else {
            throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(name))")
        }
        return records.sorted { ($0.version == "$LATEST" ? -1 : Int($0.version) ?? 0) < ($1.version == "$LATEST" ? -1 : Int($1.version) ?? 0) }
    }

    // MARK: Writing

    /// Creates `$LATEST` (and version 1 when `publish`). Returns what the response shows.
    public func create(name: String, settings: FunctionSettings, zip: Data, publish: Bool,
                       tags: [String: String], account: Account) throws -> FunctionRecord {
        try settings.validate()
        let stored = try code.store(zip: zip)
        let record = FunctionRecord(name: name, version: "$LATEST", settings: settings, codeSha256: stored.sha256Base64,
                                    codeDigest: stored.digest, codeSize: stored.size, lastModified: now(),
                                    revisionId: UUID().uuidString.lowercased())
        defer { forget(name) }
        return try store.database.write { db in
            if try Self.fetch(db, name: name, version: "$LATEST") != nil {
                throw AWSError.resourceConflict("Function already exist: \(name)")
            }
            try Self.insert(db, record)
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO lambda_function_tags (name, key, value) VALUES (?, ?, ?)", arguments: [name, key, value])
            }
            return publish ? try Self.publish(db, latest: record, now: now()) : record
        }
    }

    public func updateCode(name: String, zip: Data, publish: Bool, expectedRevision: String?,
                           account: Account) throws -> FunctionRecord {
        let stored = try code.store(zip: zip)
        return try modifyLatest(name: name, expectedRevision: expectedRevision, publish: publish, account: account) { record in
            record.codeSha256 = stored.sha256Base64
            record.codeDigest = stored.digest
            record.codeSize = stored.size
        }
    }

    public func updateConfiguration(name: String, expectedRevision: String?, account: Account,
                                    change: (inout FunctionSettings) -> Void) throws -> FunctionRecord {
        try modifyLatest(name: name, expectedRevision: expectedRevision, publish: false, account: account) { record in
            change(&record.settings)
            try record.settings.validate()
        }
    }

    /// `description` overrides the version's Description (AWS's PublishVersion `Description`);
    /// without it the version keeps $LATEST's.
    public func publishVersion(name: String, description: String? = nil, expectedCodeSha256: String?, expectedRevision: String?,
                               account: Account) throws -> FunctionRecord {
        defer { forget(name) }
        return try store.database.write { db in
            let latest = try Self.latest(db, name: name, account: account)
            if let expectedRevision, expectedRevision != latest.revisionId { throw Self.revisionMismatch }
            if let expectedCodeSha256, expectedCodeSha256 != latest.codeSha256 {
                throw AWSError.invalidParameter("CodeSHA256 (\(expectedCodeSha256)) is different from current CodeSHA256 in $LATEST (\(latest.codeSha256)). Please try again with the CodeSHA256 in $LATEST.")
            }
            return try Self.publish(db, latest: latest, description: description, now: now())
        }
    }

    /// Deletes the function (all versions) or one published version.
    public func delete(_ ref: FunctionReference, account: Account) throws {
        defer { forget(ref.name) }
        try store.database.write { db in
            if let qualifier = ref.qualifier, qualifier != "$LATEST" {
                if AliasRules.isAlias(qualifier) {
                    throw AWSError.invalidParameter("Deletion of aliases is not supported by DeleteFunction. Use DeleteAlias.")
                }
                let referencing = try AliasStore.referencing(db, function: ref.name, version: qualifier)
                if !referencing.isEmpty {
                    throw AWSError.resourceConflict("Unable to delete version because the following aliases reference it: [\(referencing.joined(separator: ", "))]")
                }
                try db.execute(sql: "DELETE FROM lambda_functions WHERE name = ? AND version = ?", arguments: [ref.name, qualifier])
                if db.changesCount == 0 {
                    throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(ref.name, qualifier: qualifier))")
                }
                return
            }
            if ref.qualifier == "$LATEST" {
                throw AWSError.invalidParameter("$LATEST version cannot be deleted without deleting the function.")
            }
            try db.execute(sql: "DELETE FROM lambda_functions WHERE name = ?", arguments: [ref.name])
            if db.changesCount == 0 {
                throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(ref.name))")
            }
            try db.execute(sql: "DELETE FROM lambda_function_tags WHERE name = ?", arguments: [ref.name])
            try db.execute(sql: "DELETE FROM lambda_aliases WHERE function_name = ?", arguments: [ref.name])
        }
        if ref.qualifier == nil { aliases.forget(function: ref.name) }
    }

    // MARK: Helpers

    private func modifyLatest(name: String, expectedRevision: String?, publish: Bool, account: Account,
                              change: (inout FunctionRecord) throws -> Void) throws -> FunctionRecord {
        defer { forget(name) }
        return try store.database.write { db in
            var record = try Self.latest(db, name: name, account: account)
            if let expectedRevision, expectedRevision != record.revisionId { throw Self.revisionMismatch }
            try change(&record)
            record.lastModified = now()
            record.revisionId = UUID().uuidString.lowercased()
            try Self.insert(db, record, replace: true)
            return publish ? try Self.publish(db, latest: record, now: now()) : record
        }
    }

    static let revisionMismatch = AWSError("PreconditionFailedException", status: 412,
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

    private static func latest(_ db: any SQLConnection, name: String, account: Account) throws -> FunctionRecord {
        guard let record = try fetch(db, name: name, version: "$LATEST") else {
            throw AWSError.resourceNotFound("Function not found: \(account.lambdaFunctionARN(name))")
        }
        return record
    }

    /// Publishes `latest` as the next version, unless the newest version already has its code
    /// and settings (AWS returns that version instead).
    private static func publish(_ db: any SQLConnection, latest: FunctionRecord, description: String? = nil,
                                now: Double) throws -> FunctionRecord {
        let versions = try db.fetchAll(sql: "SELECT * FROM lambda_functions WHERE name = ? AND version != '$LATEST'",
                                        arguments: [latest.name]).map(record)
        let newest = versions.max { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }
        var wanted = latest.settings
        if let description { wanted.description = description }
        if let newest, newest.codeSha256 == latest.codeSha256, newest.settings == wanted {
            return newest
        }
        var version = latest
        version.settings = wanted
        version.version = String((newest.flatMap { Int($0.version) } ?? 0) + 1)
        version.lastModified = now
        version.revisionId = UUID().uuidString.lowercased()
        try insert(db, version)
        return version
    }

    private static func fetch(_ db: any SQLConnection, name: String, version: String) throws -> FunctionRecord? {
        try db.fetchOne(sql: "SELECT * FROM lambda_functions WHERE name = ? AND version = ?",
                         arguments: [name, version]).map(record)
    }

    private static func insert(_ db: any SQLConnection, _ r: FunctionRecord, replace: Bool = false) throws {
        let settings = String(decoding: try JSONEncoder().encode(r.settings), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO lambda_functions
                (name, version, settings, code_sha256, code_digest, code_size, last_modified, revision_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)\(replace ? " ON CONFLICT (name, version) DO UPDATE SET settings = excluded.settings, code_sha256 = excluded.code_sha256, code_digest = excluded.code_digest, code_size = excluded.code_size, last_modified = excluded.last_modified, revision_id = excluded.revision_id" : "")
            """, arguments: [r.name, r.version, settings, r.codeSha256, r.codeDigest, r.codeSize, r.lastModified, r.revisionId])
    }

    private static func record(_ row: SQLRow) throws -> FunctionRecord {
        let settingsJSON: String = row["settings"]
        let settings = try JSONDecoder().decode(FunctionSettings.self, from: Data(settingsJSON.utf8))
        return FunctionRecord(name: row["name"], version: row["version"], settings: settings,
                              codeSha256: row["code_sha256"], codeDigest: row["code_digest"], codeSize: row["code_size"],
                              lastModified: row["last_modified"], revisionId: row["revision_id"])
    }
}
