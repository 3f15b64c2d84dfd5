import Foundation
import HTTPTypes
import Hummingbird
import PetrelCore
import PetrelIdentity
import PetrelObjects

/// IAM for S3, as AWS evaluates it: each operation's action and resource (S3ActionTable),
/// checked against the caller's identity policies together with the bucket's policy. An
/// explicit Deny in the bucket policy binds everyone, the account's root included; a bucket
/// policy granting `Principal: "*"` lets anonymous (unsigned) requests in, unless the bucket's
/// public access block restricts public buckets. In `--iam enforce` a refusal is S3's
/// AccessDenied; in `audit` it is recorded in /petrel/iam/audit and the request goes on.
extension ObjectRoutes {
    struct Authorized {
        var request: Request
        var signing: S3Signing?
        var principal: PrincipalIdentity
        /// DeleteObjects in enforce mode: the keys (`deleteEntry`) the caller may not delete, each
        /// answered with its own AccessDenied entry while the others are deleted, as S3 does.
        var deniedDeletes: Set<String> = []
    }

    /// A DeleteObjects entry as `deniedDeletes` names it.
    static func deleteEntry(_ key: String, _ versionID: String?) -> String { key + "\u{0}" + (versionID ?? "") }

    func authorize(_ request: Request, authorizer: Authorizer) async throws -> Authorized {
        var request = request
        let enforce = authorizer.mode == .enforce
        let identity: S3Signing.Identity
        do {
            identity = try S3Signing.authenticate(request, authorizer: authorizer)
        } catch let error as S3Error {
            if enforce { throw error }
            // Audit: what enforce would refuse is recorded; the request goes on as the root.
            let keyID = error.fields.first { $0.0 == "AWSAccessKeyId" }?.1
            for target in S3ActionTable.targets(for: Self.call(request, deletes: [])) {
                authorizer.audit.record(.init(principal: keyID.map { "unknown access key \($0)" } ?? "unverified signature", accessKeyId: keyID,
                                              action: target.action, resource: target.resource, reason: error.message, error: error.code))
            }
            return Authorized(request: request, signing: nil, principal: .root(account: account.id))
        }
        var deletes: [(key: String, versionID: String?)] = []
        if request.method == .post, S3Query(request.uri.query).has("delete") {
            let buffer = try await request.readBody(upTo: Self.maxXMLBody)
            request.body = .init(buffer: buffer)
            if let root = XMLNode.parse(Data(buffer: buffer)) {
                deletes = root.all("Object").compactMap { node in node.value("Key").map { (key: $0, versionID: node.value("VersionId")) } }
            }
        }
        let principal = identity.caller?.principal ?? .anonymous
        let policies = identity.caller?.policies ?? PolicySet()
        var access: [String: BucketAccess] = [:]
        func settings(_ bucket: String) -> BucketAccess {
            if let known = access[bucket] { return known }
            let found = (try? objects.access(bucket)) ?? BucketAccess()
            access[bucket] = found
            return found
        }
        let context = AuthorizationRequest.standardContext(principal: principal, sourceIP: nil, secureTransport: false, now: Date())
        let call = Self.call(request, deletes: deletes)
        let perKey = call.method == "POST" && call.key == nil && call.query["delete"] != nil
        var deniedDeletes: Set<String> = []
        for (index, target) in S3ActionTable.targets(for: call).enumerated() {
            var keys = context
            for (k, v) in target.context { keys[k] = v }
            var set = policies
            if let bucket = Self.bucket(inARN: target.resource) {
                set.resource = bucketPolicies(bucket, settings(bucket), principal: principal)
            }
            let question = AuthorizationRequest(action: target.action, resource: target.resource, resourceAccount: account.id,
                                                principal: principal, context: keys)
            let decision = PolicyEvaluator.evaluate(question, set)
            guard case .allow = decision else {
                let denial = Self.accessDenied(principal, target, decision)
                authorizer.audit.record(.init(principal: principal.arn, accessKeyId: identity.caller?.accessKeyID, action: target.action,
                                              resource: target.resource, reason: Authorizer.reason(decision), error: denial.code))
                if enforce, perKey, index < deletes.count {
                    deniedDeletes.insert(Self.deleteEntry(deletes[index].key, deletes[index].versionID))
                    continue
                }
                if enforce { throw denial }
                continue
            }
        }
        if let bucket = call.bucket, call.key != nil, call.method == "PUT", call.copySource == nil || call.cannedACL != nil {
            try checkCannedACL(call.cannedACL, settings(bucket))
        }
        return Authorized(request: request, signing: enforce ? identity.signing : nil, principal: principal, deniedDeletes: deniedDeletes)
    }

