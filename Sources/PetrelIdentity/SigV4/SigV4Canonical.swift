import Crypto
import Foundation

/// SigV4's canonical forms (AWS's "Create a canonical request" steps), pure functions.
public enum SigV4Canonical {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// RFC 3986 encoding as SigV4 wants it: unreserved characters stay, every other byte is
    /// `%XX` with upper-case hex; `/` stays when `keepSlash`.
    public static func uriEncode<S: Sequence>(_ bytes: S, keepSlash: Bool) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(16)
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decodes; malformed escapes are kept as they are.
    public static func percentDecode(_ s: Substring) -> String {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
        var out = [UInt8]()
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Removes `.` and `..` segments and empty segments (`//`), keeping a trailing slash,
    /// as the AWS SDKs normalise a path before signing it (all services but S3).
    public static func normalizePath(_ path: String) -> String {
        if path.isEmpty { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(segment)
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/"), result != "/" { result += "/" }
        return result
    }

    /// The canonical URI of a raw (still encoded) path: normalised, then encoded once more,
    /// which is what the SDKs sign for every service but S3.
    public static func canonicalURI(_ rawPath: String) -> String {
        uriEncode(normalizePath(rawPath).utf8, keepSlash: true)
    }

    /// The query's pairs, split on `&` and the first `=`, percent-decoded.
    public static func queryPairs(_ query: String) -> [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<eq]), percentDecode(pair[pair.index(after: eq)...]))
            }
            return (percentDecode(pair), "")
        }
    }

    /// Pairs re-encoded strictly, sorted by name then value, joined; `X-Amz-Signature` left out.
    public static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(String, String)] = []
        for (name, value) in queryPairs(query) where name != "X-Amz-Signature" {
            pairs.append((uriEncode(name.utf8, keepSlash: false), uriEncode(value.utf8, keepSlash: false)))
        }
        pairs.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Trims a header value and folds runs of spaces into one.
    public static func trimmedHeaderValue(_ value: String) -> String {
        // Most values need nothing done: no surrounding blanks, no runs of spaces, no tabs.
        var clean = true
        var previousSpace = true
        for byte in value.utf8 {
            if byte == 9 || byte == 10 || byte == 13 || (byte == 32 && previousSpace) { clean = false; break }
            previousSpace = byte == 32
        }
        if clean && !previousSpace { return value }
        if value.isEmpty { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for ch in value.unicodeScalars {
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" "); pendingSpace = false }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// `name:value\n` for each signed header (values of repeated headers joined with `,`).
    public static func canonicalHeaders(_ headers: [(name: String, value: String)], signed: [String]) -> String {
        var out = ""
        out.reserveCapacity(256)
        for name in signed {
            out += name
            out += ":"
            var first = true
            for header in headers where SignedRequest.equalsIgnoringCase(header.name, lowercased: name) {
                if !first { out += "," }
                out += trimmedHeaderValue(header.value)
                first = false
            }
            out += "\n"
        }
        return out
    }

    public static func canonicalRequest(_ request: SignedRequest, signedHeaders: [String], payloadHash: String) -> String {
        request.method + "\n" + canonicalURI(request.path) + "\n" + canonicalQuery(request.query) + "\n"
            + canonicalHeaders(request.headers, signed: signedHeaders) + "\n"
            + signedHeaders.joined(separator: ";") + "\n" + payloadHash
    }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(Array(canonicalRequest.utf8))
    }

    public static func hexSHA256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    public static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ data: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(data.utf8), using: key))
        }
        let kDate = hmac(SymmetricKey(data: Array(("AWS4" + secret).utf8)), date)
        return hmac(hmac(hmac(kDate, region), service), "aws4_request")
    }

    public static func signature(key: SymmetricKey, stringToSign: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }
}
