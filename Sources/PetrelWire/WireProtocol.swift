import Foundation
import PetrelCore

/// The AWS protocols Petrel speaks, which differ mainly in how errors are shaped.
public enum WireProtocol: Sendable {
    /// Lambda: `x-amzn-ErrorType` header, body `{"Type": "User", "message": …}`.
    case restJSON
    /// DynamoDB and DynamoDB Streams: `{"__type": "com.amazonaws.dynamodb.v20120810#Code", …}`.
    case json10(namespace: String)
    /// CloudWatch Logs: `{"__type": "Code", "message": …}`.
    case json11

    public var contentType: String {
        switch self {
        case .restJSON: "application/json"
        case .json10: "application/x-amz-json-1.0"
        case .json11: "application/x-amz-json-1.1"
        }
    }
}

/// An HTTP response ready to send, independent of any server framework.
public struct WireResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

extension WireProtocol {
    public func render(_ error: AWSError) -> WireResponse {
        var members = error.extra
        // A few errors spell it `Message` (DynamoDB's ConditionalCheckFailedException with an
        // Item): an extra named so replaces the usual member.
        if members["Message"] == nil { members["message"] = .string(error.message) }
        var headers = [("Content-Type", contentType), ("x-amzn-ErrorType", error.code)]
        switch self {
        case .restJSON:
            members["Type"] = .string(error.isClientFault ? "User" : "Service")
        case .json10(let namespace):
            members["__type"] = .string("\(namespace)#\(error.code)")
        case .json11:
            members["__type"] = .string(error.code)
        }
        if error.code == "TooManyRequestsException" {
            headers.append(("Retry-After", "1"))
        }
        let body = (try? JSONEncoder().encode(JSONValue.object(members))) ?? Data()
        return WireResponse(status: error.status, headers: headers, body: body)
    }
}
