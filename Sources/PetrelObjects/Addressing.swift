/// Where an S3 request points: which bucket and key, from the Host (virtual-hosted style,
/// `bucket.s3.localhost:4566`, `bucket.s3.us-west-2.localhost`) or the path (path style,
/// `/bucket/key`).
public struct ObjectAddress: Sendable, Equatable {
    public var bucket: String?
    public var key: String?

    public init(bucket: String?, key: String?) {
        self.bucket = bucket
        self.key = key
    }

    /// Domains under which a Host names a bucket.
    static let domains = ["localhost.localstack.cloud", "localhost", "amazonaws.com"]

    /// The bucket a virtual-hosted-style Host names, or nil for path style.
    public static func virtualHostBucket(_ host: String?) -> String? {
        guard var host = host?.lowercased() else { return nil }
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        for domain in domains where host.hasSuffix("." + domain) {
            let rest = host.dropLast(domain.count + 1)
            // rest: BUCKET.s3 or BUCKET.s3.REGION (or s3 / s3.REGION for path style)
            let labels = rest.split(separator: ".", omittingEmptySubsequences: false)
            if let s3 = labels.lastIndex(where: { $0 == "s3" }), s3 > 0, labels.count - s3 <= 2 {
                return labels[..<s3].joined(separator: ".")
            }
            return nil
        }
        return nil
    }

    /// Whether a Host is one of the S3 endpoint names (`s3.localhost`, `bucket.s3.localhost`, …).
    public static func isS3Host(_ host: String?) -> Bool {
        guard var host = host?.lowercased() else { return false }
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        return host.hasPrefix("s3.") || host.contains(".s3.") || virtualHostBucket(host) != nil
    }

    /// Parses a request's Host and raw (still percent-encoded) path.
    public static func parse(host: String?, rawPath: String) -> ObjectAddress {
        let path = rawPath.hasPrefix("/") ? String(rawPath.dropFirst()) : rawPath
        if let bucket = virtualHostBucket(host) {
            return ObjectAddress(bucket: bucket, key: path.isEmpty ? nil : percentDecode(path))
        }
        guard !path.isEmpty else { return ObjectAddress(bucket: nil, key: nil) }
        if let slash = path.firstIndex(of: "/") {
            let key = path[path.index(after: slash)...]
            return ObjectAddress(bucket: percentDecode(String(path[..<slash])), key: key.isEmpty ? nil : percentDecode(String(key)))
        }
        return ObjectAddress(bucket: percentDecode(path), key: nil)
    }

    /// Percent-decoding that leaves `+` alone (a path is not a form) and keeps bytes it cannot decode.
    public static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let high = hexValue(iterator[iterator.startIndex]), let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
