import Foundation
import PetrelCore
import PetrelIdentity

/// Who made a request, as the gateway established it, and the policies that bound them.
struct Caller: Sendable {
    var principal: PrincipalIdentity
    var policies: PolicySet
    var accessKeyID: String?
    /// The key's record when the request was signed with a known key.
    var key: IdentityStore.KeyRecord?

    static func root(account: String, accessKeyID: String? = nil) -> Caller {
        Caller(principal: .root(account: account), policies: PolicySet(), accessKeyID: accessKeyID, key: nil)
    }
}

extension IdentityStore {
    /// The principal an access key stands for, with its policies; cached until the next IAM write.
    func caller(for key: IdentityStore.KeyRecord) throws -> Caller {
        let (hit, generation) = cache.withLock { ($0.callers[key.accessKeyID], $0.generation) }
        if let hit { return hit }
        let caller = try loadCaller(for: key)
        remember(generation) { $0.callers[key.accessKeyID] = caller }
        return caller
    }

    private func loadCaller(for key: IdentityStore.KeyRecord) throws -> Caller {
        switch key.ownerKind {
        case "user":
            return try userCaller(key.userName ?? "", key: key)
        case "session":
            if let roleARN = key.roleARN {
                let roleName = String(roleARN.split(separator: "/").last ?? "")
                let role = try principal(kind: "role", name: roleName)
                let session = key.sessionName ?? "session"
                var policies = try policySet(kind: "role", name: roleName)
                if let text = key.sessionPolicy {
                    policies.session = [NamedPolicy(name: "session policy", document: try Self.parse(text, kind: .identity))]
                }
                let principal = PrincipalIdentity(kind: .assumedRole, account: account, arn: "arn:aws:sts::\(account):assumed-role/\(roleName)/\(session)",
                                                  userID: "\(role.id):\(session)", roleARN: role.arn, tags: role.tags)
                return Caller(principal: principal, policies: policies, accessKeyID: key.accessKeyID, key: key)
            }
            if let user = key.userName { return try userCaller(user, key: key) }
            return Caller(principal: .root(account: account), policies: PolicySet(), accessKeyID: key.accessKeyID, key: key)
        default:
            return Caller(principal: .root(account: key.account ?? account), policies: PolicySet(), accessKeyID: key.accessKeyID, key: key)
        }
    }

    private func userCaller(_ name: String, key: IdentityStore.KeyRecord) throws -> Caller {
        let user = try principal(kind: "user", name: name)
        let principal = PrincipalIdentity(kind: .user, account: account, arn: user.arn, userID: user.id, userName: user.name, tags: user.tags)
        return Caller(principal: principal, policies: try policySet(kind: "user", name: name), accessKeyID: key.accessKeyID, key: key)
    }
}
