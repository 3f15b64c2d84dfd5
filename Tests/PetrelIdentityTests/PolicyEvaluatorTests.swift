import Foundation
import PetrelIdentity
import Testing

@Suite struct PolicyEvaluatorTests {
    static let account = "123456789012"
    static let alice = PrincipalIdentity(kind: .user, account: account, arn: "arn:aws:iam::\(account):user/alice", userID: "AIDAALICE",
                                         userName: "alice", tags: ["team": "blue"])
    static let roleSession = PrincipalIdentity(kind: .assumedRole, account: account, arn: "arn:aws:sts::\(account):assumed-role/worker/s1",
                                               userID: "AROAWORKER:s1", roleARN: "arn:aws:iam::\(account):role/worker")
    static let table = "arn:aws:dynamodb:us-east-1:\(account):table/vouchers"

    static func doc(_ statements: String, kind: PolicyDocument.Kind = .identity) -> NamedPolicy {
        NamedPolicy(name: "p", document: try! PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":["# + statements + "]}", kind: kind))
    }

    static let allowAllDynamo = doc(#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}"#)
    static let readOnly = doc(#"{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:Query","dynamodb:Scan","dynamodb:Describe*","dynamodb:List*"],"Resource":"*"}"#)

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var policies: PolicySet
        var principal: PrincipalIdentity = alice
        var action: String
        var resource: String = table
        var context: [String: [String]] = [:]
        var allowed: Bool
        var explicit: Bool = false
    }

    static let cases: [Case] = [
        Case(description: "no policies: implicit deny", policies: PolicySet(), action: "dynamodb:GetItem", allowed: false),
        Case(description: "allow by wildcard action", policies: PolicySet(identity: [allowAllDynamo]), action: "dynamodb:PutItem", allowed: true),
        Case(description: "actions are case-insensitive", policies: PolicySet(identity: [readOnly]), action: "dynamodb:getitem", allowed: true),
        Case(description: "read-only cannot write", policies: PolicySet(identity: [readOnly]), action: "dynamodb:PutItem", allowed: false),
        Case(description: "explicit deny wins over allow",
             policies: PolicySet(identity: [allowAllDynamo, doc(#"{"Effect":"Deny","Action":"dynamodb:DeleteItem","Resource":"*"}"#)]),
             action: "dynamodb:DeleteItem", allowed: false, explicit: true),
        Case(description: "NotAction allows everything else",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#)]), action: "lambda:InvokeFunction", allowed: true),
        Case(description: "NotAction excludes its actions",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#)]), action: "iam:CreateUser", allowed: false),
        Case(description: "resource wildcard matches",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/vouch*"}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "resources are case-sensitive",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/Vouchers"}"#)]),
             action: "dynamodb:GetItem", allowed: false),
        Case(description: "NotResource",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/secret"}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "policy variable aws:username in resource",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}"#)]),
             action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:\(account):table/alice-notes", allowed: true),
        Case(description: "policy variable aws:username does not match another user's table",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}"#)]),
             action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:\(account):table/bob-notes", allowed: false),
        Case(description: "principal tag variable in a condition",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"lambda:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}"#)]),
             action: "lambda:InvokeFunction", resource: "*", context: ["aws:resourcetag/team": ["blue"]], allowed: true),
        Case(description: "StringEquals on a missing key is false",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#)]),
             action: "dynamodb:GetItem", allowed: false),
        Case(description: "StringEqualsIfExists on a missing key is true",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "StringNotEquals on a missing key is true",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "StringLike with wildcard",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:username":"al*"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:username": ["alice"]], allowed: true),
        Case(description: "IpAddress inside the range",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:sourceip": ["127.0.0.1"]], allowed: true),
        Case(description: "NotIpAddress deny from outside",
             policies: PolicySet(identity: [allowAllDynamo, doc(#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:sourceip": ["203.0.113.9"]], allowed: false, explicit: true),
        Case(description: "IPv6 range",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:sourceip": ["2001:db8::1"]], allowed: true),
        Case(description: "Bool SecureTransport false denies",
             policies: PolicySet(identity: [allowAllDynamo, doc(#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:securetransport": ["false"]], allowed: false, explicit: true),
        Case(description: "NumericLessThan",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"dynamodb:Limit":"100"}}}"#)]),
             action: "dynamodb:Query", context: ["dynamodb:limit": ["20"]], allowed: true),
        Case(description: "NumericGreaterThanEquals false",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericGreaterThanEquals":{"dynamodb:Limit":100}}}"#)]),
             action: "dynamodb:Query", context: ["dynamodb:limit": ["20"]], allowed: false),
        Case(description: "DateLessThan on aws:CurrentTime",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:currenttime": ["2026-12-02T10:00:00Z"]], allowed: true),
        Case(description: "DateGreaterThan on aws:CurrentTime",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01"}}}"#)]),
             action: "dynamodb:GetItem", context: ["aws:currenttime": ["2026-12-02T10:00:00Z"]], allowed: false),
        Case(description: "aws:CurrentTime comes from the request's time",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "Null true: key must be absent",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}"#)]),
             action: "dynamodb:GetItem", allowed: true),
        Case(description: "Null false: key must be present",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"false"}}}"#)]),
             action: "dynamodb:GetItem", allowed: false),
        Case(description: "ArnLike on aws:SourceArn",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket-*"}}}"#)]),
             action: "lambda:InvokeFunction", context: ["aws:sourcearn": ["arn:aws:s3:::bucket-1"]], allowed: true),
        Case(description: "ArnEquals mismatch",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnEquals":{"lambda:FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:a"}}}"#)]),
             action: "lambda:CreateEventSourceMapping", context: ["lambda:functionarn": ["arn:aws:lambda:us-east-1:123456789012:function:b"]], allowed: false),
        Case(description: "ForAllValues: every requested attribute allowed",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*","Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["code","count"]}}}"#)]),
             action: "dynamodb:PutItem", context: ["dynamodb:attributes": ["code", "count"]], allowed: true),
        Case(description: "ForAllValues: one attribute outside the list",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*","Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["code","count"]}}}"#)]),
             action: "dynamodb:PutItem", context: ["dynamodb:attributes": ["code", "secret"]], allowed: false),
        Case(description: "ForAllValues: missing key is true",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*","Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["code"]}}}"#)]),
             action: "dynamodb:PutItem", allowed: true),
        Case(description: "ForAnyValue: one matches",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"dynamodb:LeadingKeys":["alice","bob"]}}}"#)]),
             action: "dynamodb:GetItem", context: ["dynamodb:leadingkeys": ["carol", "bob"]], allowed: true),
        Case(description: "ForAnyValue: missing key is false",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"dynamodb:LeadingKeys":["alice"]}}}"#)]),
             action: "dynamodb:GetItem", allowed: false),
        Case(description: "permissions boundary limits an allow",
             policies: PolicySet(identity: [allowAllDynamo], boundary: readOnly), action: "dynamodb:PutItem", allowed: false),
        Case(description: "permissions boundary passes what both allow",
             policies: PolicySet(identity: [allowAllDynamo], boundary: readOnly), action: "dynamodb:GetItem", allowed: true),
        Case(description: "boundary alone grants nothing",
             policies: PolicySet(identity: [], boundary: allowAllDynamo), action: "dynamodb:GetItem", allowed: false),
        Case(description: "session policy limits a role session",
             policies: PolicySet(identity: [allowAllDynamo], session: [readOnly]), principal: roleSession, action: "dynamodb:PutItem", allowed: false),
        Case(description: "role session allowed by its role's policy",
             policies: PolicySet(identity: [allowAllDynamo]), principal: roleSession, action: "dynamodb:PutItem", allowed: true),
        Case(description: "resource policy naming the user grants alone",
             policies: PolicySet(resource: [doc(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"lambda:InvokeFunction","Resource":"*"}"#, kind: .resource)]),
             action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:f", allowed: true),
        Case(description: "resource policy naming only the account needs an identity allow",
             policies: PolicySet(resource: [doc(#"{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}"#, kind: .trust)]),
             action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/worker", allowed: false),
        Case(description: "trust policy naming the account plus an identity allow",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}"#)],
                                 resource: [doc(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}"#, kind: .trust)]),
             action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/worker", allowed: true),
        Case(description: "resource policy deny beats identity allow",
             policies: PolicySet(identity: [doc(#"{"Effect":"Allow","Action":"lambda:*","Resource":"*"}"#)],
                                 resource: [doc(#"{"Effect":"Deny","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*"}"#, kind: .resource)]),
             action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:f", allowed: false, explicit: true),
        Case(description: "another account's principal needs the resource policy",
             policies: PolicySet(), principal: PrincipalIdentity(kind: .user, account: "210987654321", arn: "arn:aws:iam::210987654321:user/eve", userID: "AIDAEVE", userName: "eve"),
             action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:f", allowed: false),
        Case(description: "a service principal named in the function's policy",
             policies: PolicySet(resource: [doc(#"{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}"#, kind: .resource)]),
             principal: PrincipalIdentity(kind: .service, account: account, arn: "s3.amazonaws.com", userID: "s3.amazonaws.com", serviceName: "s3.amazonaws.com"),
             action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:f", context: ["aws:sourceaccount": ["123456789012"]], allowed: true),
        Case(description: "root may do anything not denied", policies: PolicySet(), principal: .root(account: account), action: "iam:CreateUser", resource: "*", allowed: true),
    ]

    @Test(arguments: cases)
    func evaluates(_ c: Case) {
        var context = AuthorizationRequest.standardContext(principal: c.principal, sourceIP: "127.0.0.1", secureTransport: false,
                                                           now: Date(timeIntervalSince1970: 1_796_206_800))
        for (k, v) in c.context { context[k] = v }
        let request = AuthorizationRequest(action: c.action, resource: c.resource, resourceAccount: Self.account, principal: c.principal, context: context,
                                           now: Date(timeIntervalSince1970: 1_796_206_800))
        let decision = PolicyEvaluator.evaluate(request, c.policies)
        #expect(decision.isAllowed == c.allowed, "\(decision)")
        if case .explicitDeny = decision { #expect(c.explicit) } else { #expect(!c.explicit, "\(decision)") }
    }

    /// A warm request's evaluation: the policies compiled, the context built per request.
    @Test func evaluationIsWellUnderTenMicroseconds() {
        let policies = PolicySet(identity: [
            Self.readOnly,
            Self.doc(#"{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":"arn:aws:dynamodb:*:*:table/vouchers","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}"#),
            Self.doc(#"{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"},{"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/${aws:username}:*"}"#),
        ])
        let now = Date()
        let iterations = 20_000
        var allowed = 0
        let started = ContinuousClock.now
        for _ in 0..<iterations {
            let context = AuthorizationRequest.standardContext(principal: Self.alice, sourceIP: "127.0.0.1", secureTransport: false, now: now)
            let request = AuthorizationRequest(action: "dynamodb:PutItem", resource: Self.table, resourceAccount: Self.account, principal: Self.alice,
                                               context: context, now: now)
            if PolicyEvaluator.evaluate(request, policies).isAllowed { allowed += 1 }
        }
        let elapsed = started.duration(to: .now)
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        let perRequest = nanoseconds / Double(iterations)
        print("policy evaluation: \(Int(perRequest)) ns per request (\(iterations) requests, context built each time)")
        #expect(allowed == iterations)
        // The figure that counts is the release build's (`swift run -c release petrel-identity-bench`);
        // a debug build on a loaded 2-core machine is many times slower, so this bound only
        // catches a pathology (a formatter made per request cost 430 µs).
        #if DEBUG
        #expect(perRequest < 1_000_000)
        #else
        #expect(perRequest < 10_000)
        #endif
    }
}

@Suite struct LeastPrivilegeTests {
    @Test(arguments: [
        ([("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t")],
         #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:1:table/t"}]}"#),
        ([("dynamodb:PutItem", "arn:t"), ("dynamodb:GetItem", "arn:t"), ("dynamodb:PutItem", "arn:t")],
         #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:t"}]}"#),
        ([("logs:PutLogEvents", "arn:b"), ("logs:PutLogEvents", "arn:a"), ("lambda:InvokeFunction", "arn:c")],
         #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":["arn:a","arn:b"]},{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:c"}]}"#),
    ])
    func suggestsTheSmallestPolicy(grants: [(String, String)], expected: String) throws {
        let policy = LeastPrivilege.policy(for: grants.map { (action: $0.0, resource: $0.1) })
        #expect(policy == expected)
        let document = try PolicyDocument.parse(policy)
        for (action, resource) in grants {
            let principal = PrincipalIdentity(kind: .user, account: "1", arn: "arn:aws:iam::1:user/u", userID: "AIDAU", userName: "u")
            let request = AuthorizationRequest(action: action, resource: resource, resourceAccount: "1", principal: principal, context: [:])
            #expect(PolicyEvaluator.evaluate(request, PolicySet(identity: [NamedPolicy(name: "suggested", document: document)])).isAllowed)
        }
    }
}
