import Foundation
import PetrelCore
import PetrelIdentity
import Testing

/// AddPermission's statements, the document they build, and how the evaluator reads them on Invoke.
@Suite struct FunctionPolicyTests {
    static let account = "000000000000"
    static let other = "111111111111"
    static let function = "arn:aws:lambda:us-east-1:\(account):function:vouchers"

    struct Invalid: Sendable, CustomStringConvertible {
        var description: String
        var permission: FunctionPolicy.Permission
        var code: String
        var fragment: String
    }

    static let invalid: [Invalid] = [
        Invalid(description: "statement id with a space",
                permission: .init(statementId: "a b", action: "lambda:InvokeFunction", principal: "*"),
                code: "ValidationException", fragment: "at 'statementId'"),
        Invalid(description: "action of another service",
                permission: .init(statementId: "s", action: "s3:GetObject", principal: "*"),
                code: "ValidationException", fragment: "(lambda:[*]|lambda:[a-zA-Z]+|[*])"),
        Invalid(description: "source account not 12 digits",
                permission: .init(statementId: "s", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceAccount: "123"),
                code: "ValidationException", fragment: "at 'sourceAccount'"),
        Invalid(description: "unknown function URL auth type",
                permission: .init(statementId: "s", action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "BASIC"),
                code: "ValidationException", fragment: "[NONE, AWS_IAM]"),
        Invalid(description: "malformed organization id",
                permission: .init(statementId: "s", action: "lambda:InvokeFunction", principal: "*", principalOrgID: "org-1"),
                code: "ValidationException", fragment: "o-[a-z0-9]{10,32}"),
        Invalid(description: "a principal that is none",
                permission: .init(statementId: "s", action: "lambda:InvokeFunction", principal: "bob"),
                code: "InvalidParameterValueException", fragment: "The provided principal was invalid"),
    ]

