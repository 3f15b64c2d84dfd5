import Foundation
import PetrelStore
import PetrelCore

/// GetAccountAuthorizationDetails: every user, group and role with its inline and attached
/// policies, and the managed policies with their versions.
extension IdentityRoutes {
    func accountAuthorizationDetails(_ p: QueryInput) throws -> Result {
        let filters = Set(p.list("Filter"))
        func wanted(_ kind: String) -> Bool { filters.isEmpty || filters.contains(kind) }
        let store = identities
        let users = wanted("User") ? try store.principals(kind: "user", pathPrefix: nil) : []
        let groups = wanted("Group") ? try store.principals(kind: "group", pathPrefix: nil) : []
        let roles = wanted("Role") ? try store.principals(kind: "role", pathPrefix: nil) : []
        var policies: [IdentityStore.ManagedPolicyRecord] = []
        if wanted("LocalManagedPolicy") { policies += try store.policies(scope: "Local", onlyAttached: false) }
        if wanted("AWSManagedPolicy") { policies += try store.policies(scope: "AWS", onlyAttached: !filters.contains("AWSManagedPolicy")) }
        func inline(_ kind: String, _ owner: String) throws -> [(String, String)] {
            try store.inlinePolicyNames(kind: kind, owner: owner).map { ($0, try store.inlinePolicy(kind: kind, owner: owner, name: $0)) }
        }
        let userDetails = try users.map { ($0, try inline("user", $0.name), try store.attached(kind: "user", owner: $0.name), try store.groups(ofUser: $0.name)) }
        let groupDetails = try groups.map { ($0, try inline("group", $0.name), try store.attached(kind: "group", owner: $0.name)) }
        let roleDetails = try roles.map { ($0, try inline("role", $0.name), try store.attached(kind: "role", owner: $0.name)) }
        let versions = try policies.map { try store.versions(arn: $0.arn) }
        return { x in
            x.list("UserDetailList", userDetails) { x, d in
                let (user, inline, attached, groups) = d
                Self.writeCommon("User", user, &x)
                Self.writeInline("UserPolicyList", inline, &x)
                x.list("GroupList", groups) { x, g in x.raw(XMLWriter.escape(g.name)) }
                Self.writeAttached(attached, &x)
                Self.writeBoundary(user.boundaryARN, &x)
                Self.writeTags(user.tags, &x)
            }
            x.list("GroupDetailList", groupDetails) { x, d in
                let (group, inline, attached) = d
                Self.write(group: group, &x)
                Self.writeInline("GroupPolicyList", inline, &x)
                Self.writeAttached(attached, &x)
            }
            x.list("RoleDetailList", roleDetails) { x, d in
                let (role, inline, attached) = d
                Self.writeCommon("Role", role, &x)
                x.element("AssumeRolePolicyDocument", role.trustPolicy.map(XMLWriter.urlEncoded))
                x.list("InstanceProfileList", [String]()) { _, _ in }
                Self.writeInline("RolePolicyList", inline, &x)
                Self.writeAttached(attached, &x)
                Self.writeBoundary(role.boundaryARN, &x)
                Self.writeTags(role.tags, &x)
            }
            x.list("Policies", Array(zip(policies, versions))) { x, pair in
                Self.write(policy: pair.0, &x)
                x.list("PolicyVersionList", pair.1) { Self.write(version: $1, &$0) }
            }
            x.element("IsTruncated", false)
        }
    }

    static func writeInline(_ name: String, _ policies: [(String, String)], _ x: inout XMLWriter) {
        x.list(name, policies) { x, policy in
            x.element("PolicyName", policy.0)
            x.element("PolicyDocument", XMLWriter.urlEncoded(policy.1))
        }
    }

    static func writeAttached(_ arns: [String], _ x: inout XMLWriter) {
        x.list("AttachedManagedPolicies", arns) { x, arn in
            x.element("PolicyName", String(arn.split(separator: "/").last ?? ""))
            x.element("PolicyArn", arn)
        }
    }
}
