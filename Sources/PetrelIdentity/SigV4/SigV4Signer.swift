import Foundation

/// Signs a request with SigV4 (header form): what an SDK does, for Petrel's own clients and tests.
public enum SigV4Signer {
    /// Adds `X-Amz-Date` (and `X-Amz-Security-Token`) and returns the request with its
    /// `Authorization` header.
    public static func sign(_ request: SignedRequest, accessKeyID: String, secret: String, sessionToken: String? = nil,
                            region: String, service: String, date: Date) -> SignedRequest {
        var request = request
        let amzDate = SigV4Verifier.amzDate(date)
        request.headers.append(("X-Amz-Date", amzDate))
        if let sessionToken { request.headers.append(("X-Amz-Security-Token", sessionToken)) }
        let signed = Array(Set(request.headers.map { $0.name.lowercased() })).sorted()
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let payloadHash = request.header("x-amz-content-sha256") ?? SigV4Canonical.hexSHA256(request.body)
        let canonical = SigV4Canonical.canonicalRequest(request, signedHeaders: signed, payloadHash: payloadHash)
        let toSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let key = SigV4Canonical.signingKey(secret: secret, date: String(amzDate.prefix(8)), region: region, service: service)
        let signature = SigV4Canonical.signature(key: key, stringToSign: toSign)
        request.headers.append(("Authorization", "\(SigV4Canonical.algorithm) Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"))
        return request
    }
}
