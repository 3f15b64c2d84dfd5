import Foundation
import PetrelStore
import PetrelCore
import PetrelIdentity
import Synchronization

/// IAM's entities in SQLite, and the lookups the gateway makes on every request (access key →
/// principal and compiled policies), cached in memory until the next IAM write.
final class IdentityStore: Sendable {
    let store: Store
    let account: String
    let cache = Mutex(Cache())

    struct Cache {
        var keys: [String: KeyRecord?] = [:]
        var policies: [String: PolicySet] = [:]
        var callers: [String: Caller] = [:]
        /// Bumped by every IAM write: a lookup that began before a write does not cache its answer.
        var generation = 0
    }

    init(store: Store, account: String) {
        self.store = store
        self.account = account
    }

    static func error(_ code: String, _ status: Int, _ message: String) -> AWSError { AWSError(code, status: status, message) }
    static func noSuchEntity(_ message: String) -> AWSError { error("NoSuchEntity", 404, message) }

    func invalidate() {
        cache.withLock { cache in
            let next = cache.generation + 1
            cache = Cache()
            cache.generation = next
        }
    }

    /// Caches `value` unless an IAM write happened since `generation` was read.
    func remember(_ generation: Int, _ store: (inout Cache) -> Void) {
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.keys.count + cache.policies.count + cache.callers.count > 30_000 {
                let current = cache.generation
                cache = Cache()
                cache.generation = current
            }
            store(&cache)
        }
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        defer { invalidate() }
        return try store.database.write(body)
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try store.database.read(body) }

    // MARK: Ids and secrets

    static let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static func newID(_ prefix: String, length: Int = 20) -> String {
        prefix + String((0..<(length - prefix.count)).map { _ in idAlphabet.randomElement()! })
    }
    static func newSecret() -> String {
        let chars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return String((0..<40).map { _ in chars.randomElement()! })
    }

    // MARK: Access keys

    struct KeyRecord: Sendable {
        var accessKeyID: String
        var secret: String
        var ownerKind: String
        var userName: String?
        var status: String
        var created: Date
        var sessionToken: String?
        var expiration: Date?
        var roleARN: String?
        var sessionName: String?
        var sessionPolicy: String?

        init(row: SQLRow) {
            accessKeyID = row["access_key_id"]
            secret = row["secret"]
            ownerKind = row["owner_kind"]
            userName = row["user_name"]
            status = row["status"]
            created = Date(timeIntervalSince1970: row["created"])
            sessionToken = row["session_token"]
            expiration = (row["expiration"] as Double?).map { Date(timeIntervalSince1970: $0) }
            roleARN = row["role_arn"]
            sessionName = row["session_name"]
            sessionPolicy = row["session_policy"]
        }

        var secretForVerifier: AccessKeySecret { AccessKeySecret(secret: secret, sessionToken: sessionToken, expiration: expiration) }
    }

    /// The key's record (cached), nil when no such key exists.
    func key(_ id: String) -> KeyRecord? {
        let (hit, generation) = cache.withLock { ($0.keys[id], $0.generation) }
        if let hit { return hit }
        let record = try? read { db in
            try db.fetchOne(sql: "SELECT * FROM iam_access_keys WHERE access_key_id = ?", arguments: [id]).map(KeyRecord.init)
        }
        remember(generation) { $0.keys[id] = .some(record ?? nil) }
        return record ?? nil
    }

    /// The root key, created on first start: (key, whether it was just created).
    func ensureRootKey() throws -> (KeyRecord, Bool) {
        try write { db in
            if let row = try db.fetchOne(sql: "SELECT * FROM iam_access_keys WHERE owner_kind = 'root' ORDER BY created LIMIT 1") {
                return (KeyRecord(row: row), false)
            }
            let id = Self.newID("AKIA")
            try db.execute(sql: "INSERT INTO iam_access_keys (access_key_id, secret, owner_kind, status, created) VALUES (?, ?, 'root', 'Active', ?)",
                           arguments: [id, Self.newSecret(), Date().timeIntervalSince1970])
            return (KeyRecord(row: try db.fetchOne(sql: "SELECT * FROM iam_access_keys WHERE access_key_id = ?", arguments: [id])!), true)
        }
    }

    func createAccessKey(user: String) throws -> KeyRecord {
        try write { db in
            guard try principalRow(db, kind: "user", name: user) != nil else {
                throw Self.noSuchEntity("The user with name \(user) cannot be found.")
            }
            let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_access_keys WHERE owner_kind = 'user' AND user_name = ?", arguments: [user]) ?? 0
            guard count < 2 else { throw Self.error("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2") }
            let id = Self.newID("AKIA")
            try db.execute(sql: "INSERT INTO iam_access_keys (access_key_id, secret, owner_kind, user_name, status, created) VALUES (?, ?, 'user', ?, 'Active', ?)",
                           arguments: [id, Self.newSecret(), user, Date().timeIntervalSince1970])
            return KeyRecord(row: try db.fetchOne(sql: "SELECT * FROM iam_access_keys WHERE access_key_id = ?", arguments: [id])!)
        }
    }

    func accessKeys(user: String) throws -> [KeyRecord] {
        try read { db in
            guard try principalRow(db, kind: "user", name: user) != nil else { throw Self.noSuchEntity("The user with name \(user) cannot be found.") }
            return try db.fetchAll(sql: "SELECT * FROM iam_access_keys WHERE owner_kind = 'user' AND user_name = ? ORDER BY created",
                                    arguments: [user]).map(KeyRecord.init)
        }
    }

    func updateAccessKey(_ id: String, user: String, status: String) throws {
        guard status == "Active" || status == "Inactive" else {
            throw Self.error("ValidationError", 400, "1 validation error detected: Value '\(status)' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
        }
        try write { db in
            try db.execute(sql: "UPDATE iam_access_keys SET status = ? WHERE access_key_id = ? AND owner_kind = 'user' AND user_name = ?", arguments: [status, id, user])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The Access Key with id \(id) cannot be found.") }
        }
    }

    func deleteAccessKey(_ id: String, user: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM iam_access_keys WHERE access_key_id = ? AND owner_kind = 'user' AND user_name = ?", arguments: [id, user])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The Access Key with id \(id) cannot be found.") }
        }
    }

    /// Temporary credentials (STS): a role session, or a user's session token.
    func createSession(roleARN: String?, sessionName: String?, user: String?, policy: String?, duration: Int) throws -> KeyRecord {
        try write { db in
            let id = Self.newID("ASIA")
            let token = "IQoJb3JpZ2luX2VjE" + Self.newSecret() + Self.newSecret()
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                INSERT INTO iam_access_keys (access_key_id, secret, owner_kind, user_name, status, created, session_token, expiration, role_arn, session_name, session_policy)
                VALUES (?, ?, 'session', ?, 'Active', ?, ?, ?, ?, ?, ?)
                """, arguments: [id, Self.newSecret(), user, now, token, now + Double(duration), roleARN, sessionName, policy])
            // Expired sessions are of no use to anyone: drop them as new ones are made.
            try db.execute(sql: "DELETE FROM iam_access_keys WHERE owner_kind = 'session' AND expiration < ?", arguments: [now - 3600])
            return KeyRecord(row: try db.fetchOne(sql: "SELECT * FROM iam_access_keys WHERE access_key_id = ?", arguments: [id])!)
        }
    }

    // MARK: Users, roles, groups

    struct PrincipalRecord: Sendable {
        var kind: String
        var name: String
        var id: String
        var arn: String
        var path: String
        var created: Date
        var trustPolicy: String?
        var description: String?
        var maxSessionDuration: Int?
        var boundaryARN: String?
        var tags: [String: String]

        init(row: SQLRow) {
            kind = row["kind"]
            name = row["name"]
            id = row["id"]
            arn = row["arn"]
            path = row["path"]
            created = Date(timeIntervalSince1970: row["created"])
            trustPolicy = row["trust_policy"]
            description = row["description"]
            maxSessionDuration = row["max_session_duration"]
            boundaryARN = row["boundary_arn"]
            let tagText: String = row["tags"]
            tags = (try? JSONDecoder().decode([String: String].self, from: Data(tagText.utf8))) ?? [:]
        }
    }

    static let kindTitles = ["user": "user", "role": "role", "group": "group"]
    static let idPrefixes = ["user": "AIDA", "role": "AROA", "group": "AGPA"]

    func principalRow(_ db: any SQLConnection, kind: String, name: String) throws -> PrincipalRecord? {
        try db.fetchOne(sql: "SELECT * FROM iam_principals WHERE kind = ? AND name = ?", arguments: [kind, name]).map(PrincipalRecord.init)
    }

    func principal(kind: String, name: String) throws -> PrincipalRecord {
        guard let record = try read({ db in try principalRow(db, kind: kind, name: name) }) else {
            throw Self.noSuchEntity(kind == "role" ? "The role with name \(name) cannot be found." : "The \(kind) with name \(name) cannot be found.")
        }
        return record
    }

    func createPrincipal(kind: String, name: String, path: String, trustPolicy: String? = nil, description: String? = nil,
                         maxSessionDuration: Int? = nil, boundaryARN: String? = nil, tags: [String: String] = [:]) throws -> PrincipalRecord {
        try Self.validateName(name, field: kind == "role" ? "roleName" : kind == "user" ? "userName" : "groupName", max: kind == "role" ? 64 : 128)
        let path = path.isEmpty ? "/" : path
        guard path.hasPrefix("/"), path.hasSuffix("/") else {
            throw Self.error("ValidationError", 400, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
        }
        return try write { db in
            if try principalRow(db, kind: kind, name: name) != nil {
                let title = kind == "role" ? "Role" : kind == "user" ? "User" : "Group"
                throw Self.error("EntityAlreadyExists", 409, "\(title) with name \(name) already exists.")
            }
            let arn = "arn:aws:iam::\(account):\(kind)\(path)\(name)"
            let tagText = String(decoding: try JSONEncoder().encode(tags), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO iam_principals (kind, name, id, arn, path, created, trust_policy, description, max_session_duration, boundary_arn, tags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [kind, name, Self.newID(Self.idPrefixes[kind]!, length: 21), arn, path, Date().timeIntervalSince1970,
                                 trustPolicy, description, maxSessionDuration, boundaryARN, tagText])
            return try principalRow(db, kind: kind, name: name)!
        }
    }

    static func validateName(_ name: String, field: String, max: Int) throws {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }
        guard !name.isEmpty, name.count <= max, allowed else {
            throw error("ValidationError", 400, "1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
        }
    }

    func principals(kind: String, pathPrefix: String?) throws -> [PrincipalRecord] {
        try read { db in
            try db.fetchAll(sql: "SELECT * FROM iam_principals WHERE kind = ? AND path LIKE ? ORDER BY name",
                             arguments: [kind, (pathPrefix ?? "/") + "%"]).map(PrincipalRecord.init)
        }
    }

    func deletePrincipal(kind: String, name: String) throws {
        try write { db in
            guard try principalRow(db, kind: kind, name: name) != nil else {
                throw Self.noSuchEntity("The \(kind) with name \(name) cannot be found.")
            }
            if kind == "user", try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_access_keys WHERE owner_kind = 'user' AND user_name = ?", arguments: [name])! > 0 {
                throw Self.error("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
            }
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_inline_policies WHERE owner_kind = ? AND owner_name = ?", arguments: [kind, name])! > 0 {
                throw Self.error("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
            }
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_attachments WHERE owner_kind = ? AND owner_name = ?", arguments: [kind, name])! > 0 {
                throw Self.error("DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
            }
            if kind == "group", try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM iam_group_members WHERE group_name = ?", arguments: [name])! > 0 {
                throw Self.error("DeleteConflict", 409, "Cannot delete entity, must remove users from group first.")
            }
            if kind == "user" { try db.execute(sql: "DELETE FROM iam_group_members WHERE user_name = ?", arguments: [name]) }
            try db.execute(sql: "DELETE FROM iam_principals WHERE kind = ? AND name = ?", arguments: [kind, name])
        }
    }

    func updateTrustPolicy(role: String, document: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE iam_principals SET trust_policy = ? WHERE kind = 'role' AND name = ?", arguments: [document, role])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The role with name \(role) cannot be found.") }
        }
    }

    func setBoundary(kind: String, name: String, arn: String?) throws {
        try write { db in
            try db.execute(sql: "UPDATE iam_principals SET boundary_arn = ? WHERE kind = ? AND name = ?", arguments: [arn, kind, name])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The \(kind) with name \(name) cannot be found.") }
        }
    }

    func addUserToGroup(group: String, user: String) throws {
        try write { db in
            guard try principalRow(db, kind: "group", name: group) != nil else { throw Self.noSuchEntity("The group with name \(group) cannot be found.") }
            guard try principalRow(db, kind: "user", name: user) != nil else { throw Self.noSuchEntity("The user with name \(user) cannot be found.") }
            try db.execute(sql: "INSERT INTO iam_group_members (group_name, user_name) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [group, user])
        }
    }

    func removeUserFromGroup(group: String, user: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM iam_group_members WHERE group_name = ? AND user_name = ?", arguments: [group, user])
            guard db.changesCount == 1 else { throw Self.noSuchEntity("The user with name \(user) cannot be found.") }
        }
    }

    func groups(ofUser user: String) throws -> [PrincipalRecord] {
        try read { db in
            try db.fetchAll(sql: """
                SELECT p.* FROM iam_principals p JOIN iam_group_members m ON p.kind = 'group' AND p.name = m.group_name
                WHERE m.user_name = ? ORDER BY p.name
                """, arguments: [user]).map(PrincipalRecord.init)
        }
    }

    func members(ofGroup group: String) throws -> [PrincipalRecord] {
        try read { db in
            try db.fetchAll(sql: """
                SELECT p.* FROM iam_principals p JOIN iam_group_members m ON p.kind = 'user' AND p.name = m.user_name
                WHERE m.group_name = ? ORDER BY p.name
                """, arguments: [group]).map(PrincipalRecord.init)
        }
    }
}
