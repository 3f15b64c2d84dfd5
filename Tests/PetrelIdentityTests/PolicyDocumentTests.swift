import PetrelIdentity
import Testing

@Suite struct PolicyDocumentTests {
    static let valid: [(String, PolicyDocument.Kind)] = [
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#, .identity),
        (#"{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Deny","NotAction":["s3:*","iam:*"],"NotResource":"arn:aws:s3:::b/*"}}"#, .identity),
        (#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":true}}}]}"#, .identity),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, .trust),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f"}]}"#, .resource),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"s3:prefix":["home/${aws:username}/*"]}}}]}"#, .identity),
    ]

    @Test(arguments: valid)
    func acceptsValidDocuments(text: String, kind: PolicyDocument.Kind) throws {
        let document = try PolicyDocument.parse(text, kind: kind)
        #expect(!document.statements.isEmpty)
    }

    static let malformed: [(String, PolicyDocument.Kind, String)] = [
        ("{not json", .identity, "Syntax errors in policy."),
        (#"["Statement"]"#, .identity, "Syntax errors in policy."),
        (#"{"Version":"2012-10-17"}"#, .identity, "Missing required field Statement"),
        (#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#, .identity, "The policy failed legacy parsing"),
        (#"{"Version":"2012-10-17","Statement":[{"Action":"a:b","Resource":"*"}]}"#, .identity, "Missing required field Effect"),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"a:b","Resource":"*"}]}"#, .identity, "Invalid effect: Alow"),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#, .identity, "Policy statement must contain actions."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem"}]}"#, .identity, "Policy statement must contain resources."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetItem","Resource":"*"}]}"#, .identity,
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"table"}]}"#, .identity, "Resource table must be in ARN format or \"*\"."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"a:b","Resource":"*"}]}"#, .identity, "Policy document should not specify a principal."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#, .trust, "Missing required field Principal"),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}"#, .trust,
         "Has prohibited field Resource"),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}]}"#, .trust,
         "Invalid principal in policy: \"AWS\":\"alice\""),
        (#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"a:b","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"a:b","Resource":"*"}]}"#, .identity,
         "Statement IDs (SID) in a single policy must be unique."),
        (#"{"Version":"2012-10-17","Statement":[{"Sid":"a b","Effect":"Allow","Action":"a:b","Resource":"*"}]}"#, .identity,
         "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEqual":{"aws:username":"x"}}}]}"#, .identity,
         "Invalid Condition type : StringEqual."),
        (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}]}"#, .identity,
         "Invalid Condition type : NullIfExists."),
    ]

    @Test(arguments: malformed)
    func refusesMalformedDocumentsWithIAMsMessages(text: String, kind: PolicyDocument.Kind, message: String) {
        #expect(throws: PolicyError(message)) { try PolicyDocument.parse(text, kind: kind) }
    }

    @Test func deepNestingIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: PolicyError.self) { try PolicyDocument.parse(deep) }
        let nestedCondition = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"a:b":"# +
            String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "}}}]}"
        #expect(throws: PolicyError.self) { try PolicyDocument.parse(nestedCondition) }
    }

    @Test(arguments: [("*", "anything", true), ("dynamodb:*", "dynamodb:getitem", true), ("dynamodb:get*", "dynamodb:putitem", false),
                      ("a?c", "abc", true), ("a?c", "ac", false), ("*item", "dynamodb:getitem", true), ("a*b*c", "axxbyyc", true),
                      ("a*b*c", "axxbyy", false), ("", "", true), ("arn:aws:s3:::b/*", "arn:aws:s3:::b/", true)])
    func wildcards(pattern: String, subject: String, expected: Bool) {
        #expect(Wildcard.matches(pattern, subject) == expected)
    }
}

@Suite struct AWSManagedPoliciesTests {
    @Test(arguments: AWSManagedPolicies.all.map(\.name))
    func everyManagedPolicyParses(name: String) throws {
        let policy = try #require(AWSManagedPolicies.all.first { $0.name == name })
        _ = try PolicyDocument.parse(policy.document)
        #expect(policy.arn.hasPrefix("arn:aws:iam::aws:policy/"))
    }

    @Test func lambdaRolesLiveUnderServiceRole() {
        #expect(AWSManagedPolicies.named(arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole") != nil)
        #expect(AWSManagedPolicies.named(arn: "arn:aws:iam::aws:policy/AdministratorAccess") != nil)
    }
}