    /// The bucket's policy as it bears on this principal: with `RestrictPublicBuckets`, its
    /// public grants do not count for anonymous callers and other accounts'.
    func bucketPolicies(_ bucket: String, _ access: BucketAccess, principal: PrincipalIdentity) -> [NamedPolicy] {
        guard let text = access.policy, var document = try? PolicyDocument.parse(text, kind: .resource) else { return [] }
        if access.publicAccessBlock?.restrictPublicBuckets == true, principal.kind == .anonymous || principal.account != account.id {
            document = BucketPolicy.withoutPublicGrants(document)
        }
        return [NamedPolicy(name: "bucket policy of \(bucket)", document: document)]
    }

    /// `x-amz-acl` on a write: with ACLs disabled (BucketOwnerEnforced) only the owner's own
    /// canned ACLs are accepted; a public one is refused by `BlockPublicAcls`.
    func checkCannedACL(_ canned: String?, _ access: BucketAccess) throws {
        guard let canned, !OwnerACL.ownerOnly.contains(canned) else { return }
        if access.ownership.aclsDisabled { throw Self.aclsNotSupported() }
        if access.publicAccessBlock?.blockPublicAcls == true, OwnerACL.publicCanned.contains(canned) { throw S3Error("AccessDenied", status: 403, "Access Denied") }
        throw S3Error.notImplemented("ACL \(canned) (Petrel keeps only the owner's FULL_CONTROL: grant access with a bucket policy)")
    }

    static func aclsNotSupported() -> S3Error {
        S3Error("AccessControlListNotSupported", status: 400, "The bucket does not allow ACLs")
    }

    static func call(_ request: Request, deletes: [(key: String, versionID: String?)]) -> S3Call {
        let address = ObjectAddress.parse(host: request.head.authority, rawPath: request.uri.path)
        var query: [String: String] = [:]
        for (name, value) in S3Query(request.uri.query).pairs where query[name] == nil { query[name] = value }
        return S3Call(method: request.method.rawValue, bucket: address.bucket, key: address.key, query: query,
                      copySource: request.headers[HTTPField.Name("x-amz-copy-source")!],
                      cannedACL: request.headers[HTTPField.Name("x-amz-acl")!], deletes: deletes)
    }

    /// `arn:aws:s3:::bucket[/key]` → bucket.
    static func bucket(inARN arn: String) -> String? {
        guard arn.hasPrefix("arn:aws:s3:::") else { return nil }
        let rest = arn.dropFirst("arn:aws:s3:::".count)
        let bucket = rest.prefix { $0 != "/" }
        return bucket.isEmpty ? nil : String(bucket)
    }

    /// S3's AccessDenied, saying what IAM found missing (anonymous callers get S3's bare "Access Denied").
    static func accessDenied(_ principal: PrincipalIdentity, _ target: AuthorizationTarget, _ decision: Decision) -> S3Error {
        guard principal.kind != .anonymous else { return S3Error("AccessDenied", status: 403, "Access Denied") }
        let because: String
        switch decision {
        case .explicitDeny(let policy, _) where policy.hasPrefix("bucket policy"): because = "with an explicit deny in a resource-based policy"
        case .explicitDeny: because = "with an explicit deny in an identity-based policy"
        case .implicitDeny(let reason) where reason.contains("boundary"): because = "because no permissions boundary allows the \(target.action) action"
        case .implicitDeny(let reason) where reason.contains("session"): because = "because no session policy allows the \(target.action) action"
        case .implicitDeny(let reason) where reason.contains("resource-based"): because = "because no resource-based policy allows the \(target.action) action"
        default: because = "because no identity-based policy allows the \(target.action) action"
        }
        return S3Error("AccessDenied", status: 403,
                       "User: \(principal.arn) is not authorized to perform: \(target.action) on resource: \"\(target.resource)\" \(because)")
    }
}
