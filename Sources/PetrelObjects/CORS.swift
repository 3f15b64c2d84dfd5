import Foundation

/// A bucket's CORS configuration and S3's matching of a request against it: the first rule
/// whose origins, method and (for a preflight) requested headers all match wins.
public struct CORSConfiguration: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        public var id: String?
        public var allowedOrigins: [String]
        public var allowedMethods: [String]
        public var allowedHeaders: [String]
        public var exposeHeaders: [String]
        public var maxAgeSeconds: Int?

        public init(id: String? = nil, allowedOrigins: [String], allowedMethods: [String], allowedHeaders: [String] = [],
                    exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil) {
            self.id = id
            self.allowedOrigins = allowedOrigins
            self.allowedMethods = allowedMethods
            self.allowedHeaders = allowedHeaders
            self.exposeHeaders = exposeHeaders
            self.maxAgeSeconds = maxAgeSeconds
        }
    }

    public var rules: [Rule]
    public init(rules: [Rule]) { self.rules = rules }

    static let methods: Set<String> = ["GET", "PUT", "HEAD", "POST", "DELETE"]

    public static func parse(_ root: XMLNode) throws(S3Error) -> CORSConfiguration {
        guard root.name == "CORSConfiguration" else { throw S3Error.malformedXML() }
        var rules: [Rule] = []
        for node in root.all("CORSRule") {
            let origins = node.all("AllowedOrigin").map(\.text)
            let methods = node.all("AllowedMethod").map(\.text)
            guard !origins.isEmpty, !methods.isEmpty else { throw S3Error.malformedXML() }
            for method in methods where !Self.methods.contains(method) {
                throw S3Error.invalidArgument("Found unsupported HTTP method in CORS config. Unsupported method is \(method)",
                                              name: "AllowedMethod", value: method)
            }
            for origin in origins where origin.filter({ $0 == "*" }).count > 1 {
                throw S3Error.invalidArgument("AllowedOrigin \"\(origin)\" can not have more than one wildcard.", name: "AllowedOrigin", value: origin)
            }
            rules.append(Rule(id: node.value("ID"), allowedOrigins: origins, allowedMethods: methods,
                              allowedHeaders: node.all("AllowedHeader").map(\.text), exposeHeaders: node.all("ExposeHeader").map(\.text),
                              maxAgeSeconds: node.value("MaxAgeSeconds").flatMap(Int.init)))
        }
        guard !rules.isEmpty, rules.count <= 100 else { throw S3Error.malformedXML() }
        return CORSConfiguration(rules: rules)
    }

    public var xml: String {
        var xml = XMLText()
        xml.open("CORSConfiguration", namespace: true)
        for rule in rules {
            xml.open("CORSRule")
            xml.element("ID", rule.id)
            for header in rule.allowedHeaders { xml.element("AllowedHeader", header) }
            for method in rule.allowedMethods { xml.element("AllowedMethod", method) }
            for origin in rule.allowedOrigins { xml.element("AllowedOrigin", origin) }
            for header in rule.exposeHeaders { xml.element("ExposeHeader", header) }
            if let age = rule.maxAgeSeconds { xml.element("MaxAgeSeconds", age) }
            xml.close("CORSRule")
        }
        xml.close("CORSConfiguration")
        return xml.document
    }

    /// The first rule allowing `origin` to use `method` with `requestHeaders` (a preflight's
    /// Access-Control-Request-Headers; none for an actual request).
    public func match(origin: String, method: String, requestHeaders: [String] = []) -> Rule? {
        rules.first { rule in
            rule.allowedOrigins.contains { Self.wildcard($0, origin) }
                && rule.allowedMethods.contains(method.uppercased())
                && requestHeaders.allSatisfy { header in rule.allowedHeaders.contains { Self.wildcard($0.lowercased(), header.lowercased()) } }
        }
    }

    /// `*` matches any run of characters (at most one `*` in a pattern, as S3 allows).
    static func wildcard(_ pattern: String, _ text: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let head = pattern[..<star], tail = pattern[pattern.index(after: star)...]
        return text.count >= head.count + tail.count && text.hasPrefix(head) && text.hasSuffix(tail)
    }
}
