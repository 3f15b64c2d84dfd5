/// The account and region a request acts in. Petrel serves one account; the region comes
/// from the request's SigV4 credential scope, falling back to the server's default.
public struct Account: Sendable, Equatable {
    public var id: String
    public var region: String

    public init(id: String = "000000000000", region: String = "us-east-1") {
        self.id = id
        self.region = region
    }

    public func inRegion(_ region: String?) -> Account {
        guard let region, !region.isEmpty else { return self }
        return Account(id: id, region: region)
    }

    public func lambdaFunctionARN(_ name: String, qualifier: String? = nil) -> String {
        let base = "arn:aws:lambda:\(region):\(id):function:\(name)"
        guard let qualifier else { return base }
        return base + ":" + qualifier
    }

    public func tableARN(_ name: String) -> String {
        "arn:aws:dynamodb:\(region):\(id):table/\(name)"
    }
}
