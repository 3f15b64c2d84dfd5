import Foundation
import PetrelIdentity

// What identity adds to a warm request: verifying its SigV4 signature (signing key cached)
// and evaluating the caller's policies. Prints nanoseconds per request.

func measure(_ label: String, iterations: Int, _ body: () -> Bool) {
    for _ in 0..<(iterations / 10) { _ = body() }
    var ok = 0
    let started = ContinuousClock.now
    for _ in 0..<iterations where body() { ok += 1 }
    let elapsed = started.duration(to: .now)
    let ns = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(iterations)
    precondition(ok == iterations, "\(label): \(iterations - ok) of \(iterations) failed")
    print("\(label): \(String(format: "%.2f", ns / 1000)) µs per request (\(iterations) requests)")
}

let account = "123456789012"
let user = PrincipalIdentity(kind: .user, account: account, arn: "arn:aws:iam::\(account):user/alice", userID: "AIDAALICE", userName: "alice",
                             tags: ["team": "blue"])
func policy(_ statements: String) -> NamedPolicy {
    NamedPolicy(name: "p", document: try! PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":["# + statements + "]}"))
}
let readOnly = AWSManagedPolicies.all.first { $0.name == "AmazonDynamoDBReadOnlyAccess" }!
let policies = PolicySet(identity: [
    NamedPolicy(name: readOnly.arn, document: try! PolicyDocument.parse(readOnly.document)),
    policy(#"{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":"arn:aws:dynamodb:*:*:table/vouchers","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}"#),
    policy(#"{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"},{"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/${aws:username}:*"}"#),
])
let table = "arn:aws:dynamodb:us-east-1:\(account):table/vouchers"

measure("policy evaluation (GetItem, 3 policies, context built per request)", iterations: 200_000) {
    let now = Date()
    let context = AuthorizationRequest.standardContext(principal: user, sourceIP: "127.0.0.1", secureTransport: false, now: now)
    let request = AuthorizationRequest(action: "dynamodb:GetItem", resource: table, resourceAccount: account, principal: user, context: context, now: now)
    return PolicyEvaluator.evaluate(request, policies).isAllowed
}

measure("policy evaluation (PutItem, matched by the conditional statement)", iterations: 200_000) {
    let now = Date()
    let context = AuthorizationRequest.standardContext(principal: user, sourceIP: "127.0.0.1", secureTransport: false, now: now)
    let request = AuthorizationRequest(action: "dynamodb:PutItem", resource: table, resourceAccount: account, principal: user, context: context, now: now)
    return PolicyEvaluator.evaluate(request, policies).isAllowed
}

let verifier = SigV4Verifier()
let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
let body = Array(#"{"TableName":"vouchers","Key":{"code":{"S":"SUMMER"}}}"#.utf8)
let signed = SigV4Signer.sign(SignedRequest(method: "POST", path: "/", headers: [
    ("Host", "127.0.0.1:4566"), ("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0"),
    ("Content-Length", String(body.count)), ("User-Agent", "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7"),
], body: body), accessKeyID: "AKIAEXAMPLE", secret: secret, region: "us-east-1", service: "dynamodb", date: Date())

measure("SigV4 verification (GetItem, signing key cached)", iterations: 100_000) {
    guard let auth = try? SigV4Authorization.parse(signed) else { return false }
    do {
        try verifier.checkTime(auth, now: Date())
        try verifier.verify(signed, auth, key: AccessKeySecret(secret: secret), now: Date())
        return true
    } catch {
        return false
    }
}
