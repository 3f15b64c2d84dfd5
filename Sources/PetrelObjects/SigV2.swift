import Crypto
import Foundation

/// S3's legacy signature (HMAC-SHA1 over method, Content-MD5, Content-Type, date or expiry,
/// `x-amz-*` headers and the resource), which boto3 still uses for presigned URLs unless told
/// `signature_version='s3v4'`.
public enum SigV2 {
    /// Query parameters that are part of the signed resource.
    static let subresources: Set<String> = [
        "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy", "requestPayment",
        "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
        "versioning", "versions", "website", "object-lock", "retention", "legal-hold", "encryption", "replication",
        "ownershipControls", "publicAccessBlock", "accelerate", "select", "select-type",
    ]

    /// The signed resource: `/bucket` (for a virtual-hosted request) + the raw path + the sorted subresources.
    public static func resource(virtualHostBucket: String?, rawPath: String, query: [(String, String)]) -> String {
        var resource = (virtualHostBucket.map { "/" + $0 } ?? "") + rawPath
        let signed = query.filter { subresources.contains($0.0) }.sorted { $0.0 < $1.0 }
        if !signed.isEmpty {
            resource += "?" + signed.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        return resource
    }

    public static func stringToSign(method: String, contentMD5: String, contentType: String, dateOrExpires: String,
                                    amzHeaders: [(String, String)], resource: String) -> String {
        let amz = amzHeaders.map { ($0.0.lowercased(), $0.1.trimmingCharacters(in: .whitespaces)) }
            .filter { $0.0.hasPrefix("x-amz-") }
            .sorted { $0.0 < $1.0 }
            .map { "\($0.0):\($0.1)\n" }.joined()
        return "\(method)\n\(contentMD5)\n\(contentType)\n\(dateOrExpires)\n\(amz)\(resource)"
    }

    public static func signature(secret: String, stringToSign: String) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: Array(secret.utf8))))
            .base64EncodedString()
    }
}
