/// The parts of a SigV4 `Authorization` header Petrel uses. Signatures are parsed, not verified.
///
/// `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/lambda/aws4_request, SignedHeaders=…, Signature=…`
public struct SigV4Credential: Sendable, Equatable {
    public var accessKeyID: String
    public var date: String
    public var region: String
    public var service: String

    public init(accessKeyID: String, date: String, region: String, service: String) {
        self.accessKeyID = accessKeyID
        self.date = date
        self.region = region
        self.service = service
    }

    /// Returns nil for a missing or malformed header; callers then use the default region.
    public init?(authorizationHeader header: String) {
        guard header.hasPrefix("AWS4-HMAC-SHA256"),
              let range = header.range(of: "Credential=") else { return nil }
        let rest = header[range.upperBound...]
        let credential = rest.prefix { $0 != "," && $0 != " " }
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "aws4_request" else { return nil }
        self.init(accessKeyID: String(parts[0]), date: String(parts[1]),
                  region: String(parts[2]), service: String(parts[3]))
    }
}