    @Test(arguments: invalid)
    func refusedAsLambdaRefusesThem(_ c: Invalid) {
        do {
            try FunctionPolicy.validate(c.permission)
            Issue.record("\(c.description) was accepted")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message.contains(c.fragment), "\(error.message)")
        }
    }

    struct Shape: Sendable, CustomStringConvertible {
        var description: String
        var permission: FunctionPolicy.Permission
        var principal: String
        var condition: String?
    }

    static let shapes: [Shape] = [
        Shape(description: "account id becomes its root ARN",
              permission: .init(statementId: "a", action: "lambda:InvokeFunction", principal: other),
              principal: #"{"AWS":"arn:aws:iam::111111111111:root"}"#, condition: nil),
        Shape(description: "service principal with source ARN and account",
              permission: .init(statementId: "b", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com",
                                sourceArn: "arn:aws:s3:::uploads", sourceAccount: account),
              principal: #"{"Service":"s3.amazonaws.com"}"#,
              condition: #"{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"},"StringEquals":{"AWS:SourceAccount":"000000000000"}}"#),
        Shape(description: "everyone, with an organization",
              permission: .init(statementId: "c", action: "lambda:InvokeFunction", principal: "*", principalOrgID: "o-abcdefghij"),
              principal: #""*""#, condition: #"{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}"#),
    ]

    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
    }

    @Test(arguments: shapes)
    func statementsAreWrittenAsLambdaWritesThem(_ c: Shape) throws {
        try FunctionPolicy.validate(c.permission)
        let statement = FunctionPolicy.statement(c.permission, resource: Self.function)
        #expect(Self.json(statement["Principal"]!) == c.principal)
        #expect(statement["Condition"].map(Self.json) == c.condition)
        #expect(statement["Resource"] as? String == Self.function)
        // What is stored parses as a resource-based policy.
        let (document, _) = try FunctionPolicy.adding(statement, to: nil)
        _ = try PolicyDocument.parse(document, kind: .resource)
    }

    @Test func statementIdsAreUniqueAndRemovable() throws {
        let first = FunctionPolicy.statement(.init(statementId: "one", action: "lambda:InvokeFunction", principal: Self.other), resource: Self.function)
        let second = FunctionPolicy.statement(.init(statementId: "two", action: "lambda:GetFunction", principal: Self.other), resource: Self.function)
        let (one, _) = try FunctionPolicy.adding(first, to: nil)
        let (both, _) = try FunctionPolicy.adding(second, to: one)
        do {
            _ = try FunctionPolicy.adding(first, to: both)
            Issue.record("a second statement with the same id was added")
        } catch {
            #expect(error.code == "ResourceConflictException")
        }
        let left = try FunctionPolicy.removing("one", from: both)
        #expect(left?.contains("\"two\"") == true && left?.contains("\"one\"") == false)
        #expect(try FunctionPolicy.removing("two", from: left) == nil)
        do {
            _ = try FunctionPolicy.removing("three", from: both)
            Issue.record("removing an unknown statement succeeded")
        } catch {
            #expect(error.code == "ResourceNotFoundException")
        }
    }

    @Test func theQuotaIsTwentyKilobytes() throws {
        var document: String?
        var refused: AWSError?
        for i in 0..<200 {
            let statement = FunctionPolicy.statement(.init(statementId: "s\(i)", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com",
                                                           sourceArn: "arn:aws:s3:::bucket-\(i)"), resource: Self.function)
            do {
                document = try FunctionPolicy.adding(statement, to: document).document
            } catch {
                refused = error
                break
            }
        }
        #expect(refused?.code == "PolicyLengthExceededException")
        #expect((document?.utf8.count ?? 0) <= FunctionPolicy.maxBytes)
    }

    struct Invocation: Sendable, CustomStringConvertible {
        var description: String
        var permissions: [FunctionPolicy.Permission]
        var principal: PrincipalIdentity
        var identity: [String] = []
        var context: [String: [String]] = [:]
        var resource: String = function
        var allowed: Bool
    }

    static let otherRoot = PrincipalIdentity.root(account: other)
    static let user = PrincipalIdentity(kind: .user, account: account, arn: "arn:aws:iam::\(account):user/u", userID: "AIDAU", userName: "u")
    static let s3 = PrincipalIdentity(kind: .service, account: "", arn: "s3.amazonaws.com", userID: "s3.amazonaws.com", serviceName: "s3.amazonaws.com")
    static let invokeOther = FunctionPolicy.Permission(statementId: "x", action: "lambda:InvokeFunction", principal: other)

    static let invocations: [Invocation] = [
        Invocation(description: "another account without a permission", permissions: [], principal: otherRoot, allowed: false),
        Invocation(description: "another account with AddPermission", permissions: [invokeOther], principal: otherRoot, allowed: true),
        Invocation(description: "the permission names the unqualified function only",
                   permissions: [invokeOther], principal: otherRoot, resource: function + ":1", allowed: false),
        Invocation(description: "a permission for another action does not allow Invoke",
                   permissions: [.init(statementId: "g", action: "lambda:GetFunction", principal: other)], principal: otherRoot, allowed: false),
        Invocation(description: "same account: a user without identity policy but named by the resource policy",
                   permissions: [.init(statementId: "u", action: "lambda:InvokeFunction", principal: user.arn)], principal: user, allowed: true),
        Invocation(description: "same account: naming only the account needs an identity policy too",
                   permissions: [.init(statementId: "a", action: "lambda:InvokeFunction", principal: account)], principal: user, allowed: false),
        Invocation(description: "same account: identity policy alone suffices",
                   permissions: [], principal: user, identity: [#"{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}"#], allowed: true),
        Invocation(description: "a service with the right source ARN",
                   permissions: [.init(statementId: "s", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::uploads")],
                   principal: s3, context: ["aws:sourcearn": ["arn:aws:s3:::uploads"]], allowed: true),
        Invocation(description: "a service with another source ARN",
                   permissions: [.init(statementId: "s", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::uploads")],
                   principal: s3, context: ["aws:sourcearn": ["arn:aws:s3:::elsewhere"]], allowed: false),
    ]

    @Test(arguments: invocations)
    func invokeIsDecidedWithTheFunctionsPolicy(_ c: Invocation) throws {
        var document: String?
        for permission in c.permissions {
            document = try FunctionPolicy.adding(FunctionPolicy.statement(permission, resource: Self.function), to: document).document
        }
        var policies = PolicySet()
        if let document { policies.resource = [NamedPolicy(name: "function", document: try PolicyDocument.parse(document, kind: .resource))] }
        policies.identity = try c.identity.map {
            NamedPolicy(name: "id", document: try PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":["# + $0 + "]}"))
        }
        let question = AuthorizationRequest(action: "lambda:InvokeFunction", resource: c.resource, resourceAccount: Self.account,
                                            principal: c.principal, context: c.context)
        #expect(PolicyEvaluator.evaluate(question, policies).isAllowed == c.allowed)
    }
}

@Suite struct PolicyOwnerTests {
    @Test(arguments: [
        ("arn:aws:sts::000000000000:assumed-role/writer/popular-vouchers", "arn:aws:iam::000000000000:role/writer"),
        ("arn:aws:sts::000000000000:assumed-role/writer/s1", "arn:aws:iam::000000000000:role/writer"),
        ("arn:aws:iam::000000000000:user/alice", "arn:aws:iam::000000000000:user/alice"),
        ("arn:aws:sts::000000000000:assumed-role/only-role", "arn:aws:sts::000000000000:assumed-role/only-role"),
        ("lambda.amazonaws.com", "lambda.amazonaws.com"),
        ("unknown access key test", "unknown access key test"),
    ])
    func roleSessionsAreTheirRole(principal: String, owner: String) {
        #expect(LeastPrivilege.policyOwner(principal) == owner)
    }
}
