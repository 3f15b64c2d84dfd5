import Foundation
import PetrelStore
import PetrelCore
import PetrelIdentity

extension IdentityStore {
    /// IAM counts a document's size without its whitespace.
    static func policySize(_ text: String) -> Int { text.unicodeScalars.reduce(0) { $0 + ($1.properties.isWhitespace ? 0 : 1) } }

    static func parse(_ text: String, kind: PolicyDocument.Kind) throws -> PolicyDocument {
        do {
            return try PolicyDocument.parse(text, kind: kind)
        } catch {
            throw error.awsError
        }
    }

    // MARK: Inline policies

    func putInlinePolicy(kind: String, owner: String, name: String, document: String) throws {
        _ = try Self.parse(document, kind: .identity)
        try Self.validateName(name, field: "policyName", max: 128)
        let limit = kind == "user" ? 2048 : kind == "group" ? 5120 : 10240
        try write { db in
            guard try principalRow(db, kind: kind, name: owner) != nil else { throw Self.noSuchEntity("The \(kind) with name \(owner) cannot be found.") }
            let others = try db.fetchAll(String.self, sql: "SELECT document FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ? AND name != ?",
                                             arguments: [kind, owner, name])
            let total = others.map(Self.policySize).reduce(Self.policySize(document), +)
            guard total <= limit else {
                throw Self.error("LimitExceeded", 409, "Maximum policy size of \(limit) bytes exceeded for \(kind) \(owner)")
            }
            try db.execute(sql: "INSERT INTO iam_inline_policies (owner_kind, owner_name, name, document) VALUES (?, ?, ?, ?) ON CONFLICT (owner_kind, owner_name, name) DO UPDATE SET document = excluded.document",
                           arguments: [kind, owner, name, document])
        }
    }

    func inlinePolicy(kind: String, owner: String, name: String) throws -> String {
        guard let document = try read({ db in
            try db.fetchOne(String.self, sql: "SELECT document FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ? AND name = ?", arguments: [kind, owner, name])
        }) else {
            throw Self.noSuchEntity("The \(kind) policy with name \(name) cannot be found.")
        }
        return document
    }

    func inlinePolicyNames(kind: String, owner: String) throws -> [String] {
        _ = try principal(kind: kind, name: owner)
        return try read { db in
            try db.fetchAll(String.self, sql: "SELECT name FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ? ORDER BY name", arguments: [kind, owner])
        }
    }

