import Foundation

/// What a function URL answers, from the function's result, as AWS turns it into HTTP. Pure.
public struct FunctionURLResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public static func == (a: Self, b: Self) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { "\($0.name): \($0.value)" } == b.headers.map { "\($0.name): \($0.value)" }
    }

    public init(status: Int, headers: [(name: String, value: String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A function error, a timeout, a crash or a response AWS cannot read: 502, as AWS answers.
    public static let badGateway = FunctionURLResponse(status: 502, headers: [("Content-Type", "application/json")],
                                                       body: Data(#"{"Message":"Internal Server Error"}"#.utf8))

    /// The function's successful output turned into the HTTP response:
    /// - an object with `statusCode`: that status, its `headers` (and `multiValueHeaders`), each
    ///   of its `cookies` as a `Set-Cookie` header, and its `body` (base64-decoded when
    ///   `isBase64Encoded`);
    /// - anything else (a string, an object without `statusCode`, a number): 200 with
    ///   `application/json`, the body being the string itself or the JSON as returned.
    public static func from(output: Data) -> FunctionURLResponse {
        let json = try? JSONSerialization.jsonObject(with: output, options: [.fragmentsAllowed])
        guard let object = json as? [String: Any], object["statusCode"] != nil else {
            if let string = json as? String {
                return FunctionURLResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(string.utf8))
            }
            return FunctionURLResponse(status: 200, headers: [("Content-Type", "application/json")], body: output)
        }
        guard let number = object["statusCode"] as? NSNumber, number.doubleValue.rounded() == number.doubleValue,
              (100...599).contains(number.intValue) else {
            return badGateway
        }
        var headers: [(name: String, value: String)] = []
        if let single = object["headers"] as? [String: Any] {
            for (name, value) in single.sorted(by: { $0.key < $1.key }) {
                guard let text = scalar(value) else { return badGateway }
                headers.append((name, text))
            }
        }
        if let multi = object["multiValueHeaders"] as? [String: Any] {
            for (name, values) in multi.sorted(by: { $0.key < $1.key }) {
                guard let list = values as? [Any] else { return badGateway }
                for value in list {
                    guard let text = scalar(value) else { return badGateway }
                    headers.append((name, text))
                }
            }
        }
        if let cookies = object["cookies"] {
            guard let list = cookies as? [Any] else { return badGateway }
            for cookie in list {
                guard let text = cookie as? String else { return badGateway }
                headers.append(("Set-Cookie", text))
            }
        }
        var body = Data()
        switch object["body"] {
        case nil, is NSNull: break
        case let text as String:
            if (object["isBase64Encoded"] as? Bool) == true {
                guard let decoded = Data(base64Encoded: text) else { return badGateway }
                body = decoded
            } else {
                body = Data(text.utf8)
            }
        default:
            return badGateway
        }
        return FunctionURLResponse(status: number.intValue, headers: headers, body: body)
    }

    static func scalar(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}
