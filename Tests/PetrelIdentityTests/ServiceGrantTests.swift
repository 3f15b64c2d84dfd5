import PetrelIdentity
import Testing

@Suite struct ServiceGrantTests {
    static let queue = "arn:aws:sqs:us-east-1:123456789012:orders"
    static let bucket = "arn:aws:s3:::uploads"

    static func policy(_ statement: String) -> [NamedPolicy] {
        [NamedPolicy(name: "queue policy", document: try! PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":["# + statement + "]}", kind: .resource))]
    }

    static func allows(_ policies: [NamedPolicy], service: String = "s3.amazonaws.com", sourceArn: String? = bucket,
                       sourceAccount: String? = "123456789012") -> Bool {
        ServiceGrant.allows(service: service, action: "sqs:SendMessage", resource: queue, resourceAccount: "123456789012",
                            sourceArn: sourceArn, sourceAccount: sourceAccount, policies: policies)
    }

    @Test func noPolicyRefusesEveryService() {
        #expect(!Self.allows([]))
    }

    @Test func grantNamingTheServiceWithItsSourceArn() {
        let p = Self.policy(#"{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"\#(Self.queue)","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::uploads"}}}"#)
        #expect(Self.allows(p))
        #expect(!Self.allows(p, sourceArn: "arn:aws:s3:::other"))
        #expect(!Self.allows(p, service: "events.amazonaws.com"))
    }

    @Test func sourceAccountCondition() {
        let p = Self.policy(#"{"Effect":"Allow","Principal":{"Service":["s3.amazonaws.com","events.amazonaws.com"]},"Action":"sqs:*","Resource":"\#(Self.queue)","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}"#)
        #expect(Self.allows(p))
        #expect(Self.allows(p, service: "events.amazonaws.com", sourceArn: "arn:aws:events:us-east-1:123456789012:rule/r"))
        #expect(!Self.allows(p, sourceAccount: "210987654321"))
    }

    @Test func explicitDenyWins() {
        let p = Self.policy(#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"\#(Self.queue)"},{"Effect":"Deny","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"\#(Self.queue)"}"#)
        #expect(!Self.allows(p))
        #expect(Self.allows(p, service: "events.amazonaws.com"))
    }
}
