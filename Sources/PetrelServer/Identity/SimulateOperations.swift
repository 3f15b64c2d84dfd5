import Foundation
import PetrelCore
import PetrelIdentity

/// SimulatePrincipalPolicy and SimulateCustomPolicy: the evaluator the gateway uses, exposed.
extension IdentityRoutes {
    func simulatePrincipal(_ p: QueryInput) throws -> Result {
        let source = try p.required("PolicySourceArn")
        let parts = source.split(separator: ":", maxSplits: 5).last.map { $0.split(separator: "/") } ?? []
        guard source.hasPrefix("arn:aws:iam::\(account.id):"), let kind = parts.first.map(String.init), ["user", "role", "group"].contains(kind),
              let name = parts.last.map(String.init) else {
            throw AWSError("InvalidInput", status: 400, "Invalid ARN: \(source)")
        }
        var policies = try identities.policySet(kind: kind, name: name)
        policies.identity += try Self.documents(p.list("PolicyInputList"), label: "PolicyInputList")
        if let boundaries = try Optional(Self.documents(p.list("PermissionsBoundaryPolicyInputList"), label: "PermissionsBoundaryPolicyInputList")), let first = boundaries.first {
            policies.boundary = first
        }
        let record = try identities.principal(kind: kind, name: name)
        let principal: PrincipalIdentity = kind == "user"
            ? PrincipalIdentity(kind: .user, account: account.id, arn: record.arn, userID: record.id, userName: record.name, tags: record.tags)
            : PrincipalIdentity(kind: .assumedRole, account: account.id, arn: record.arn, userID: record.id, roleARN: record.arn, tags: record.tags)
        return try simulate(p, principal: principal, policies: policies)
    }

    func simulateCustom(_ p: QueryInput) throws -> Result {
        let inputs = p.list("PolicyInputList")
        guard !inputs.isEmpty else { _ = try p.required("PolicyInputList.member.1"); return Self.emptyResult }
        var policies = PolicySet(identity: try Self.documents(inputs, label: "PolicyInputList"))
        policies.boundary = try Self.documents(p.list("PermissionsBoundaryPolicyInputList"), label: "PermissionsBoundaryPolicyInputList").first
        let callerARN = p["CallerArn"] ?? "arn:aws:iam::\(account.id):user/simulated"
        let principal = PrincipalIdentity(kind: .user, account: account.id, arn: callerARN, userID: "AIDASIMULATED",
                                          userName: String(callerARN.split(separator: "/").last ?? "simulated"))
        return try simulate(p, principal: principal, policies: policies)
    }

    static func documents(_ texts: [String], label: String) throws -> [NamedPolicy] {
        try texts.enumerated().map { index, text in
            NamedPolicy(name: "\(label).\(index + 1)", document: try IdentityStore.parse(text, kind: .identity))
        }
    }

    /// `ContextEntries.member.N.ContextKeyName` / `.ContextKeyValues.member.M`.
    static func contextEntries(_ p: QueryInput) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var i = 1
        while let name = p["ContextEntries.member.\(i).ContextKeyName"] {
            out[name.lowercased()] = p.list("ContextEntries.member.\(i).ContextKeyValues")
            i += 1
        }
        return out
    }

    func simulate(_ p: QueryInput, principal: PrincipalIdentity, policies: PolicySet) throws -> Result {
        let actions = p.list("ActionNames")
        guard !actions.isEmpty else { _ = try p.required("ActionNames.member.1"); return Self.emptyResult }
        var policies = policies
        if let resourcePolicy = p["ResourcePolicy"] {
            policies.resource = [NamedPolicy(name: "ResourcePolicy", document: try IdentityStore.parse(resourcePolicy, kind: .resource))]
        }
        let resources = p.list("ResourceArns").isEmpty ? ["*"] : p.list("ResourceArns")
        var context = AuthorizationRequest.standardContext(principal: principal, sourceIP: nil, secureTransport: true, now: Date())
        for (key, values) in Self.contextEntries(p) { context[key] = values }
        var results: [(String, String, String, String?)] = []
        for action in actions {
            for resource in resources {
                let request = AuthorizationRequest(action: action, resource: resource, resourceAccount: account.id, principal: principal, context: context)
                switch PolicyEvaluator.evaluate(request, policies) {
                case .allow: results.append((action, resource, "allowed", nil))
                case .explicitDeny(let policy, _): results.append((action, resource, "explicitDeny", policy))
                case .implicitDeny: results.append((action, resource, "implicitDeny", nil))
                }
            }
        }
        return { x in
            x.list("EvaluationResults", results) { x, r in
                x.element("EvalActionName", r.0)
                x.element("EvalResourceName", r.1)
                x.element("EvalDecision", r.2)
                x.list("MatchedStatements", r.3.map { [$0] } ?? []) { x, policy in
                    x.element("SourcePolicyId", policy)
                    x.element("SourcePolicyType", "IAM Policy")
                }
                x.list("MissingContextValues", [String]()) { _, _ in }
            }
            x.element("IsTruncated", false)
        }
    }
}
