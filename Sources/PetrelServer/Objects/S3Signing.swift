import Foundation
import HTTPTypes
import Hummingbird
import PetrelIdentity
import PetrelObjects

/// SigV4 (and SigV2) for S3: the header or presigned signature checked before the body is read
/// (the payload hash is what the client declared: a hex SHA-256 checked as the body streams,
/// UNSIGNED-PAYLOAD, or a STREAMING-… mode whose chunk signatures continue this one). The
/// caller it establishes is then authorized (S3Authorization); a request with no signature at
/// all is anonymous.
struct S3Signing: Sendable {
    let secret: String
    let auth: SigV4Authorization
    let seedSignature: String
    let amzDate: String
    let scope: String

    /// Who signed the request: nil caller for an unsigned (anonymous) request; the signing,
    /// which chunk signatures continue, for SigV4.
    struct Identity {
        var caller: Caller?
        var signing: S3Signing?
    }

    static func authenticate(_ request: Request, authorizer: Authorizer) throws -> Identity {
        let query = S3Query(request.uri.query)
        if query["AWSAccessKeyId"] != nil || request.headers[.authorization]?.hasPrefix("AWS ") == true {
            let key = try authenticateV2(request, query: query, authorizer: authorizer)
            return Identity(caller: try caller(key, authorizer: authorizer), signing: nil)
        }
        let signed = SignedRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                   headers: Authorizer.headers(of: request))
        let auth: SigV4Authorization
        do {
            guard let parsed = try SigV4Authorization.parse(signed) else { return Identity(caller: nil, signing: nil) }
            auth = parsed
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
        // S3 signs the path as sent, encoded once, not normalised (unlike every other service).
        let canonicalURI = SigV4Canonical.uriEncode(ObjectAddress.percentDecode(request.uri.path).utf8, keepSlash: true)
        let canonical = request.method.rawValue + "\n" + canonicalURI + "\n" + SigV4Canonical.canonicalQuery(signed.query) + "\n"
            + SigV4Canonical.canonicalHeaders(signed.headers, signed: auth.signedHeaders) + "\n"
            + auth.signedHeaders.joined(separator: ";") + "\n" + payloadHash
        let toSign = SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: canonical)
        guard SigV4Canonical.signature(key: signingKey, stringToSign: toSign) == auth.signature else {
            throw S3Error("SignatureDoesNotMatch", status: 403,
                          "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
        return Identity(caller: try caller(key, authorizer: authorizer),
                        signing: S3Signing(secret: key.secretForVerifier.secret, auth: auth, seedSignature: auth.signature,
                                           amzDate: auth.amzDate, scope: auth.scope))
    }

    static func caller(_ key: IdentityStore.KeyRecord, authorizer: Authorizer) throws -> Caller {
        do {
            return try authorizer.identities.caller(for: key)
        } catch {
            authorizer.logger.error("The principal of access key \(key.accessKeyID) could not be loaded: \(error)")
            throw S3Error("InvalidAccessKeyId", status: 403, "The AWS Access Key Id you provided does not exist in our records.",
                          fields: [("AWSAccessKeyId", key.accessKeyID)])
        }
    }

    /// The legacy signature: `Authorization: AWS key:signature` or a presigned
    /// `?AWSAccessKeyId=…&Expires=…&Signature=…` (what boto3 presigns by default).
    static func authenticateV2(_ request: Request, query: S3Query, authorizer: Authorizer) throws -> IdentityStore.KeyRecord {
        var keyID: String
        var signature: String
        var dateOrExpires: String
        if let header = request.headers[.authorization], header.hasPrefix("AWS ") {
            let credential = header.dropFirst(4).split(separator: ":", maxSplits: 1)
            guard credential.count == 2 else { throw S3Error("InvalidArgument", status: 400, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature") }
            (keyID, signature) = (String(credential[0]), String(credential[1]))
            dateOrExpires = request.headers[HTTPField.Name("x-amz-date")!] == nil ? (request.headers[HTTPField.Name("Date")!] ?? "") : ""
        } else {
            keyID = query["AWSAccessKeyId"] ?? ""
            signature = query["Signature"] ?? ""
            dateOrExpires = query["Expires"] ?? ""
            guard let expires = TimeInterval(dateOrExpires) else {
                throw accessDenied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
            }
            if expires < Date().timeIntervalSince1970 { throw accessDenied("Request has expired") }
        }
        guard let key = authorizer.identities.key(keyID), key.status == "Active" else {
            throw S3Error("InvalidAccessKeyId", status: 403, "The AWS Access Key Id you provided does not exist in our records.",
                          fields: [("AWSAccessKeyId", keyID)])
        }
        let amzHeaders = request.headers.map { ($0.name.canonicalName, $0.value) } + query.pairs.filter { $0.0.lowercased().hasPrefix("x-amz-") }
        let resource = SigV2.resource(virtualHostBucket: ObjectAddress.virtualHostBucket(request.head.authority),
                                      rawPath: request.uri.path, query: query.pairs)
        let toSign = SigV2.stringToSign(method: request.method.rawValue, contentMD5: request.headers[HTTPField.Name("Content-MD5")!] ?? "",
                                        contentType: request.headers[.contentType] ?? "", dateOrExpires: dateOrExpires,
                                        amzHeaders: amzHeaders, resource: resource)
        guard SigV2.signature(secret: key.secretForVerifier.secret, stringToSign: toSign) == signature else {
            throw S3Error("SignatureDoesNotMatch", status: 403,
                          "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
        return key
    }

    static func accessDenied(_ message: String) -> S3Error { S3Error("AccessDenied", status: 403, message) }

    /// Checks the chain of chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body.
    func verifyChunks(_ chunks: [AwsChunkedDecoder.Chunk]) throws {
        let key = ChunkSignatures.signingKey(secret: secret, date: auth.scopeDate, region: auth.region, service: auth.service)
        guard ChunkSignatures.verify(chunks, seed: seedSignature, key: key, amzDate: amzDate, scope: scope) else {
            throw S3Error("SignatureDoesNotMatch", status: 403,
                          "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
    }
}
