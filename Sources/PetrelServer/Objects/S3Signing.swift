import Foundation
import HTTPTypes
import Hummingbird
import PetrelIdentity
import PetrelObjects

/// SigV4 for S3 in `--iam enforce`: the header or presigned signature checked before the body
/// is read (the payload hash is what the client declared: a hex SHA-256 checked as the body
/// streams, UNSIGNED-PAYLOAD, or a STREAMING-… mode whose chunk signatures continue this one).
/// Only the account's root keys may use S3 for now: IAM policies are not evaluated for `s3:` actions.
struct S3Signing: Sendable {
    let verifier: SigV4Verifier
    let secret: String
    let auth: SigV4Authorization
    let seedSignature: String
    let amzDate: String
    let scope: String

    static func authenticate(_ request: Request, authorizer: Authorizer) throws -> S3Signing {
        let signed = SignedRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                   headers: Authorizer.headers(of: request))
        let auth: SigV4Authorization
        do {
            guard let parsed = try SigV4Authorization.parse(signed) else { throw accessDenied("Anonymous access is refused with --iam enforce.") }
            auth = parsed
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error("AuthorizationHeaderMalformed", status: 400, "The authorization header is malformed: \(error)")
        }
        guard let key = authorizer.identities.key(auth.accessKeyID), key.status == "Active" else {
            throw S3Error("InvalidAccessKeyId", status: 403, "The AWS Access Key Id you provided does not exist in our records.",
                          fields: [("AWSAccessKeyId", auth.accessKeyID)])
        }
        do {
            try authorizer.verifier.checkTime(auth, now: Date())
        } catch {
            throw S3Error(auth.isPresigned ? "AccessDenied" : "RequestTimeTooSkewed", status: 403, "\(error)")
        }
        let payloadHash = auth.isPresigned ? SigV4Canonical.unsignedPayload
            : (signed.header("x-amz-content-sha256") ?? SigV4Canonical.emptyPayloadHash)
        let signingKey = authorizer.verifier.signingKey(secret: key.secretForVerifier.secret, date: auth.scopeDate, region: auth.region,
                                                        service: auth.service)
        let canonical = SigV4Canonical.canonicalRequest(signed, signedHeaders: auth.signedHeaders, payloadHash: payloadHash)
        let toSign = SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: canonical)
        guard SigV4Canonical.signature(key: signingKey, stringToSign: toSign) == auth.signature else {
            throw S3Error("SignatureDoesNotMatch", status: 403,
                          "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
        let caller = try authorizer.identities.caller(for: key)
        guard caller.principal.kind == .root else {
            throw accessDenied("Petrel does not evaluate IAM policies for S3 yet: only the account's root keys may use S3 with --iam enforce.")
        }
        return S3Signing(verifier: authorizer.verifier, secret: key.secretForVerifier.secret, auth: auth, seedSignature: auth.signature, amzDate: auth.amzDate, scope: auth.scope)
    }

    static func accessDenied(_ message: String) -> S3Error { S3Error("AccessDenied", status: 403, message) }

    /// Checks the chain of chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body.
    func verifyChunks(_ chunks: [AwsChunkedDecoder.Chunk]) throws {
        var previous = seedSignature
        let signingKey = verifier.signingKey(secret: secret, date: auth.scopeDate, region: auth.region, service: auth.service)
        for chunk in chunks {
            let toSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, SigV4Canonical.emptyPayloadHash, chunk.sha256]
                .joined(separator: "\n")
            let expected = SigV4Canonical.signature(key: signingKey, stringToSign: toSign)
            guard expected == chunk.signature else {
                throw S3Error("SignatureDoesNotMatch", status: 403,
                              "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
            }
            previous = expected
        }
    }
}
