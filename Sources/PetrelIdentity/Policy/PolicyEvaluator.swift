/// The policies that bear on one request, compiled.
public struct PolicySet: Sendable {
    /// Identity-based: the principal's inline and attached policies (and its groups').
    public var identity: [NamedPolicy]
    /// The resource's own policy (a function's policy, a role's trust policy).
    public var resource: [NamedPolicy]
    /// The principal's permissions boundary, if one is set.
    public var boundary: NamedPolicy?
    /// The session policies passed to AssumeRole, if any.
    public var session: [NamedPolicy]

    public init(identity: [NamedPolicy] = [], resource: [NamedPolicy] = [], boundary: NamedPolicy? = nil, session: [NamedPolicy] = []) {
        self.identity = identity
        self.resource = resource
        self.boundary = boundary
        self.session = session
    }
}

/// A policy document with the name (or ARN) reports use.
public struct NamedPolicy: Sendable {
    public var name: String
    public var document: PolicyDocument

    public init(name: String, document: PolicyDocument) {
        self.name = name
        self.document = document
    }
}

public enum Decision: Sendable, Equatable {
    case allow
    /// A statement denies it explicitly.
    case explicitDeny(policy: String, sid: String?)
    /// Nothing allows it; `reason` names what is missing.
    case implicitDeny(reason: String)

    public var isAllowed: Bool { self == .allow }
}

/// AWS's evaluation logic for one account: an explicit Deny anywhere wins; then an Allow is
/// needed from the identity policies (or from a resource policy that names the principal),
/// and, where present, from the permissions boundary and the session policies; otherwise the
/// request is implicitly denied. Pure and allocation-light.
public enum PolicyEvaluator {
    public static func evaluate(_ request: AuthorizationRequest, _ policies: PolicySet) -> Decision {
        // 1. Explicit deny in any policy that applies.
        for policy in policies.identity {
            if let sid = firstMatch(policy.document, request, effect: .deny, checkPrincipal: false) { return .explicitDeny(policy: policy.name, sid: sid) }
        }
        for policy in policies.resource {
            if let sid = firstMatch(policy.document, request, effect: .deny, checkPrincipal: true) { return .explicitDeny(policy: policy.name, sid: sid) }
        }
        if let boundary = policies.boundary, let sid = firstMatch(boundary.document, request, effect: .deny, checkPrincipal: false) {
            return .explicitDeny(policy: boundary.name, sid: sid)
        }
        for policy in policies.session {
            if let sid = firstMatch(policy.document, request, effect: .deny, checkPrincipal: false) { return .explicitDeny(policy: policy.name, sid: sid) }
        }
        let sameAccount = request.principal.account == request.resourceAccount
        // 2. The account's root may do anything in its own account that no policy denies.
        if request.principal.kind == .root && sameAccount { return .allow }
        // 3. A resource policy that names this principal (not merely its account) grants on its own.
        var resourceAllows = false
        var resourceNamesAccountOnly = false
        for policy in policies.resource {
            switch allowingPrincipalMatch(policy.document, request) {
            case .specific: resourceAllows = true
            case .account: resourceNamesAccountOnly = true
            case .none: break
            }
        }
        if !sameAccount {
            // Cross-account: the resource's policy must allow the principal (and the caller's own
            // account its identity policies, which Petrel cannot see for other accounts).
            return resourceAllows || resourceNamesAccountOnly ? .allow : .implicitDeny(reason: "no resource-based policy allows this principal of account \(request.principal.account)")
        }
        if resourceAllows && request.principal.kind != .service && policies.session.isEmpty { return .allow }
        if request.principal.kind == .service {
            return resourceAllows ? .allow : .implicitDeny(reason: "no resource-based policy allows \(request.principal.serviceName ?? "the service")")
        }
        // 4. Identity policies.
        let identityAllows = policies.identity.contains { firstMatch($0.document, request, effect: .allow, checkPrincipal: false) != nil }
        guard identityAllows || resourceAllows else {
            return .implicitDeny(reason: "no identity-based policy allows the action")
        }
        if let boundary = policies.boundary, firstMatch(boundary.document, request, effect: .allow, checkPrincipal: false) == nil {
            return .implicitDeny(reason: "the permissions boundary \(boundary.name) does not allow the action")
        }
        if !policies.session.isEmpty, !policies.session.contains(where: { firstMatch($0.document, request, effect: .allow, checkPrincipal: false) != nil }) {
            return .implicitDeny(reason: "the session policy does not allow the action")
        }
        return .allow
    }

