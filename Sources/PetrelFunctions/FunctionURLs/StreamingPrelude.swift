import Foundation

/// A streamed function URL response's head. A Node handler that calls
/// `awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies})` sets the content
/// type `application/vnd.awslambda.http-integration-response` and writes that JSON, then eight
/// zero bytes, then the body. Feed the stream's chunks until the head is complete. Pure.
public struct StreamingPrelude: Sendable {
    public static let contentType = "application/vnd.awslambda.http-integration-response"
    /// A head larger than this (without its delimiter) is not one: 502.
    public static let maxBytes = 64 * 1024
    static let delimiter = Data(repeating: 0, count: 8)

    private var pending = Data()

    public init() {}

    public enum Step: Sendable, Equatable {
        case needMore
        /// The head (status, headers and cookies as `Set-Cookie`) and the body bytes that followed it.
        case head(FunctionURLResponse, rest: Data)
        case invalid
    }

    public mutating func feed(_ chunk: Data) -> Step {
        pending.append(chunk)
        guard let range = pending.range(of: Self.delimiter) else {
            return pending.count > Self.maxBytes ? .invalid : .needMore
        }
        let json = pending[pending.startIndex..<range.lowerBound]
        let rest = Data(pending[range.upperBound...])
        // `{}` or no head at all is 200 without headers, as AWS's default.
        let object = json.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: json)) as? [String: Any]
        guard var object else { return .invalid }
        if object["statusCode"] == nil { object["statusCode"] = 200 }
        object.removeValue(forKey: "body")
        object.removeValue(forKey: "isBase64Encoded")
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return .invalid }
        let head = FunctionURLResponse.from(output: data)
        return head == .badGateway ? .invalid : .head(head, rest: rest)
    }
}
