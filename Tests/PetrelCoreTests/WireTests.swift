import Foundation
import PetrelCore
import PetrelWire
import Testing

@Suite struct SigV4CredentialTests {
    @Test func parsesTheCredentialScope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
        #expect(SigV4Credential(authorizationHeader: header)
            == SigV4Credential(accessKeyID: "AKID", date: "20150830", region: "eu-west-1", service: "lambda"))
    }

    @Test(arguments: ["", "Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1", "AWS4-HMAC-SHA256 Signature=x"])
    func rejectsMalformedHeaders(_ header: String) {
        #expect(SigV4Credential(authorizationHeader: header) == nil)
    }
}

@Suite struct ErrorRenderingTests {
    func body(_ response: WireResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test func lambdaErrorsCarryTheTypeHeaderAndUserFault() throws {
        let response = WireProtocol.restJSON.render(.resourceNotFound("Function not found: x"))
        #expect(response.status == 404)
        #expect(response.headers.contains { $0 == ("x-amzn-ErrorType", "ResourceNotFoundException") })
        let json = try body(response)
        #expect(json["Type"] as? String == "User")
        #expect(json["message"] as? String == "Function not found: x")
    }

    @Test func dynamoErrorsAreNamespaced() throws {
        let response = WireProtocol.json10(namespace: "com.amazonaws.dynamodb.v20120810").render(.validation("bad"))
        #expect(response.status == 400)
        #expect(try body(response)["__type"] as? String == "com.amazonaws.dynamodb.v20120810#ValidationException")
    }

    @Test func throttlingCarriesItsReasonAndRetryAfter() throws {
        let response = WireProtocol.restJSON.render(.tooManyRequests("Rate Exceeded.", reason: "ConcurrentInvocationLimitExceeded"))
        #expect(response.status == 429)
        #expect(try body(response)["Reason"] as? String == "ConcurrentInvocationLimitExceeded")
        #expect(response.headers.contains { $0.0 == "Retry-After" })
    }

    @Test func serviceFaultsAreServiceType() throws {
        #expect(try body(WireProtocol.restJSON.render(.service()))["Type"] as? String == "Service")
    }
}

@Suite struct AccountTests {
    @Test func arnsUseTheRequestRegion() {
        let account = Account().inRegion("eu-central-1")
        #expect(account.lambdaFunctionARN("f") == "arn:aws:lambda:eu-central-1:000000000000:function:f")
        #expect(account.lambdaFunctionARN("f", qualifier: "3") == "arn:aws:lambda:eu-central-1:000000000000:function:f:3")
        #expect(Account().inRegion(nil).region == "us-east-1")
    }
}
