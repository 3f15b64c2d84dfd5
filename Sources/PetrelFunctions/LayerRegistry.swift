import Foundation
import PetrelStore
import PetrelCore

/// One published layer version.
public struct LayerVersionRecord: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var description: String
    public var compatibleRuntimes: [String]
    public var compatibleArchitectures: [String]
    public var licenseInfo: String?
    public var codeSha256: String
    public var codeDigest: String
    public var codeSize: Int
    public var created: Double

    public func arn(_ account: Account) -> String { "\(layerArn(account)):\(version)" }
    public func layerArn(_ account: Account) -> String { "arn:aws:lambda:\(account.region):\(account.id):layer:\(name)" }
}

/// Lambda layers: versioned zips, extracted in order under /opt for the functions that use them.
public struct LayerRegistry: Sendable {
    let store: Store
    public let code: CodeStore

    public init(store: Store, code: CodeStore) {
        self.store = store
        self.code = code
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("layers-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_layer_versions (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    description TEXT NOT NULL,
                    runtimes TEXT NOT NULL,
                    architectures TEXT NOT NULL,
                    license TEXT,
                    code_sha256 TEXT NOT NULL,
                    code_digest TEXT NOT NULL,
                    code_size INTEGER NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (name, version)
                );
                CREATE TABLE lambda_layer_counters (name TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
                """)
        }
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 140 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    public func publish(name: String, description: String, runtimes: [String], architectures: [String], license: String?,
                        zip: Data) throws -> LayerVersionRecord {
        guard Self.validName(name) else {
            throw AWSError.validation("1 validation error detected: Value '\(name)' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+")
        }
        for runtime in runtimes where Runtimes.family(of: runtime) == nil {
            throw AWSError.invalidParameter("Value \(runtime) at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set")
        }
        let stored = try code.store(zip: zip)
        return try store.database.write { db in
            // Version numbers are never reused, even after a delete (as on AWS).
            let last = try db.fetchOne(Int.self, sql: "SELECT last_version FROM lambda_layer_counters WHERE name = ?", arguments: [name]) ?? 0
            try db.execute(sql: "INSERT INTO lambda_layer_counters (name, last_version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version", arguments: [name, last + 1])
            let record = LayerVersionRecord(name: name, version: last + 1, description: description, compatibleRuntimes: runtimes,
                                            compatibleArchitectures: architectures, licenseInfo: license, codeSha256: stored.sha256Base64,
                                            codeDigest: stored.digest, codeSize: stored.size, created: Date().timeIntervalSince1970)
            try db.execute(sql: """
                INSERT INTO lambda_layer_versions (name, version, description, runtimes, architectures, license, code_sha256, code_digest, code_size, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [name, record.version, description, Self.json(runtimes), Self.json(architectures), license,
                                 record.codeSha256, record.codeDigest, record.codeSize, record.created])
            return record
        }
    }

    public func get(name: String, version: Int, account: Account) throws -> LayerVersionRecord {
        let record = try store.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM lambda_layer_versions WHERE name = ? AND version = ?", arguments: [name, version]).map(Self.record)
        }
        guard let record else {
            throw AWSError.resourceNotFound("The resource you requested does not exist. (Layer version arn:aws:lambda:\(account.region):\(account.id):layer:\(name):\(version))")
        }
        return record
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`
    public func get(arn: String, account: Account) throws -> LayerVersionRecord {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 8, parts[0] == "arn", parts[2] == "lambda", parts[5] == "layer", let version = Int(parts[7]) else {
            throw AWSError.validation("1 validation error detected: Value '\(arn)' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+")
        }
        return try get(name: String(parts[6]), version: version, account: account)
    }

    public func versions(name: String) throws -> [LayerVersionRecord] {
        try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_layer_versions WHERE name = ? ORDER BY version DESC", arguments: [name]).map(Self.record)
        }
    }

    /// The newest version of each layer (compatible with `runtime` when given), by name.
    public func latest(compatibleWith runtime: String?) throws -> [LayerVersionRecord] {
        let all = try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_layer_versions ORDER BY name, version DESC").map(Self.record)
        }
        var seen = Set<String>()
        return all.filter { record in
            guard runtime.map({ record.compatibleRuntimes.contains($0) }) ?? true, !seen.contains(record.name) else { return false }
            seen.insert(record.name)
            return true
        }
    }

    public func delete(name: String, version: Int) throws {
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_layer_versions WHERE name = ? AND version = ?", arguments: [name, version])
        }
    }

    /// Checks a function's Layers list (existing versions, at most 5, no layer twice).
    public func resolve(_ arns: [String], account: Account) throws -> [LayerVersionRecord] {
        guard arns.count <= 5 else { throw AWSError.invalidParameter("Cannot reference more than 5 layers.") }
        var names = Set<String>()
        return try arns.map { arn in
            let record: LayerVersionRecord
            do {
                record = try get(arn: arn, account: account)
            } catch let error as AWSError where error.status == 404 {
                throw AWSError.invalidParameter("Layer version \(arn) does not exist.")
            }
            guard names.insert(record.name).inserted else {
                throw AWSError.invalidParameter("Two different versions of the same layer are not allowed to be referenced in the same function. \(record.name) is referenced more than once.")
            }
            return record
        }
    }

    /// The folder to show at /opt: the layers' trees merged in order (later layers win),
    /// built once per combination and reused.
    public func optDirectory(for arns: [String], account: Account) throws -> String? {
        guard !arns.isEmpty else { return nil }
        let layers = try resolve(arns, account: account)
        return try code.mergedDirectory(of: layers.map(\.codeDigest)).path
    }

    static func json(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func record(_ row: SQLRow) throws -> LayerVersionRecord {
        func list(_ column: String) throws -> [String] {
            try JSONDecoder().decode([String].self, from: Data((row[column] as String).utf8))
        }
        return LayerVersionRecord(name: row["name"], version: row["version"], description: row["description"],
                                  compatibleRuntimes: try list("runtimes"), compatibleArchitectures: try list("architectures"),
                                  licenseInfo: row["license"], codeSha256: row["code_sha256"], codeDigest: row["code_digest"],
                                  codeSize: row["code_size"], created: row["created"])
    }
}
