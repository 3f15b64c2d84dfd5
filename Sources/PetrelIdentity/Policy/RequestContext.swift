import Foundation

/// Who is calling, as policies see them.
public struct PrincipalIdentity: Sendable, Equatable {
    public enum Kind: String, Sendable { case root, user, assumedRole, service, anonymous }

    public var kind: Kind
    /// The account the principal belongs to.
    public var account: String
    /// `arn:aws:iam::123456789012:root`, `…:user/alice`, `arn:aws:sts::…:assumed-role/R/session`.
    public var arn: String
    /// AIDA… for users, AROA…:session for role sessions, the account id for root.
    public var userID: String
    /// A user's name (for `${aws:username}`); nil for roles and root.
    public var userName: String?
    /// The role ARN a session was assumed from (`arn:aws:iam::…:role/R`).
    public var roleARN: String?
    /// A service principal's name (`lambda.amazonaws.com`).
    public var serviceName: String?
    public var tags: [String: String]

    public init(kind: Kind, account: String, arn: String, userID: String, userName: String? = nil,
                roleARN: String? = nil, serviceName: String? = nil, tags: [String: String] = [:]) {
        self.kind = kind
        self.account = account
        self.arn = arn
        self.userID = userID
        self.userName = userName
        self.roleARN = roleARN
        self.serviceName = serviceName
        self.tags = tags
    }

    public static func root(account: String) -> PrincipalIdentity {
        PrincipalIdentity(kind: .root, account: account, arn: "arn:aws:iam::\(account):root", userID: account)
    }

    /// An unsigned request (S3's public reads, a queue open to `Principal: "*"`): it belongs to
    /// no account, so only a resource policy that grants everyone lets it through.
    public static let anonymous = PrincipalIdentity(kind: .anonymous, account: "", arn: "anonymous", userID: "anonymous")
}

/// One authorization question: may `principal` do `action` on `resource`, in this context.
public struct AuthorizationRequest: Sendable {
    /// `service:Operation`, e.g. `dynamodb:PutItem`.
    public var action: String
    public var resource: String
    /// The account that owns the resource.
    public var resourceAccount: String
    public var principal: PrincipalIdentity
    /// Condition keys, lower-cased, to their values.
    public var context: [String: [String]]
    let actionBytes: [UInt8]
    let resourceBytes: [UInt8]
    /// The request's time, for aws:CurrentTime.
    public var now: Date

    public init(action: String, resource: String, resourceAccount: String, principal: PrincipalIdentity, context: [String: [String]],
                now: Date = Date()) {
        self.now = now
        self.action = action
        self.resource = resource
        self.resourceAccount = resourceAccount
        self.principal = principal
        self.context = context
        self.actionBytes = Array(action.lowercased().utf8)
        self.resourceBytes = Array(resource.utf8)
    }

    /// The global condition keys AWS sets on every request, plus `extra` (service keys such
    /// as `dynamodb:LeadingKeys`, `lambda:FunctionArn`).
    public static func standardContext(principal: PrincipalIdentity, sourceIP: String?, secureTransport: Bool, now: Date,
                                       extra: [String: [String]] = [:]) -> [String: [String]] {
        if principal.kind == .anonymous {
            var keys: [String: [String]] = ["aws:securetransport": [secureTransport ? "true" : "false"],
                                            "aws:epochtime": [String(Int(now.timeIntervalSince1970))], "aws:principaltype": ["Anonymous"]]
            if let sourceIP { keys["aws:sourceip"] = [sourceIP] }
            for (key, values) in extra { keys[key.lowercased()] = values }
            return keys
        }
        var keys: [String: [String]] = [
            "aws:principalarn": [principal.roleARN ?? principal.arn],
            "aws:principalaccount": [principal.account],
            "aws:userid": [principal.userID],
            "aws:securetransport": [secureTransport ? "true" : "false"],
            // aws:CurrentTime and aws:EpochTime are made on demand from `now` (see `values(for:)`).
            "aws:epochtime": [String(Int(now.timeIntervalSince1970))],
            "aws:principaltype": [principal.kind == .root ? "Account" : principal.kind == .user ? "User" : principal.kind == .assumedRole ? "AssumedRole" : "Service"],
        ]
        if let name = principal.userName { keys["aws:username"] = [name] }
        if let sourceIP { keys["aws:sourceip"] = [sourceIP] }
        for (tag, value) in principal.tags { keys["aws:principaltag/\(tag.lowercased())"] = [value] }
        if !principal.tags.isEmpty { keys["aws:principaltagkeys"] = principal.tags.keys.sorted() }
        for (key, values) in extra { keys[key.lowercased()] = values }
        return keys
    }

    static func iso8601(_ date: Date) -> String { SigV4Verifier.iso8601(date) }

    /// A condition key's values: from the context, or aws:CurrentTime made from `now`.
    func values(for key: String) -> [String]? {
        if let values = context[key] { return values }
        if key == "aws:currenttime" { return [Self.iso8601(now)] }
        return nil
    }

    /// Substitutes `${key}` policy variables (and `${*}`, `${?}`, `${$}`, `${key, 'default'}`);
    /// nil when a variable has no value, which makes the element not match.
    func substitute(_ text: String) -> String? {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { return out + rest[start.lowerBound...] }
            let body = rest[start.upperBound..<end]
            rest = rest[rest.index(after: end)...]
            switch body {
            case "*": out += "*"
            case "?": out += "?"
            case "$": out += "$"
            default:
                var key = body
                var fallback: Substring?
                if let comma = body.firstIndex(of: ",") {
                    key = body[..<comma]
                    let d = body[body.index(after: comma)...].trimmingCharacters(in: .whitespaces)
                    if d.count >= 2, d.hasPrefix("'"), d.hasSuffix("'") { fallback = Substring(d.dropFirst().dropLast()) }
                }
                let name = key.trimmingCharacters(in: .whitespaces).lowercased()
                if let value = values(for: name)?.first {
                    out += value
                } else if let fallback {
                    out += fallback
                } else {
                    return nil
                }
            }
        }
        return out + rest
    }
}