    enum PrincipalMatch { case none, account, specific }

    static func allowingPrincipalMatch(_ document: PolicyDocument, _ request: AuthorizationRequest) -> PrincipalMatch {
        var best = PrincipalMatch.none
        for statement in document.statements where statement.effect == .allow {
            guard statementMatches(statement, document, request) else { continue }
            let match = principalMatch(statement, request)
            if match == .specific { return .specific }
            if match == .account { best = .account }
        }
        return best
    }

    /// The Sid (or "") of the first statement with `effect` that matches, nil if none.
    static func firstMatch(_ document: PolicyDocument, _ request: AuthorizationRequest, effect: PolicyStatement.Effect, checkPrincipal: Bool) -> String? {
        for statement in document.statements where statement.effect == effect {
            if checkPrincipal && principalMatch(statement, request) == .none { continue }
            if statementMatches(statement, document, request) { return statement.sid ?? "" }
        }
        return nil
    }

    static func statementMatches(_ statement: PolicyStatement, _ document: PolicyDocument, _ request: AuthorizationRequest) -> Bool {
        // Action
        var actionHit = false
        for pattern in statement.actions where Wildcard.matches(pattern.bytes, request.actionBytes) {
            actionHit = true
            break
        }
        if actionHit == statement.notAction { return false }
        // Resource (trust policies have none: the role is the resource)
        if let resources = statement.resources {
            var resourceHit = false
            for pattern in resources {
                if pattern.hasVariables && document.substitutesVariables {
                    guard let text = request.substitute(pattern.text) else { continue }
                    if Wildcard.matches(Array(text.utf8), request.resourceBytes) { resourceHit = true; break }
                } else if Wildcard.matches(pattern.bytes, request.resourceBytes) {
                    resourceHit = true
                    break
                }
            }
            if resourceHit == statement.notResource { return false }
        }
        // Conditions: every one must hold.
        for condition in statement.conditions {
            var values = condition.values
            if condition.valuesHaveVariables && document.substitutesVariables {
                values = condition.values.compactMap { request.substitute($0) }
            }
            if !condition.holds(requestValues: request.values(for: condition.key), policyValues: values,
                                networks: condition.valuesHaveVariables ? nil : condition.networks) { return false }
        }
        return true
    }

    static func principalMatch(_ statement: PolicyStatement, _ request: AuthorizationRequest) -> PrincipalMatch {
        if let principal = statement.principal {
            return match(principal, request.principal)
        }
        if let notPrincipal = statement.notPrincipal {
            return match(notPrincipal, request.principal) == .none ? .specific : .none
        }
        return .none
    }

    static func match(_ set: PrincipalSet, _ who: PrincipalIdentity) -> PrincipalMatch {
        if set.everyone { return .specific }
        if let service = who.serviceName { return set.service.contains(service) ? .specific : .none }
        var best = PrincipalMatch.none
        for value in set.aws {
            if value == who.arn || (who.roleARN != nil && value == who.roleARN) { return .specific }
            if value == who.account || value == "arn:aws:iam::\(who.account):root" {
                if who.kind == .root { return .specific }
                best = .account
            }
        }
        return best
    }
}

extension PolicyEvaluator {
    /// Whether a trust policy, on its own, lets the principal assume the role (an Allow that
    /// names it or its account, and no Deny).
    public static func trustAllows(_ trust: PolicyDocument, _ request: AuthorizationRequest) -> Bool {
        if firstMatch(trust, request, effect: .deny, checkPrincipal: true) != nil { return false }
        return allowingPrincipalMatch(trust, request) != .none
    }
}
