import Foundation
import PetrelCore

/// The HTTP request a function URL received, as the event builder needs it.
public struct FunctionURLRequest: Sendable {
    public var method: String
    /// The path as sent (percent-encoded), without the query.
    public var rawPath: String
    public var rawQueryString: String
    /// In the order received; names as sent.
    public var headers: [(name: String, value: String)]
    public var body: Data
    public var sourceIP: String
    public var domainName: String
    public var urlID: String
    public var accountID: String
    public var requestID: String
    public var time: Date
    /// `authorizer.iam` for AWS_IAM URLs (the caller's identity); nil for NONE.
    public var iamCaller: [String: String]?

    public init(method: String, rawPath: String, rawQueryString: String, headers: [(name: String, value: String)], body: Data,
                sourceIP: String, domainName: String, urlID: String, accountID: String, requestID: String, time: Date,
                iamCaller: [String: String]? = nil) {
        self.method = method
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
        self.domainName = domainName
        self.urlID = urlID
        self.accountID = accountID
        self.requestID = requestID
        self.time = time
        self.iamCaller = iamCaller
    }
}

/// The event a function URL invokes its function with: API Gateway's HTTP API payload,
/// format 2.0, as AWS documents it for function URLs. Pure.
public enum FunctionURLEvent {
    public static func payload(_ request: FunctionURLRequest) -> Data {
        var headers: [String: String] = [:]
        var cookies: [String] = []
        for (name, value) in request.headers {
            let key = name.lowercased()
            if key == "cookie" {
                cookies += value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                continue
            }
            // Repeated headers are joined with commas, as AWS joins them.
            headers[key] = headers[key].map { $0 + "," + value } ?? value
        }
        let path = request.rawPath.isEmpty ? "/" : request.rawPath
        var http: [String: Any] = ["method": request.method, "path": path.removingPercentEncoding ?? path,
                                   "protocol": "HTTP/1.1", "sourceIp": request.sourceIP]
        http["userAgent"] = headers["user-agent"] ?? ""
        var context: [String: Any] = [
            "accountId": request.iamCaller == nil ? "anonymous" : request.accountID,
            "apiId": request.urlID,
            "domainName": request.domainName,
            "domainPrefix": request.urlID,
            "http": http,
            "requestId": request.requestID,
            "routeKey": "$default",
            "stage": "$default",
            "time": clfTime(request.time),
            "timeEpoch": Int64((request.time.timeIntervalSince1970 * 1000).rounded(.down)),
        ]
        if let caller = request.iamCaller { context["authorizer"] = ["iam": caller] }
        var event: [String: Any] = [
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": request.rawQueryString,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": false,
        ]
        if !cookies.isEmpty { event["cookies"] = cookies }
        let query = queryStringParameters(request.rawQueryString)
        if !query.isEmpty { event["queryStringParameters"] = query }
        if !request.body.isEmpty {
            if isText(contentType: headers["content-type"]), let text = String(data: request.body, encoding: .utf8) {
                event["body"] = text
            } else {
                event["body"] = request.body.base64EncodedString()
                event["isBase64Encoded"] = true
            }
        }
        return (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// `a=1&a=2&b` → `{a: "1,2", b: ""}`, values decoded, repeated ones joined with commas.
    public static func queryStringParameters(_ raw: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            result[name] = result[name].map { $0 + "," + value } ?? value
        }
        return result
    }

    static func decode(_ part: Substring) -> String {
        let plus = part.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// Bodies AWS passes as text; anything else arrives base64-encoded.
    public static func isText(contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return type.hasPrefix("text/") || type == "application/json" || type.hasSuffix("+json") || type == "application/xml"
            || type.hasSuffix("+xml") || type == "application/javascript" || type == "application/x-www-form-urlencoded"
    }

    /// `02/Dec/2026:11:38:42 +0000`.
    static func clfTime(_ date: Date) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let civil = CivilDate.fromDays(seconds / 86_400)
        let inDay = seconds % 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(civil.day))/\(months[civil.month - 1])/\(civil.year):\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60)) +0000"
    }
}
