import Foundation
import PetrelIdentity
import Testing

@Suite struct S3ActionTableTests {
    struct Case: Sendable, CustomStringConvertible {
        var method: String
        var bucket: String?
        var key: String?
        var query: [String: String] = [:]
        var copySource: String?
        var expected: [String]
        var description: String { "\(method) \(bucket ?? "")/\(key ?? "") \(query.keys.sorted()) → \(expected)" }
    }

    static let b = "arn:aws:s3:::photos"
    static let k = "arn:aws:s3:::photos/2026/cat.jpg"

    static let cases: [Case] = [
        Case(method: "GET", bucket: nil, key: nil, expected: ["s3:ListAllMyBuckets *"]),
        Case(method: "PUT", bucket: "photos", key: nil, expected: ["s3:CreateBucket \(b)"]),
        Case(method: "DELETE", bucket: "photos", key: nil, expected: ["s3:DeleteBucket \(b)"]),
        Case(method: "HEAD", bucket: "photos", key: nil, expected: ["s3:ListBucket \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["list-type": "2"], expected: ["s3:ListBucket \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["versions": ""], expected: ["s3:ListBucketVersions \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["uploads": ""], expected: ["s3:ListBucketMultipartUploads \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["location": ""], expected: ["s3:GetBucketLocation \(b)"]),
        Case(method: "PUT", bucket: "photos", key: nil, query: ["notification": ""], expected: ["s3:PutBucketNotification \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["policy": ""], expected: ["s3:GetBucketPolicy \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["policyStatus": ""], expected: ["s3:GetBucketPolicyStatus \(b)"]),
        Case(method: "PUT", bucket: "photos", key: nil, query: ["policy": ""], expected: ["s3:PutBucketPolicy \(b)"]),
        Case(method: "DELETE", bucket: "photos", key: nil, query: ["policy": ""], expected: ["s3:DeleteBucketPolicy \(b)"]),
        Case(method: "PUT", bucket: "photos", key: nil, query: ["cors": ""], expected: ["s3:PutBucketCORS \(b)"]),
        Case(method: "DELETE", bucket: "photos", key: nil, query: ["cors": ""], expected: ["s3:PutBucketCORS \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["cors": ""], expected: ["s3:GetBucketCORS \(b)"]),
        Case(method: "DELETE", bucket: "photos", key: nil, query: ["lifecycle": ""], expected: ["s3:PutLifecycleConfiguration \(b)"]),
        Case(method: "DELETE", bucket: "photos", key: nil, query: ["tagging": ""], expected: ["s3:PutBucketTagging \(b)"]),
        Case(method: "PUT", bucket: "photos", key: nil, query: ["publicAccessBlock": ""], expected: ["s3:PutBucketPublicAccessBlock \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["ownershipControls": ""], expected: ["s3:GetBucketOwnershipControls \(b)"]),
        Case(method: "GET", bucket: "photos", key: nil, query: ["acl": ""], expected: ["s3:GetBucketAcl \(b)"]),
        Case(method: "GET", bucket: "photos", key: "2026/cat.jpg", expected: ["s3:GetObject \(k)"]),
        Case(method: "HEAD", bucket: "photos", key: "2026/cat.jpg", expected: ["s3:GetObject \(k)"]),
        Case(method: "GET", bucket: "photos", key: "2026/cat.jpg", query: ["versionId": "v1"], expected: ["s3:GetObjectVersion \(k)"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", expected: ["s3:PutObject \(k)"]),
        Case(method: "DELETE", bucket: "photos", key: "2026/cat.jpg", expected: ["s3:DeleteObject \(k)"]),
        Case(method: "DELETE", bucket: "photos", key: "2026/cat.jpg", query: ["versionId": "v1"], expected: ["s3:DeleteObjectVersion \(k)"]),
        Case(method: "GET", bucket: "photos", key: "2026/cat.jpg", query: ["tagging": ""], expected: ["s3:GetObjectTagging \(k)"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", query: ["tagging": "", "versionId": "v"], expected: ["s3:PutObjectVersionTagging \(k)"]),
        Case(method: "GET", bucket: "photos", key: "2026/cat.jpg", query: ["acl": ""], expected: ["s3:GetObjectAcl \(k)"]),
        Case(method: "POST", bucket: "photos", key: "2026/cat.jpg", query: ["uploads": ""], expected: ["s3:PutObject \(k)"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", query: ["uploadId": "u", "partNumber": "1"], expected: ["s3:PutObject \(k)"]),
        Case(method: "POST", bucket: "photos", key: "2026/cat.jpg", query: ["uploadId": "u"], expected: ["s3:PutObject \(k)"]),
        Case(method: "GET", bucket: "photos", key: "2026/cat.jpg", query: ["uploadId": "u"], expected: ["s3:ListMultipartUploadParts \(k)"]),
        Case(method: "DELETE", bucket: "photos", key: "2026/cat.jpg", query: ["uploadId": "u"], expected: ["s3:AbortMultipartUpload \(k)"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", copySource: "/src/a%20b.txt",
             expected: ["s3:PutObject \(k)", "s3:GetObject arn:aws:s3:::src/a b.txt"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", copySource: "src/a.txt?versionId=3",
             expected: ["s3:PutObject \(k)", "s3:GetObjectVersion arn:aws:s3:::src/a.txt"]),
        Case(method: "PUT", bucket: "photos", key: "2026/cat.jpg", query: ["uploadId": "u", "partNumber": "2"], copySource: "src/a.txt",
             expected: ["s3:PutObject \(k)", "s3:GetObject arn:aws:s3:::src/a.txt"]),
        Case(method: "OPTIONS", bucket: "photos", key: "2026/cat.jpg", expected: []),
    ]

    @Test(arguments: cases) func actionAndResource(_ c: Case) {
        let targets = S3ActionTable.targets(for: S3Call(method: c.method, bucket: c.bucket, key: c.key, query: c.query, copySource: c.copySource))
        #expect(targets.map { "\($0.action) \($0.resource)" } == c.expected)
    }

    @Test func listingCarriesItsConditionKeys() {
        let call = S3Call(method: "GET", bucket: "photos", key: nil, query: ["list-type": "2", "prefix": "2026/", "delimiter": "/", "max-keys": "10"])
        let target = S3ActionTable.targets(for: call)[0]
        #expect(target.context == ["s3:prefix": ["2026/"], "s3:delimiter": ["/"], "s3:max-keys": ["10"]])
    }

    @Test func deleteObjectsChecksEachKey() {
        let call = S3Call(method: "POST", bucket: "photos", key: nil, query: ["delete": ""], deletes: [("a", nil), ("b", "v2")])
        #expect(S3ActionTable.targets(for: call).map { "\($0.action) \($0.resource)" }
                == ["s3:DeleteObject arn:aws:s3:::photos/a", "s3:DeleteObjectVersion arn:aws:s3:::photos/b"])
    }
}

/// Bucket policies: S3's validation, its notion of public, and evaluation with identity policies.
@Suite struct BucketPolicyTests {
    static let account = "123456789012"
    static let alice = PrincipalIdentity(kind: .user, account: account, arn: "arn:aws:iam::\(account):user/alice", userID: "AIDAALICE", userName: "alice")
    static let otherRoot = PrincipalIdentity.root(account: "210987654321")

    static func policy(_ statements: String) -> String { #"{"Version":"2012-10-17","Statement":["# + statements + "]}" }
    static let publicRead = policy(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}"#)

    @Test(arguments: [
        ("not json", "Policies must be valid JSON and the first byte must be '{'"),
        (#"{"Statement":"#, "Policies must be valid JSON and the first byte must be '{'"),
        (policy(#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}"#), "Missing required field Principal"),
        (policy(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}"#), "Policy has invalid resource"),
        (policy(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#), "Policy has invalid resource"),
        (policy(#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:s3:::site"}"#), "Policy has invalid action"),
        (policy(#"{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"arn:aws:s3:::site"}"#), "Invalid principal in policy"),
    ])
    func malformed(_ text: String, _ message: String) {
        #expect(throws: BucketPolicy.Malformed(message)) { try BucketPolicy.parse(text, bucket: "site") }
    }

    @Test func publicAndNot() throws {
        #expect(BucketPolicy.isPublic(try BucketPolicy.parse(Self.publicRead, bucket: "site")))
        let pinned = Self.policy(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#)
        #expect(!BucketPolicy.isPublic(try BucketPolicy.parse(pinned, bucket: "site")))
        let account = Self.policy(#"{"Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}"#)
        #expect(!BucketPolicy.isPublic(try BucketPolicy.parse(account, bucket: "site")))
        let deny = Self.policy(#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::site/*"}"#)
        #expect(!BucketPolicy.isPublic(try BucketPolicy.parse(deny, bucket: "site")))
    }

    static func decide(_ principal: PrincipalIdentity, _ action: String, _ resource: String, identity: [String] = [], bucket: String?) -> Decision {
        let policies = PolicySet(identity: identity.map { NamedPolicy(name: "id", document: try! PolicyDocument.parse(Self.policy($0))) },
                                 resource: bucket.map { [NamedPolicy(name: "bucket policy", document: try! BucketPolicy.parse($0, bucket: "site"))] } ?? [])
        let request = AuthorizationRequest(action: action, resource: resource, resourceAccount: account, principal: principal,
                                           context: AuthorizationRequest.standardContext(principal: principal, sourceIP: "127.0.0.1",
                                                                                          secureTransport: false, now: .now))
        return PolicyEvaluator.evaluate(request, policies)
    }

    @Test func anonymousNeedsAPublicGrant() {
        #expect(Self.decide(.anonymous, "s3:GetObject", "arn:aws:s3:::site/index.html", bucket: Self.publicRead) == .allow)
        #expect(Self.decide(.anonymous, "s3:PutObject", "arn:aws:s3:::site/index.html", bucket: Self.publicRead) != .allow)
        #expect(Self.decide(.anonymous, "s3:GetObject", "arn:aws:s3:::site/index.html", bucket: nil) != .allow)
        let restricted = BucketPolicy.withoutPublicGrants(try! BucketPolicy.parse(Self.publicRead, bucket: "site"))
        #expect(restricted.statements.isEmpty)
    }

    @Test func aBucketPolicyDenyBindsUsersAndRoot() {
        let deny = Self.policy(#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/secret/*"}"#)
        let allowAll = #"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#
        #expect(Self.decide(Self.alice, "s3:GetObject", "arn:aws:s3:::site/secret/a", identity: [allowAll], bucket: deny) != .allow)
        #expect(Self.decide(Self.alice, "s3:GetObject", "arn:aws:s3:::site/open/a", identity: [allowAll], bucket: deny) == .allow)
        #expect(Self.decide(.root(account: Self.account), "s3:GetObject", "arn:aws:s3:::site/secret/a", bucket: deny) != .allow)
        #expect(Self.decide(.root(account: Self.account), "s3:GetObject", "arn:aws:s3:::site/open/a", bucket: deny) == .allow)
    }

    @Test func aPrefixGrantInIdentityPolicy() {
        let prefix = #"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/reports/*"}"#
        #expect(Self.decide(Self.alice, "s3:GetObject", "arn:aws:s3:::site/reports/q1.csv", identity: [prefix], bucket: nil) == .allow)
        #expect(Self.decide(Self.alice, "s3:GetObject", "arn:aws:s3:::site/private/x", identity: [prefix], bucket: nil) != .allow)
    }

    @Test func anotherAccountNeedsTheBucketPolicy() {
        let grant = Self.policy(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}"#)
        #expect(Self.decide(Self.otherRoot, "s3:GetObject", "arn:aws:s3:::site/a", bucket: grant) == .allow)
        #expect(Self.decide(Self.otherRoot, "s3:PutObject", "arn:aws:s3:::site/a", bucket: grant) != .allow)
        #expect(Self.decide(Self.otherRoot, "s3:GetObject", "arn:aws:s3:::site/a", bucket: nil) != .allow)
    }

    @Test func aBucketPolicyGrantsAUserOfTheAccountOnItsOwn() {
        let grant = Self.policy(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::site","Condition":{"StringLike":{"s3:prefix":"home/*"}}}"#)
        var request = AuthorizationRequest(action: "s3:ListBucket", resource: "arn:aws:s3:::site", resourceAccount: Self.account, principal: Self.alice,
                                           context: ["s3:prefix": ["home/alice"]])
        let set = PolicySet(resource: [NamedPolicy(name: "bucket policy", document: try! BucketPolicy.parse(grant, bucket: "site"))])
        #expect(PolicyEvaluator.evaluate(request, set) == .allow)
        request.context = ["s3:prefix": ["etc/"]]
        #expect(PolicyEvaluator.evaluate(request, set) != .allow)
    }
}
