import Crypto
import Foundation

/// The signature chain of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body: each chunk signs the
/// previous signature (the first, the request's own) and its data's SHA-256.
public enum ChunkSignatures {
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// SigV4's signing key for (secret, yyyymmdd, region, service).
    public static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        var key = Array(("AWS4" + secret).utf8)
        for part in [date, region, service, "aws4_request"] {
            key = Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: SymmetricKey(data: key)))
        }
        return key
    }

    /// The expected signature of each chunk, in order.
    public static func expected(_ chunkHashes: [String], seed: String, key: [UInt8], amzDate: String, scope: String) -> [String] {
        var previous = seed
        var out: [String] = []
        for hash in chunkHashes {
            let toSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, emptyHash, hash].joined(separator: "\n")
            previous = ETag.hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: SymmetricKey(data: key)))
            out.append(previous)
        }
        return out
    }

    /// Whether every chunk carries the signature the chain expects (and there is at least the final chunk).
    public static func verify(_ chunks: [AwsChunkedDecoder.Chunk], seed: String, key: [UInt8], amzDate: String, scope: String) -> Bool {
        guard !chunks.isEmpty else { return false }
        let wanted = expected(chunks.map(\.sha256), seed: seed, key: key, amzDate: amzDate, scope: scope)
        return zip(wanted, chunks).allSatisfy { $0 == $1.signature }
    }
}