    func deleteInlinePolicy(kind: String, owner: String, name: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ? AND name = ?", arguments: [kind, owner, name])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The \(kind) policy with name \(name) cannot be found.") }
        }
    }

    // MARK: Managed policies

    struct ManagedPolicyRecord: Sendable {
        var arn: String
        var name: String
        var id: String
        var path: String
        var description: String?
        var defaultVersion: String
        var created: Date
        var updated: Date
        var attachmentCount: Int
        var isAWSManaged: Bool
    }

    func createPolicy(name: String, path: String, document: String, description: String?) throws -> ManagedPolicyRecord {
        try Self.validateName(name, field: "policyName", max: 128)
        _ = try Self.parse(document, kind: .identity)
        guard Self.policySize(document) <= 6144 else { throw Self.error("LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144") }
        let path = path.isEmpty ? "/" : path
        let arn = "arn:aws:iam::\(account):policy\(path)\(name)"
        try write { db in
            guard try db.fetchOne(String.self, sql: "SELECT arn FROM iam_policies WHERE arn = ?", arguments: [arn]) == nil else {
                throw Self.error("EntityAlreadyExists", 409, "A policy called \(name) already exists. Duplicate names are not allowed.")
            }
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "INSERT INTO iam_policies (arn, name, id, path, description, default_version, next_version, created, updated) VALUES (?, ?, ?, ?, ?, 'v1', 2, ?, ?)",
                           arguments: [arn, name, Self.newID("ANPA", length: 21), path, description, now, now])
            try db.execute(sql: "INSERT INTO iam_policy_versions (arn, version_id, document, created) VALUES (?, 'v1', ?, ?)", arguments: [arn, document, now])
        }
        return try policy(arn: arn)
    }

    func policy(arn: String) throws -> ManagedPolicyRecord {
        if let managed = AWSManagedPolicies.named(arn: arn) {
            let count = try read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = ?", arguments: [arn]) ?? 0 }
            let epoch = Date(timeIntervalSince1970: 1_423_248_000)
            return ManagedPolicyRecord(arn: arn, name: managed.name, id: "ANPA" + String(managed.name.uppercased().filter(\.isLetter).prefix(17)),
                                       path: managed.path, description: managed.description, defaultVersion: managed.versionID,
                                       created: epoch, updated: epoch, attachmentCount: count, isAWSManaged: true)
        }
        guard let record = try read({ db -> ManagedPolicyRecord? in
            guard let row = try db.fetchOne(sql: "SELECT * FROM iam_policies WHERE arn = ?", arguments: [arn]) else { return nil }
            let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = ?", arguments: [arn]) ?? 0
            return ManagedPolicyRecord(arn: row["arn"], name: row["name"], id: row["id"], path: row["path"], description: row["description"],
                                       defaultVersion: row["default_version"], created: Date(timeIntervalSince1970: row["created"]),
                                       updated: Date(timeIntervalSince1970: row["updated"]), attachmentCount: count, isAWSManaged: false)
        }) else {
            throw Self.noSuchEntity("Policy \(arn) does not exist or is not attachable.")
        }
        return record
    }

    /// Scope `AWS`, `Local` or `All`.
    func policies(scope: String, onlyAttached: Bool) throws -> [ManagedPolicyRecord] {
        var out: [ManagedPolicyRecord] = []
        if scope != "Local" {
            out += try AWSManagedPolicies.all.map { try policy(arn: $0.arn) }
        }
        if scope != "AWS" {
            let arns = try read { db in try db.fetchAll(String.self, sql: "SELECT arn FROM iam_policies ORDER BY name") }
            out += try arns.map { try policy(arn: $0) }
        }
        return onlyAttached ? out.filter { $0.attachmentCount > 0 } : out
    }

    func deletePolicy(arn: String) throws {
        let record = try policy(arn: arn)
        guard !record.isAWSManaged else { throw Self.error("AccessDenied", 403, "You cannot delete an AWS managed policy.") }
        guard record.attachmentCount == 0 else { throw Self.error("DeleteConflict", 409, "Cannot delete a policy attached to entities.") }
        try write { db in
            try db.execute(sql: "DELETE FROM iam_policy_versions WHERE arn = ?", arguments: [arn])
            try db.execute(sql: "DELETE FROM iam_policies WHERE arn = ?", arguments: [arn])
        }
    }

    struct VersionRecord: Sendable {
        var versionID: String
        var document: String
        var isDefault: Bool
        var created: Date
    }

    func versions(arn: String) throws -> [VersionRecord] {
        let record = try policy(arn: arn)
        if let managed = AWSManagedPolicies.named(arn: arn) {
            return [VersionRecord(versionID: managed.versionID, document: managed.document, isDefault: true, created: record.created)]
        }
        return try read { db in
            try db.fetchAll(sql: "SELECT * FROM iam_policy_versions WHERE arn = ? ORDER BY created", arguments: [arn]).map { row in
                VersionRecord(versionID: row["version_id"], document: row["document"], isDefault: row["version_id"] == record.defaultVersion,
                              created: Date(timeIntervalSince1970: row["created"]))
            }
        }
    }

    func version(arn: String, id: String) throws -> VersionRecord {
        guard let version = try versions(arn: arn).first(where: { $0.versionID == id }) else {
            throw Self.noSuchEntity("Policy \(arn) version \(id) does not exist or is not attachable.")
        }
        return version
    }

    func createPolicyVersion(arn: String, document: String, setAsDefault: Bool) throws -> VersionRecord {
        let record = try policy(arn: arn)
        guard !record.isAWSManaged else { throw Self.error("AccessDenied", 403, "You cannot change an AWS managed policy.") }
        _ = try Self.parse(document, kind: .identity)
        guard Self.policySize(document) <= 6144 else { throw Self.error("LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144") }
        let id: String = try write { db in
            let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_policy_versions WHERE arn = ?", arguments: [arn]) ?? 0
            guard count < 5 else {
                throw Self.error("LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
            }
            let next = try db.fetchOne(Int.self, sql: "SELECT next_version FROM iam_policies WHERE arn = ?", arguments: [arn]) ?? 2
            let id = "v\(next)"
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "INSERT INTO iam_policy_versions (arn, version_id, document, created) VALUES (?, ?, ?, ?)", arguments: [arn, id, document, now])
            try db.execute(sql: "UPDATE iam_policies SET next_version = ?, updated = ?\(setAsDefault ? ", default_version = ?" : "") WHERE arn = ?",
                           arguments: setAsDefault ? [next + 1, now, id, arn] : [next + 1, now, arn])
            return id
        }
        return try version(arn: arn, id: id)
    }

    func setDefaultPolicyVersion(arn: String, id: String) throws {
        _ = try version(arn: arn, id: id)
        try write { db in try db.execute(sql: "UPDATE iam_policies SET default_version = ? WHERE arn = ?", arguments: [id, arn]) }
    }

    func deletePolicyVersion(arn: String, id: String) throws {
        let v = try version(arn: arn, id: id)
        guard !v.isDefault else { throw Self.error("DeleteConflict", 409, "Cannot delete the default version of a policy.") }
        try write { db in try db.execute(sql: "DELETE FROM iam_policy_versions WHERE arn = ? AND version_id = ?", arguments: [arn, id]) }
    }

    // MARK: Attachments

    func attach(kind: String, owner: String, arn: String) throws {
        _ = try policy(arn: arn)
        try write { db in
            guard try principalRow(db, kind: kind, name: owner) != nil else { throw Self.noSuchEntity("The \(kind) with name \(owner) cannot be found.") }
            let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_attachments WHERE owner_kind = ? AND owner_name = ?", arguments: [kind, owner]) ?? 0
            guard count < 10 else { throw Self.error("LimitExceeded", 409, "Cannot exceed quota for PoliciesPer\(kind.capitalized): 10") }
            try db.execute(sql: "INSERT INTO iam_attachments (owner_kind, owner_name, policy_arn) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", arguments: [kind, owner, arn])
        }
    }

    func detach(kind: String, owner: String, arn: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM iam_attachments WHERE owner_kind = ? AND owner_name = ? AND policy_arn = ?", arguments: [kind, owner, arn])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("Policy \(arn) was not found.") }
        }
    }

    func attached(kind: String, owner: String) throws -> [String] {
        _ = try principal(kind: kind, name: owner)
        return try read { db in
            try db.fetchAll(String.self, sql: "SELECT policy_arn FROM iam_attachments WHERE owner_kind = ? AND owner_name = ? ORDER BY policy_arn", arguments: [kind, owner])
        }
    }

    /// The default version's document of a managed policy (customer or AWS).
    func managedDocument(arn: String) throws -> String {
        if let managed = AWSManagedPolicies.named(arn: arn) { return managed.document }
        let record = try policy(arn: arn)
        return try version(arn: arn, id: record.defaultVersion).document
    }

    // MARK: What a principal may do

    /// The identity policies (inline and attached, the user's groups' too) and the boundary of
    /// a user or role, compiled; cached until the next IAM write.
    func policySet(kind: String, name: String) throws -> PolicySet {
        let cacheKey = "\(kind)/\(name)"
        let (hit, generation) = cache.withLock { ($0.policies[cacheKey], $0.generation) }
        if let hit { return hit }
        let record = try principal(kind: kind, name: name)
        var owners = [(kind, name)]
        if kind == "user" { owners += try groups(ofUser: name).map { ("group", $0.name) } }
        var identity: [NamedPolicy] = []
        for (ownerKind, ownerName) in owners {
            let inline = try read { db in
                try db.fetchAll(sql: "SELECT name, document FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ?", arguments: [ownerKind, ownerName])
            }
            for row in inline {
                identity.append(NamedPolicy(name: row["name"], document: try Self.parse(row["document"], kind: .identity)))
            }
            for arn in try attached(kind: ownerKind, owner: ownerName) {
                identity.append(NamedPolicy(name: arn, document: try Self.parse(try managedDocument(arn: arn), kind: .identity)))
            }
        }
        var set = PolicySet(identity: identity)
        if let boundary = record.boundaryARN {
            set.boundary = NamedPolicy(name: boundary, document: try Self.parse(try managedDocument(arn: boundary), kind: .identity))
        }
        remember(generation) { $0.policies[cacheKey] = set }
        return set
    }
}
