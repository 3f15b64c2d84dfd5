/// An HTTP request as it arrived, in the form SigV4 signs it: the path and query exactly as
/// sent (still percent-encoded), the headers in arrival order, and the body.
public struct SignedRequest: Sendable {
    public var method: String
    /// The raw path, e.g. `/2015-03-31/functions/arn%3Aaws%3Alambda%3A…/invocations`.
    public var path: String
    /// The raw query string without `?`, e.g. `Action=ListUsers&Version=2010-05-08`.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        for header in headers where header.name.count == name.count && header.name.lowercased() == name {
            return header.value
        }
        return nil
    }

    /// The query's parameters, percent-decoded, in order.
    public var queryItems: [(name: String, value: String)] {
        SigV4Canonical.queryPairs(query)
    }

    public func queryItem(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}
