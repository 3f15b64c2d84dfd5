import Foundation
import PetrelCore
import PetrelIdentity
import PetrelStore

/// Functions' resource-based policies (AddPermission, RemovePermission, GetPolicy): one
/// document per function and qualifier, with its own revision id, and the compiled policies
/// the authorizer evaluates on Invoke (kept two seconds, dropped at once by a local write).
final class FunctionPermissions: Sendable {
    let store: Store
    private struct Compiled: Sendable {
        var policies: [NamedPolicy]
        var at: ContinuousClock.Instant
    }
    private let cache = GenerationCache<Compiled>()
    static let cacheLifetime: Duration = .seconds(2)

    init(store: Store) {
        self.store = store
    }

    struct Stored: Sendable {
        var document: String
        var revisionID: String
    }

    func policy(function: String, qualifier: String?) throws -> Stored? {
        try store.database.read { db in try Self.fetch(db, function: function, qualifier: qualifier ?? "") }
    }

    private static func fetch(_ db: any SQLConnection, function: String, qualifier: String) throws -> Stored? {
        try db.fetchOne(sql: "SELECT document, revision_id FROM lambda_function_policies WHERE function_name = ? AND qualifier = ?",
                        arguments: [function, qualifier]).map { Stored(document: $0["document"], revisionID: $0["revision_id"]) }
    }

    /// Appends a statement; answers the statement's text.
    func add(function: String, qualifier: String?, statement: [String: Any], expectedRevision: String?) throws -> String {
        defer { invalidate() }
        return try store.database.write { db in
            let current = try Self.fetch(db, function: function, qualifier: qualifier ?? "")
            if let expectedRevision, expectedRevision != current?.revisionID { throw FunctionPolicy.revisionMismatch }
            let (document, text) = try FunctionPolicy.adding(statement, to: current?.document)
            try db.execute(sql: """
                INSERT INTO lambda_function_policies (function_name, qualifier, revision_id, document) VALUES (?, ?, ?, ?)
                ON CONFLICT (function_name, qualifier) DO UPDATE SET revision_id = excluded.revision_id, document = excluded.document
                """, arguments: [function, qualifier ?? "", UUID().uuidString.lowercased(), document])
            return text
        }
    }

    func remove(function: String, qualifier: String?, statementID: String, expectedRevision: String?) throws {
        defer { invalidate() }
        try store.database.write { db in
            guard let current = try Self.fetch(db, function: function, qualifier: qualifier ?? "") else { throw FunctionPolicy.noPolicy }
            if let expectedRevision, expectedRevision != current.revisionID { throw FunctionPolicy.revisionMismatch }
            if let document = try FunctionPolicy.removing(statementID, from: current.document) {
                try db.execute(sql: "UPDATE lambda_function_policies SET revision_id = ?, document = ? WHERE function_name = ? AND qualifier = ?",
                               arguments: [UUID().uuidString.lowercased(), document, function, qualifier ?? ""])
            } else {
                try db.execute(sql: "DELETE FROM lambda_function_policies WHERE function_name = ? AND qualifier = ?",
                               arguments: [function, qualifier ?? ""])
            }
        }
    }

    /// Forgets a deleted function's policies (all of them, or one version's).
    func delete(function: String, qualifier: String?) throws {
        defer { invalidate() }
        try store.database.write { db in
            if let qualifier {
                try db.execute(sql: "DELETE FROM lambda_function_policies WHERE function_name = ? AND qualifier = ?", arguments: [function, qualifier])
            } else {
                try db.execute(sql: "DELETE FROM lambda_function_policies WHERE function_name = ?", arguments: [function])
            }
        }
    }

    private func invalidate() {
        cache.invalidateAll()
    }

    /// The policies that bear on a call to `function` (the unqualified function's and the
    /// qualifier's), compiled; empty when it has none.
    func resourcePolicies(function: String, qualifier: String?) -> [NamedPolicy] {
        let key = function + "\u{0}" + (qualifier ?? "")
        let now = ContinuousClock.now
        let (hit, generation) = cache.lookup(key)
        if let hit, hit.at.duration(to: now) < Self.cacheLifetime { return hit.policies }
        var policies: [NamedPolicy] = []
        for q in Set(["", qualifier ?? ""]).sorted() {
            guard let stored = try? store.database.read({ db in try Self.fetch(db, function: function, qualifier: q) }),
                  let document = try? PolicyDocument.parse(stored.document, kind: .resource) else { continue }
            policies.append(NamedPolicy(name: "resource-based policy of function \(function)\(q.isEmpty ? "" : ":" + q)", document: document))
        }
        cache.store(Compiled(policies: policies, at: now), for: key, readAt: generation)
        return policies
    }
}
