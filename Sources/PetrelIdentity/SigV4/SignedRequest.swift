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
        for header in headers where Self.equalsIgnoringCase(header.name, lowercased: name) {
            return header.value
        }
        return nil
    }

    /// ASCII case-insensitive comparison with an already lower-cased name, without allocating.
    static func equalsIgnoringCase(_ name: String, lowercased: String) -> Bool {
        var a = name.utf8.makeIterator(), b = lowercased.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                let lower = x >= 65 && x <= 90 ? x + 32 : x
                if lower != y { return false }
            default: return false
            }
        }
    }

    /// The query's parameters, percent-decoded, in order.
    public var queryItems: [(name: String, value: String)] {
        SigV4Canonical.queryPairs(query)
    }

    public func queryItem(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}
