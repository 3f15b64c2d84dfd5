import Foundation
import PetrelIdentity
import Testing

@Suite struct SigV4VerifierTests {
    static let signedAt = SigV4Verifier.date(fromAMZ: "20261202T101500Z")!
    static let secret = "secret-key-0123456789"
    static let body = Array(#"{"TableName":"vouchers"}"#.utf8)

    static func signed(token: String? = nil, at date: Date = signedAt) -> SignedRequest {
        let request = SignedRequest(method: "POST", path: "/", headers: [("Host", "127.0.0.1:4566"), ("X-Amz-Target", "DynamoDB_20120810.DescribeTable"),
                                                                        ("Content-Type", "application/x-amz-json-1.0")], body: body)
        return SigV4Signer.sign(request, accessKeyID: "AKIAEXAMPLE", secret: secret, sessionToken: token,
                                region: "us-east-1", service: "dynamodb", date: date)
    }

    static func check(_ request: SignedRequest, key: AccessKeySecret, now: Date) throws(SignatureError) {
        guard let auth = try SigV4Authorization.parse(request) else { throw SignatureError.missing }
        let verifier = SigV4Verifier()
        try verifier.checkTime(auth, now: now)
        try verifier.verify(request, auth, key: key, now: now)
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var request: SignedRequest
        var key: AccessKeySecret
        var now: Date
        var expected: SignatureError.Kind?
    }

    static let cases: [Case] = {
        let ok = signed()
        var tamperedBody = ok
        tamperedBody.body = Array(#"{"TableName":"other"}"#.utf8)
        var tamperedHeader = ok
        tamperedHeader.headers[1].value = "DynamoDB_20120810.DeleteTable"
        var unsignedHeaderAdded = ok
        unsignedHeaderAdded.headers.append(("X-Extra", "not signed, allowed"))
        var noSignature = ok
        noSignature.headers.removeAll { $0.name == "Authorization" }
        noSignature.headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host"))
        var noDate = ok
        noDate.headers.removeAll { $0.name == "X-Amz-Date" }
        let temporary = AccessKeySecret(secret: secret, sessionToken: "token-1", expiration: signedAt.addingTimeInterval(3600))
        return [
            Case(description: "valid", request: ok, key: AccessKeySecret(secret: secret), now: signedAt, expected: nil),
            Case(description: "valid 14 minutes later", request: ok, key: AccessKeySecret(secret: secret), now: signedAt.addingTimeInterval(14 * 60), expected: nil),
            Case(description: "unsigned header added", request: unsignedHeaderAdded, key: AccessKeySecret(secret: secret), now: signedAt, expected: nil),
            Case(description: "skewed 16 minutes late", request: ok, key: AccessKeySecret(secret: secret), now: signedAt.addingTimeInterval(16 * 60), expected: .requestTimeTooSkewed),
            Case(description: "skewed 16 minutes early", request: ok, key: AccessKeySecret(secret: secret), now: signedAt.addingTimeInterval(-16 * 60), expected: .requestTimeTooSkewed),
            Case(description: "wrong secret", request: ok, key: AccessKeySecret(secret: "other"), now: signedAt, expected: .signatureDoesNotMatch),
            Case(description: "body changed", request: tamperedBody, key: AccessKeySecret(secret: secret), now: signedAt, expected: .signatureDoesNotMatch),
            Case(description: "signed header changed", request: tamperedHeader, key: AccessKeySecret(secret: secret), now: signedAt, expected: .signatureDoesNotMatch),
            Case(description: "no Signature", request: noSignature, key: AccessKeySecret(secret: secret), now: signedAt, expected: .incompleteSignature),
            Case(description: "no date", request: noDate, key: AccessKeySecret(secret: secret), now: signedAt, expected: .incompleteSignature),
            Case(description: "temporary key with its token", request: signed(token: "token-1"), key: temporary, now: signedAt, expected: nil),
            Case(description: "temporary key without a token", request: ok, key: temporary, now: signedAt, expected: .invalidClientTokenId),
            Case(description: "temporary key, wrong token", request: signed(token: "token-2"), key: temporary, now: signedAt, expected: .invalidClientTokenId),
            Case(description: "temporary key expired", request: signed(token: "token-1", at: signedAt.addingTimeInterval(3700)), key: temporary,
                 now: signedAt.addingTimeInterval(3700), expected: .expiredToken),
            Case(description: "token sent with a long-term key", request: signed(token: "token-1"), key: AccessKeySecret(secret: secret), now: signedAt, expected: .invalidClientTokenId),
            Case(description: "unsigned request", request: SignedRequest(method: "GET", path: "/", headers: [("Host", "h")]), key: AccessKeySecret(secret: secret), now: signedAt,
                 expected: .missingAuthenticationToken),
        ]
    }()

    @Test(arguments: cases)
    func verifies(_ c: Case) {
        do {
            try Self.check(c.request, key: c.key, now: c.now)
            #expect(c.expected == nil, "accepted, expected \(String(describing: c.expected))")
        } catch {
            #expect(error.kind == c.expected, "\(error)")
        }
    }

    /// A presigned URL as botocore makes one (`generate_presigned_url`): the signature in the query.
    static func presigned(expires: Int, signedAt date: Date, payload: String = SigV4Canonical.emptyPayloadHash) -> SignedRequest {
        let amzDate = SigV4Verifier.amzDate(date)
        let scope = "\(amzDate.prefix(8))/us-east-1/sts/aws4_request"
        let query = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F\(scope.replacingOccurrences(of: "/", with: "%2F"))&X-Amz-Date=\(amzDate)&X-Amz-Expires=\(expires)&X-Amz-SignedHeaders=host"
        var request = SignedRequest(method: "GET", path: "/", query: query, headers: [("Host", "127.0.0.1:4566")])
        let canonical = SigV4Canonical.canonicalRequest(request, signedHeaders: ["host"], payloadHash: payload)
        let toSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let key = SigV4Canonical.signingKey(secret: secret, date: String(amzDate.prefix(8)), region: "us-east-1", service: "sts")
        request.query += "&X-Amz-Signature=" + SigV4Canonical.signature(key: key, stringToSign: toSign)
        return request
    }

    @Test(arguments: [(60, 30.0, nil), (60, 61.0, SignatureError.Kind.requestExpired), (3600, 1800.0, nil), (300, -20 * 60.0, .requestTimeTooSkewed)])
    func presignedURLs(expires: Int, secondsLater: Double, expected: SignatureError.Kind?) {
        for payload in [SigV4Canonical.emptyPayloadHash, SigV4Canonical.unsignedPayload] {
            let request = Self.presigned(expires: expires, signedAt: Self.signedAt, payload: payload)
            do {
                try Self.check(request, key: AccessKeySecret(secret: Self.secret), now: Self.signedAt.addingTimeInterval(secondsLater))
                #expect(expected == nil)
            } catch {
                #expect(error.kind == expected, "\(error)")
            }
        }
    }

    @Test func errorsAreNamedPerProtocol() {
        #expect(SignatureError.mismatch.error(for: .query).code == "SignatureDoesNotMatch")
        #expect(SignatureError.mismatch.error(for: .json).code == "InvalidSignatureException")
        #expect(SignatureError.invalidToken.error(for: .query).code == "InvalidClientTokenId")
        #expect(SignatureError.invalidToken.error(for: .json).code == "UnrecognizedClientException")
        #expect(SignatureError.missing.error(for: .query).code == "MissingAuthenticationToken")
        #expect(SignatureError(.requestTimeTooSkewed, "x").error(for: .query).code == "RequestTimeTooSkewed")
    }

    @Test func signingKeysAreCachedPerScope() {
        let verifier = SigV4Verifier()
        let a = verifier.signingKey(secret: "s", date: "20261202", region: "us-east-1", service: "lambda")
        let b = verifier.signingKey(secret: "s", date: "20261202", region: "us-east-1", service: "lambda")
        let c = verifier.signingKey(secret: "s", date: "20261202", region: "eu-west-1", service: "lambda")
        #expect(a == b)
        #expect(a != c)
        #expect(a == SigV4Canonical.signingKey(secret: "s", date: "20261202", region: "us-east-1", service: "lambda"))
    }

    @Test(arguments: [("/", "/"), ("/a/./b/../c", "/a/c"), ("//a//", "/a/"), ("/a/..", "/"), ("", "/")])
    func normalizesPaths(path: String, expected: String) {
        #expect(SigV4Canonical.normalizePath(path) == expected)
    }

    @Test func pathsAreEncodedTwiceAsTheSDKsSignThem() {
        #expect(SigV4Canonical.canonicalURI("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations")
            == "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations")
    }
}

@Suite struct DateFormattingTests {
    @Test(arguments: [(0.0, "19700101T000000Z"), (1_440_938_160.0, "20150830T123600Z"), (951_782_400.0, "20000229T000000Z"), (4_102_444_799.0, "20991231T235959Z")])
    func amzDatesRoundTrip(seconds: Double, text: String) {
        #expect(SigV4Verifier.amzDate(Date(timeIntervalSince1970: seconds)) == text)
        #expect(SigV4Verifier.date(fromAMZ: text) == Date(timeIntervalSince1970: seconds))
    }
}
