import Foundation
import PetrelCore

/// A CloudTrail record (eventVersion 1.09) built from an `APICall`, with secrets and data left
/// out as AWS leaves them out. Pure.
public enum TrailRecord {
    /// Members never recorded: code, item values, message bodies, payloads, secrets.
    static let redacted: Set<String> = [
        "ZipFile", "Item", "Items", "ExpressionAttributeValues", "Key", "Keys", "RequestItems", "TransactItems",
        "MessageBody", "Entries", "Payload", "Body", "Variables", "SecretAccessKey", "Password", "NewPassword", "OldPassword",
        "SessionToken", "PolicyDocument", "logEvents", "Detail", "Policy", "AssumeRolePolicyDocument", "Content",
    ]

    public static func build(_ call: APICall, accountID: String, eventID: String = UUID().uuidString.lowercased()) -> JSONValue {
        var identity: [String: JSONValue] = [
            "type": .string(call.identity.type), "principalId": .string(call.identity.principalId),
            "arn": .string(call.identity.arn), "accountId": .string(call.identity.accountId),
        ]
        if let key = call.identity.accessKeyId { identity["accessKeyId"] = .string(key) }
        if let name = call.identity.userName { identity["userName"] = .string(name) }
        if let role = call.identity.roleArn {
            identity["sessionContext"] = .object([
                "sessionIssuer": .object(["type": .string("Role"), "principalId": .string(call.identity.principalId.split(separator: ":").first.map(String.init) ?? ""),
                                          "arn": .string(role), "accountId": .string(call.identity.accountId),
                                          "userName": .string(String(role.split(separator: "/").last ?? ""))]),
                "attributes": .object(["creationDate": .string(iso(call.time)), "mfaAuthenticated": .string("false")]),
            ])
        }
        let management = !call.isDataEvent
        var record: [String: JSONValue] = [
            "eventVersion": .string("1.09"),
            "userIdentity": .object(identity),
            "eventTime": .string(iso(call.time)),
            "eventSource": .string(call.eventSource),
            "eventName": .string(call.eventName),
            "awsRegion": .string(call.region),
            "sourceIPAddress": .string(call.sourceIPAddress),
            "userAgent": .string(call.userAgent),
            "requestParameters": requestParameters(call),
            "responseElements": responseElements(call),
            "requestID": .string(call.requestID),
            "eventID": .string(eventID),
            "readOnly": .bool(call.isReadOnly),
            "eventType": .string("AwsApiCall"),
            "managementEvent": .bool(management),
            "recipientAccountId": .string(accountID),
            "eventCategory": .string(management ? "Management" : "Data"),
        ]
        if let code = call.errorCode {
            record["errorCode"] = .string(code)
            if let message = call.errorMessage { record["errorMessage"] = .string(message) }
        }
        if let resources = resources(call, accountID: accountID) { record["resources"] = resources }
        return .object(record)
    }

    /// The request's members with AWS's lower-camel names, secrets and values left out.
    static func requestParameters(_ call: APICall) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (k, v) in call.queryParameters where !redacted.contains(k) && k != "Action" && k != "Version" && !k.hasPrefix("X-Amz-") {
            members[lowerCamel(k)] = .string(v)
        }
        if let body = call.body, !body.isEmpty {
            if let value = try? JSONDecoder().decode(JSONValue.self, from: body), case .object(let object) = value {
                for (k, v) in object where !redacted.contains(k) { members[lowerCamel(k)] = clean(v) }
            } else if let text = String(data: body, encoding: .utf8), !text.hasPrefix("<"), text.contains("=") {
                for pair in text.split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
                    guard kv.count == 2, !redacted.contains(kv[0]), kv[0] != "Action", kv[0] != "Version" else { continue }
                    members[lowerCamel(kv[0])] = .string(kv[1])
                }
            }
        }
        for (k, v) in call.pathParameters { members[lowerCamel(k)] = .string(v) }
        return members.isEmpty ? .null : .object(members)
    }

    static func clean(_ value: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 8 else { return .string("…") }
        switch value {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o where !redacted.contains(k) { out[lowerCamel(k)] = clean(v, depth: depth + 1) }
            return .object(out)
        case .array(let a):
            return .array(a.prefix(50).map { clean($0, depth: depth + 1) })
        case .string(let s) where s.count > 1024:
            return .string(String(s.prefix(1024)))
        default:
            return value
        }
    }

    /// What AWS records of an answer: for a successful write with a small JSON answer, its
    /// members (ARNs, ids); nothing for reads and failures.
    static func responseElements(_ call: APICall) -> JSONValue {
        guard call.errorCode == nil, !call.isReadOnly, !call.isDataEvent, let body = call.responseBody, body.count <= 16_384,
              let value = try? JSONDecoder().decode(JSONValue.self, from: body), case .object = value else { return .null }
        return clean(value)
    }

    static func resources(_ call: APICall, accountID: String) -> JSONValue? {
        func named(_ key: String) -> String? {
            if let v = call.pathParameters[key] { return v }
            if let body = call.body, let value = try? JSONDecoder().decode(JSONValue.self, from: body) { return value[key]?.stringValue }
            return nil
        }
        switch call.eventSource {
        case "lambda.amazonaws.com":
            guard let name = named("FunctionName") else { return nil }
            let arn = name.hasPrefix("arn:") ? name : "arn:aws:lambda:\(call.region):\(accountID):function:\(name)"
            return .array([.object(["type": .string("AWS::Lambda::Function"), "ARN": .string(arn), "accountId": .string(accountID)])])
        case "dynamodb.amazonaws.com":
            guard let name = named("TableName") else { return nil }
            let arn = name.hasPrefix("arn:") ? name : "arn:aws:dynamodb:\(call.region):\(accountID):table/\(name)"
            return .array([.object(["type": .string("AWS::DynamoDB::Table"), "ARN": .string(arn), "accountId": .string(accountID)])])
        case "s3.amazonaws.com":
            guard let bucket = call.pathParameters["bucketName"] else { return nil }
            var out: [JSONValue] = [.object(["type": .string("AWS::S3::Bucket"), "ARN": .string("arn:aws:s3:::\(bucket)"), "accountId": .string(accountID)])]
            if let key = call.pathParameters["key"] {
                out.insert(.object(["type": .string("AWS::S3::Object"), "ARN": .string("arn:aws:s3:::\(bucket)/\(key)")]), at: 0)
            }
            return .array(out)
        default:
            return nil
        }
    }

    /// `FunctionName` → `functionName`; `SSEType` → `sSEType` as AWS writes it.
    static func lowerCamel(_ key: String) -> String {
        guard let first = key.first, first.isUppercase else { return key }
        return first.lowercased() + key.dropFirst()
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
