import Foundation
import PetrelCore
import PetrelIdentity

extension IdentityRoutes {
    typealias Result = (inout XMLWriter) throws -> Void

    static var emptyResult: Result { { _ in } }

    func iam(_ action: String, _ p: QueryInput, caller: Caller) throws -> Result {
        let store = identities
        switch action {
        // Users
        case "CreateUser":
            let user = try store.createPrincipal(kind: "user", name: try p.required("UserName"), path: p["Path"] ?? "/",
                                                 boundaryARN: p["PermissionsBoundary"], tags: p.tags())
            return { $0.open("User") { Self.write(user: user, &$0) } }
        case "GetUser":
            let name = try p["UserName"] ?? callerUserName(caller)
            let user = try store.principal(kind: "user", name: name)
            return { $0.open("User") { Self.write(user: user, &$0) } }
        case "ListUsers":
            let users = try store.principals(kind: "user", pathPrefix: p["PathPrefix"])
            return { x in x.list("Users", users) { Self.write(user: $1, &$0) }; x.element("IsTruncated", false) }
        case "DeleteUser":
            try store.deletePrincipal(kind: "user", name: try p.required("UserName"))
            return Self.emptyResult
        // Access keys
        case "CreateAccessKey":
            let key = try store.createAccessKey(user: try p["UserName"] ?? callerUserName(caller))
            return { x in
                x.open("AccessKey") { x in
                    x.element("UserName", key.userName)
                    x.element("AccessKeyId", key.accessKeyID)
                    x.element("Status", key.status)
                    x.element("SecretAccessKey", key.secret)
                    x.element("CreateDate", key.created)
                }
            }
        case "ListAccessKeys":
            let user = try p["UserName"] ?? callerUserName(caller)
            let keys = try store.accessKeys(user: user)
            return { x in
                x.list("AccessKeyMetadata", keys) { x, key in
                    x.element("UserName", key.userName)
                    x.element("AccessKeyId", key.accessKeyID)
                    x.element("Status", key.status)
                    x.element("CreateDate", key.created)
                }
                x.element("IsTruncated", false)
            }
        case "UpdateAccessKey":
            try store.updateAccessKey(try p.required("AccessKeyId"), user: try p["UserName"] ?? callerUserName(caller), status: try p.required("Status"))
            return Self.emptyResult
        case "DeleteAccessKey":
            try store.deleteAccessKey(try p.required("AccessKeyId"), user: try p["UserName"] ?? callerUserName(caller))
            return Self.emptyResult
        // Roles
        case "CreateRole":
            let trust = try p.required("AssumeRolePolicyDocument")
            _ = try IdentityStore.parse(trust, kind: .trust)
            guard IdentityStore.policySize(trust) <= 2048 else {
                throw AWSError("LimitExceeded", status: 409, "Cannot exceed quota for ACLSizePerRole: 2048")
            }
            let duration = try p.int("MaxSessionDuration") ?? 3600
            guard (3600...43200).contains(duration) else {
                throw AWSError("ValidationError", status: 400, "1 validation error detected: Value '\(duration)' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
            }
            let role = try store.createPrincipal(kind: "role", name: try p.required("RoleName"), path: p["Path"] ?? "/", trustPolicy: trust,
                                                 description: p["Description"], maxSessionDuration: duration,
                                                 boundaryARN: p["PermissionsBoundary"], tags: p.tags())
            return { $0.open("Role") { Self.write(role: role, &$0) } }
        case "GetRole":
            let role = try store.principal(kind: "role", name: try p.required("RoleName"))
            return { $0.open("Role") { Self.write(role: role, &$0) } }
        case "ListRoles":
            let roles = try store.principals(kind: "role", pathPrefix: p["PathPrefix"])
            return { x in x.list("Roles", roles) { Self.write(role: $1, &$0) }; x.element("IsTruncated", false) }
        case "DeleteRole":
            try store.deletePrincipal(kind: "role", name: try p.required("RoleName"))
            return Self.emptyResult
        case "UpdateAssumeRolePolicy":
            let document = try p.required("PolicyDocument")
            _ = try IdentityStore.parse(document, kind: .trust)
            try store.updateTrustPolicy(role: try p.required("RoleName"), document: document)
            return Self.emptyResult
        // Groups
        case "CreateGroup":
            let group = try store.createPrincipal(kind: "group", name: try p.required("GroupName"), path: p["Path"] ?? "/")
            return { $0.open("Group") { Self.write(group: group, &$0) } }
        case "GetGroup":
            let group = try store.principal(kind: "group", name: try p.required("GroupName"))
            let users = try store.members(ofGroup: group.name)
            return { x in
                x.open("Group") { Self.write(group: group, &$0) }
                x.list("Users", users) { Self.write(user: $1, &$0) }
                x.element("IsTruncated", false)
            }
        case "ListGroups":
            let groups = try store.principals(kind: "group", pathPrefix: p["PathPrefix"])
            return { x in x.list("Groups", groups) { Self.write(group: $1, &$0) }; x.element("IsTruncated", false) }
        case "ListGroupsForUser":
            let groups = try store.groups(ofUser: try p.required("UserName"))
            return { x in x.list("Groups", groups) { Self.write(group: $1, &$0) }; x.element("IsTruncated", false) }
        case "DeleteGroup":
            try store.deletePrincipal(kind: "group", name: try p.required("GroupName"))
            return Self.emptyResult
        case "AddUserToGroup":
            try store.addUserToGroup(group: try p.required("GroupName"), user: try p.required("UserName"))
            return Self.emptyResult
        case "RemoveUserFromGroup":
            try store.removeUserFromGroup(group: try p.required("GroupName"), user: try p.required("UserName"))
            return Self.emptyResult
        // Inline policies
        case "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy":
            let (kind, owner) = try Self.owner(action, p)
            try store.putInlinePolicy(kind: kind, owner: owner, name: try p.required("PolicyName"), document: try p.required("PolicyDocument"))
            return Self.emptyResult
        case "GetUserPolicy", "GetRolePolicy", "GetGroupPolicy":
            let (kind, owner) = try Self.owner(action, p)
            let name = try p.required("PolicyName")
            let document = try store.inlinePolicy(kind: kind, owner: owner, name: name)
            return { x in
                x.element("\(kind.capitalized)Name", owner)
                x.element("PolicyName", name)
                x.element("PolicyDocument", XMLWriter.urlEncoded(document))
            }
        case "ListUserPolicies", "ListRolePolicies", "ListGroupPolicies":
            let (kind, owner) = try Self.owner(action, p)
            let names = try store.inlinePolicyNames(kind: kind, owner: owner)
            return { x in x.list("PolicyNames", names) { x, n in x.raw(XMLWriter.escape(n)) }; x.element("IsTruncated", false) }
        case "DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy":
            let (kind, owner) = try Self.owner(action, p)
            try store.deleteInlinePolicy(kind: kind, owner: owner, name: try p.required("PolicyName"))
            return Self.emptyResult
        // Managed policies
        case "CreatePolicy":
            let policy = try store.createPolicy(name: try p.required("PolicyName"), path: p["Path"] ?? "/",
                                                document: try p.required("PolicyDocument"), description: p["Description"])
            return { $0.open("Policy") { Self.write(policy: policy, &$0) } }
        case "GetPolicy":
            let policy = try store.policy(arn: try p.required("PolicyArn"))
            return { $0.open("Policy") { Self.write(policy: policy, &$0) } }
        case "ListPolicies":
            let policies = try store.policies(scope: p["Scope"] ?? "All", onlyAttached: p["OnlyAttached"] == "true")
                .filter { p["PathPrefix"].map($0.path.hasPrefix) ?? true }
            return { x in x.list("Policies", policies) { Self.write(policy: $1, &$0) }; x.element("IsTruncated", false) }
        case "DeletePolicy":
            try store.deletePolicy(arn: try p.required("PolicyArn"))
            return Self.emptyResult
        case "CreatePolicyVersion":
            let version = try store.createPolicyVersion(arn: try p.required("PolicyArn"), document: try p.required("PolicyDocument"),
                                                        setAsDefault: p["SetAsDefault"] == "true")
            return { $0.open("PolicyVersion") { Self.write(version: version, &$0) } }
        case "GetPolicyVersion":
            let version = try store.version(arn: try p.required("PolicyArn"), id: try p.required("VersionId"))
            return { $0.open("PolicyVersion") { Self.write(version: version, &$0) } }
        case "ListPolicyVersions":
            let versions = try store.versions(arn: try p.required("PolicyArn"))
            return { x in x.list("Versions", versions) { Self.write(version: $1, &$0) }; x.element("IsTruncated", false) }
        case "DeletePolicyVersion":
            try store.deletePolicyVersion(arn: try p.required("PolicyArn"), id: try p.required("VersionId"))
            return Self.emptyResult
        case "SetDefaultPolicyVersion":
            try store.setDefaultPolicyVersion(arn: try p.required("PolicyArn"), id: try p.required("VersionId"))
            return Self.emptyResult
        // Attachments
        case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy":
            let (kind, owner) = try Self.owner(action, p)
            try store.attach(kind: kind, owner: owner, arn: try p.required("PolicyArn"))
            return Self.emptyResult
        case "DetachUserPolicy", "DetachRolePolicy", "DetachGroupPolicy":
            let (kind, owner) = try Self.owner(action, p)
            try store.detach(kind: kind, owner: owner, arn: try p.required("PolicyArn"))
            return Self.emptyResult
        case "ListAttachedUserPolicies", "ListAttachedRolePolicies", "ListAttachedGroupPolicies":
            let (kind, owner) = try Self.owner(action, p)
            let arns = try store.attached(kind: kind, owner: owner)
            return { x in
                x.list("AttachedPolicies", arns) { x, arn in
                    x.element("PolicyName", String(arn.split(separator: "/").last ?? ""))
                    x.element("PolicyArn", arn)
                }
                x.element("IsTruncated", false)
            }
        case "PutUserPermissionsBoundary", "PutRolePermissionsBoundary":
            let (kind, owner) = try Self.owner(action, p)
            let arn = try p.required("PermissionsBoundary")
            _ = try store.policy(arn: arn)
            try store.setBoundary(kind: kind, name: owner, arn: arn)
            return Self.emptyResult
        case "DeleteUserPermissionsBoundary", "DeleteRolePermissionsBoundary":
            let (kind, owner) = try Self.owner(action, p)
            try store.setBoundary(kind: kind, name: owner, arn: nil)
            return Self.emptyResult
        case "GetAccountAuthorizationDetails":
            return try accountAuthorizationDetails(p)
        // The evaluator, exposed
        case "SimulatePrincipalPolicy":
            return try simulatePrincipal(p)
        case "SimulateCustomPolicy":
            return try simulateCustom(p)
        default:
            throw AWSError("InvalidAction", status: 400, "Could not find operation \(action) for version \(Self.iamVersion). Petrel's IAM serves users, groups, roles, access keys, inline and managed policies, attachments, permissions boundaries and the policy simulator.")
        }
    }

    func callerUserName(_ caller: Caller) throws -> String {
        guard let name = caller.principal.userName else {
            throw AWSError("ValidationError", status: 400, "Must specify userName when calling with non-User credentials")
        }
        return name
    }

    /// `PutUserPolicy` → ("user", UserName), `AttachRolePolicy` → ("role", RoleName), …
    static func owner(_ action: String, _ p: QueryInput) throws -> (String, String) {
        if action.contains("User") && !action.contains("Users") { return ("user", try p.required("UserName")) }
        if action.contains("Role") { return ("role", try p.required("RoleName")) }
        return ("group", try p.required("GroupName"))
    }

    /// The members users, roles and groups share: Path, <Kind>Name, <Kind>Id, Arn, CreateDate.
    static func writeCommon(_ kind: String, _ record: IdentityStore.PrincipalRecord, _ x: inout XMLWriter) {
        x.element("Path", record.path)
        x.element("\(kind)Name", record.name)
        x.element("\(kind)Id", record.id)
        x.element("Arn", record.arn)
        x.element("CreateDate", record.created)
    }

    static func write(user: IdentityStore.PrincipalRecord, _ x: inout XMLWriter) {
        writeCommon("User", user, &x)
        writeBoundary(user.boundaryARN, &x)
        writeTags(user.tags, &x)
    }

    static func write(role: IdentityStore.PrincipalRecord, _ x: inout XMLWriter) {
        writeCommon("Role", role, &x)
        x.element("AssumeRolePolicyDocument", role.trustPolicy.map(XMLWriter.urlEncoded))
        x.element("Description", role.description)
        x.element("MaxSessionDuration", role.maxSessionDuration)
        writeBoundary(role.boundaryARN, &x)
        writeTags(role.tags, &x)
    }

    static func write(group: IdentityStore.PrincipalRecord, _ x: inout XMLWriter) {
        writeCommon("Group", group, &x)
    }

    static func writeBoundary(_ arn: String?, _ x: inout XMLWriter) {
        guard let arn else { return }
        x.open("PermissionsBoundary") { x in
            x.element("PermissionsBoundaryType", "Policy")
            x.element("PermissionsBoundaryArn", arn)
        }
    }

    static func writeTags(_ tags: [String: String], _ x: inout XMLWriter) {
        guard !tags.isEmpty else { return }
        x.list("Tags", tags.sorted { $0.key < $1.key }) { x, tag in
            x.element("Key", tag.key)
            x.element("Value", tag.value)
        }
    }

    static func write(policy: IdentityStore.ManagedPolicyRecord, _ x: inout XMLWriter) {
        x.element("PolicyName", policy.name)
        x.element("PolicyId", policy.id)
        x.element("Arn", policy.arn)
        x.element("Path", policy.path)
        x.element("DefaultVersionId", policy.defaultVersion)
        x.element("AttachmentCount", policy.attachmentCount)
        x.element("PermissionsBoundaryUsageCount", 0)
        x.element("IsAttachable", true)
        x.element("Description", policy.description)
        x.element("CreateDate", policy.created)
        x.element("UpdateDate", policy.updated)
    }

    static func write(version: IdentityStore.VersionRecord, _ x: inout XMLWriter) {
        x.element("Document", XMLWriter.urlEncoded(version.document))
        x.element("VersionId", version.versionID)
        x.element("IsDefaultVersion", version.isDefault)
        x.element("CreateDate", version.created)
    }
}
