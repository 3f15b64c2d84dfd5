/// A SigV4 signature as a request carries it, in its `Authorization` header or (presigned URL)
/// in its query, parsed but not yet verified.
public struct SigV4Authorization: Sendable, Equatable {
    public var accessKeyID: String
    /// `YYYYMMDD` from the credential scope.
    public var scopeDate: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String
    /// `YYYYMMDDTHHMMSSZ` from `X-Amz-Date` (or `Date`).
    public var amzDate: String
    public var securityToken: String?
    /// Seconds a presigned URL stays valid; nil for header signing.
    public var expires: Int?

    public var scope: String { "\(scopeDate)/\(region)/\(service)/aws4_request" }
    public var isPresigned: Bool { expires != nil }

    /// Reads the signature from the request: nil when the request carries none at all.
    public static func parse(_ request: SignedRequest) throws(SignatureError) -> SigV4Authorization? {
        if let header = request.header("authorization") {
            return try parseHeader(header, request: request)
        }
        let items = request.queryItems
        guard items.contains(where: { $0.name == "X-Amz-Algorithm" || $0.name == "X-Amz-Credential" || $0.name == "X-Amz-Signature" }) else {
            return nil
        }
        return try parseQuery(items)
    }

    static func parseHeader(_ header: String, request: SignedRequest) throws(SignatureError) -> SigV4Authorization {
        guard header.hasPrefix(SigV4Canonical.algorithm + " ") else {
            if header.hasPrefix("AWS4-") || header.hasPrefix("AWS ") {
                throw SignatureError(.incompleteSignature, "Unsupported AWS 'algorithm': '\(header.prefix { $0 != " " })'")
            }
            throw SignatureError(.incompleteSignature, "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=\(header)")
        }
        var credential: Substring?
        var signedHeaders: Substring?
        var signature: Substring?
        // Byte-wise: Character-based splitting costs more than the signature's own hashing.
        let rest = header.utf8.dropFirst(SigV4Canonical.algorithm.utf8.count + 1)
        for part in rest.split(separator: UInt8(ascii: ",")) {
            let item = part.drop { $0 == UInt8(ascii: " ") }
            guard let eq = item.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = Substring(item[..<eq])
            let value = Substring(item[item.index(after: eq)...])
            switch name {
            case "Credential": credential = value
            case "SignedHeaders": signedHeaders = value
            case "Signature": signature = value
            default: break
            }
        }
        var missing: [String] = []
        if credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        let amzDate = request.header("x-amz-date") ?? request.header("date").flatMap(Self.amzDate(fromHTTPDate:))
        if amzDate == nil { missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.") }
        guard missing.isEmpty, let credential, let signedHeaders, let signature, let amzDate else {
            throw SignatureError(.incompleteSignature, missing.joined(separator: " ") + " Authorization=\(header)")
        }
        let scope = try parseCredential(credential)
        let names = signedHeaders.utf8.split(separator: UInt8(ascii: ";")).map { String(Substring($0)).lowercased() }
        return SigV4Authorization(accessKeyID: scope.0, scopeDate: scope.1, region: scope.2, service: scope.3,
                                  signedHeaders: names, signature: String(signature), amzDate: amzDate,
                                  securityToken: request.header("x-amz-security-token"), expires: nil)
    }

    static func parseQuery(_ items: [(name: String, value: String)]) throws(SignatureError) -> SigV4Authorization {
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        var missing: [String] = []
        for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"] where item(name) == nil {
            missing.append(name)
        }
        guard missing.isEmpty else {
            throw SignatureError(.incompleteSignature, "AWS query-string parameters must include \(missing.map { "'\($0)'" }.joined(separator: ", ")). Re-examine the query-string parameters.")
        }
        guard item("X-Amz-Algorithm") == SigV4Canonical.algorithm else {
            throw SignatureError(.incompleteSignature, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        }
        guard let expires = Int(item("X-Amz-Expires")!), expires >= 0 else {
            throw SignatureError(.incompleteSignature, "X-Amz-Expires should be a number")
        }
        guard expires <= 604_800 else {
            throw SignatureError(.incompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
        let scope = try parseCredential(Substring(item("X-Amz-Credential")!))
        return SigV4Authorization(accessKeyID: scope.0, scopeDate: scope.1, region: scope.2, service: scope.3,
                                  signedHeaders: item("X-Amz-SignedHeaders")!.split(separator: ";").map { $0.lowercased() },
                                  signature: item("X-Amz-Signature")!, amzDate: item("X-Amz-Date")!,
                                  securityToken: item("X-Amz-Security-Token"), expires: expires)
    }

    static func parseCredential(_ credential: Substring) throws(SignatureError) -> (String, String, String, String) {
        let parts = credential.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count == 5, !parts[0].isEmpty else {
            throw SignatureError(.incompleteSignature, "Credential should be scoped to a valid region, not ''. Credential=\(credential)")
        }
        guard parts[4] == "aws4_request" else {
            throw SignatureError(.incompleteSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'. Credential=\(credential)")
        }
        guard parts[1].count == 8, parts[1].allSatisfy(\.isNumber) else {
            throw SignatureError(.incompleteSignature, "Date must be in ISO-8601 'basic format'. Got '\(parts[1])'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        guard !parts[2].isEmpty else {
            throw SignatureError(.incompleteSignature, "Credential should be scoped to a valid region, not ''. Credential=\(credential)")
        }
        return (String(parts[0]), String(parts[1]), String(parts[2]), String(parts[3]))
    }

    /// `Sun, 30 Aug 2015 12:36:00 GMT` → `20150830T123600Z`.
    static func amzDate(fromHTTPDate value: String) -> String? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = value.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else {
            return nil
        }
        let time = parts[4].split(separator: ":")
        guard time.count == 3 else { return nil }
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)\(pad(month + 1))\(pad(day))T\(time[0])\(time[1])\(time[2])Z"
    }
}
