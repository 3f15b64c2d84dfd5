import Foundation
import PetrelCore
import PetrelIdentity

extension IdentityRoutes {
    func sts(_ action: String, _ p: QueryInput, caller: Caller) throws -> Result {
        switch action {
        case "GetCallerIdentity":
            return { x in
                x.element("UserId", caller.principal.userID)
                x.element("Account", caller.principal.account)
                x.element("Arn", caller.principal.arn)
            }
        case "AssumeRole":
            return try assumeRole(p, caller: caller)
        case "GetSessionToken":
            guard caller.principal.kind != .assumedRole, caller.key?.ownerKind != "session" else {
                throw AWSError("AccessDenied", status: 403, "Cannot call GetSessionToken with session credentials")
            }
            let isRoot = caller.principal.kind == .root
            let duration = try p.int("DurationSeconds") ?? (isRoot ? 3600 : 43200)
            guard duration >= 900, duration <= (isRoot ? 3600 : 129_600) else {
                throw AWSError("ValidationError", status: 400, "1 validation error detected: Value '\(duration)' at 'durationSeconds' failed to satisfy constraint: Member must have value \(duration < 900 ? "greater than or equal to 900" : "less than or equal to \(isRoot ? 3600 : 129_600)")")
            }
            let key = try identities.createSession(roleARN: nil, sessionName: nil, user: caller.principal.userName, policy: nil, duration: duration)
            return { x in Self.write(credentials: key, &x) }
        default:
            throw AWSError("InvalidAction", status: 400, "Could not find operation \(action) for version \(Self.stsVersion). Petrel's STS serves GetCallerIdentity, AssumeRole and GetSessionToken.")
        }
    }

    func assumeRole(_ p: QueryInput, caller: Caller) throws -> Result {
        let roleARN = try p.required("RoleArn")
        let sessionName = try p.required("RoleSessionName")
        guard (2...64).contains(sessionName.count), sessionName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }) else {
            throw AWSError("ValidationError", status: 400, "1 validation error detected: Value '\(sessionName)' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        }
        let denied = AWSError("AccessDenied", status: 403, "User: \(caller.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(roleARN)")
        let roleName = String(roleARN.split(separator: "/").last ?? "")
        guard roleARN.hasPrefix("arn:aws:iam::\(account.id):role/"), let role = try? identities.principal(kind: "role", name: roleName),
              role.arn == roleARN, let trustText = role.trustPolicy else {
            throw denied
        }
        let trust = NamedPolicy(name: "trust policy of \(roleName)", document: try IdentityStore.parse(trustText, kind: .trust))
        let question = AuthorizationRequest(action: "sts:AssumeRole", resource: roleARN, resourceAccount: account.id, principal: caller.principal,
                                            context: AuthorizationRequest.standardContext(principal: caller.principal, sourceIP: nil,
                                                                                          secureTransport: false, now: Date()))
        if caller.principal.kind == .root {
            // AWS refuses root outright; Petrel lets the root assume a role that trusts the
            // account (unknown keys act as root in audit mode), and nothing else.
            guard PolicyEvaluator.trustAllows(trust.document, question) else { throw denied }
        } else {
            var policies = caller.policies
            policies.resource = [trust]
            guard PolicyEvaluator.evaluate(question, policies).isAllowed else { throw denied }
        }
        let maximum = caller.principal.kind == .assumedRole ? 3600 : (role.maxSessionDuration ?? 3600)
        let duration = try p.int("DurationSeconds") ?? 3600
        guard duration >= 900 else {
            throw AWSError("ValidationError", status: 400, "1 validation error detected: Value '\(duration)' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
        }
        guard duration <= maximum else {
            throw AWSError("ValidationError", status: 400, "The requested DurationSeconds exceeds the \(caller.principal.kind == .assumedRole ? "1 hour session limit for roles assumed by role chaining" : "MaxSessionDuration set for this role").")
        }
        var sessionPolicy = p["Policy"]
        for arn in p.list("PolicyArns").isEmpty ? Self.policyARNs(p) : p.list("PolicyArns") {
            // Managed session policies: their statements join the inline session policy's.
            let document = try identities.managedDocument(arn: arn)
            sessionPolicy = Self.merge(sessionPolicy, document)
        }
        var packedSize: Int?
        if let text = sessionPolicy {
            do {
                _ = try PolicyDocument.parse(text, kind: .identity)
            } catch {
                throw AWSError("MalformedPolicyDocument", status: 400, error.message)
            }
            guard text.utf8.count <= 2048 else {
                throw AWSError("PackedPolicyTooLarge", status: 400, "Packed size of consumed session policies exceeds 100% of limit.")
            }
            packedSize = max(1, text.utf8.count * 100 / 2048)
        }
        let key = try identities.createSession(roleARN: role.arn, sessionName: sessionName, user: nil, policy: sessionPolicy, duration: duration)
        return { x in
            Self.write(credentials: key, &x)
            x.open("AssumedRoleUser") { x in
                x.element("AssumedRoleId", "\(role.id):\(sessionName)")
                x.element("Arn", "arn:aws:sts::\(self.account.id):assumed-role/\(role.name)/\(sessionName)")
            }
            x.element("PackedPolicySize", packedSize)
        }
    }

    /// `PolicyArns.member.N.arn`.
    static func policyARNs(_ p: QueryInput) -> [String] {
        var out: [String] = []
        var i = 1
        while let arn = p["PolicyArns.member.\(i).arn"] { out.append(arn); i += 1 }
        return out
    }

    /// One document holding both documents' statements.
    static func merge(_ a: String?, _ b: String) -> String {
        guard let a else { return b }
        func statements(_ text: String) -> [Any] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
            if let list = object["Statement"] as? [Any] { return list }
            return object["Statement"].map { [$0] } ?? []
        }
        let merged: [String: Any] = ["Version": "2012-10-17", "Statement": statements(a) + statements(b)]
        return (try? JSONSerialization.data(withJSONObject: merged)).map { String(decoding: $0, as: UTF8.self) } ?? a
    }

    static func write(credentials key: IdentityStore.KeyRecord, _ x: inout XMLWriter) {
        x.open("Credentials") { x in
            x.element("AccessKeyId", key.accessKeyID)
            x.element("SecretAccessKey", key.secret)
            x.element("SessionToken", key.sessionToken)
            x.element("Expiration", key.expiration)
        }
    }
}
