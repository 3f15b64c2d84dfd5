import Foundation
import PetrelCore

/// One request Petrel served, as the gateway saw it: what CloudTrail turns into a record.
/// Cheap to make on the request path; everything costly (parsing the body, redacting,
/// encoding) happens later, off it.
public struct APICall: Sendable {
    public var time: Date
    /// `lambda.amazonaws.com`, `dynamodb.amazonaws.com`, …
    public var eventSource: String
    public var eventName: String
    public var region: String
    public var sourceIPAddress: String
    public var userAgent: String
    public var identity: CallerIdentity
    /// The request's body when it was small and buffered (JSON, or a query form).
    public var body: Data?
    /// Members the path carries (`FunctionName` of `/2015-03-31/functions/NAME`, S3's bucket and key).
    public var pathParameters: [String: String]
    /// The query string's parameters.
    public var queryParameters: [String: String]
    public var status: Int
    public var errorCode: String?
    public var errorMessage: String?
    /// The response body, for the few management calls whose answer CloudTrail records.
    public var responseBody: Data?
    public var requestID: String

    public init(time: Date, eventSource: String, eventName: String, region: String, sourceIPAddress: String, userAgent: String,
                identity: CallerIdentity, body: Data?, pathParameters: [String: String], queryParameters: [String: String],
                status: Int, errorCode: String?, errorMessage: String?, responseBody: Data?, requestID: String) {
        self.time = time
        self.eventSource = eventSource
        self.eventName = eventName
        self.region = region
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.identity = identity
        self.body = body
        self.pathParameters = pathParameters
        self.queryParameters = queryParameters
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.responseBody = responseBody
        self.requestID = requestID
    }

    public var isReadOnly: Bool {
        ["Get", "List", "Describe", "Head", "Lookup", "Query", "Scan", "BatchGet", "TransactGet", "Receive", "Filter", "Test"]
            .contains { eventName.hasPrefix($0) }
    }

    /// Data events (CloudTrail records them only when a trail's selectors ask): object-level,
    /// item-level and invocation calls.
    public var isDataEvent: Bool { Self.isDataEvent(source: eventSource, name: eventName) }

    public static func isDataEvent(source eventSource: String, name eventName: String) -> Bool {
        switch eventSource {
        case "lambda.amazonaws.com": return eventName.hasPrefix("Invoke")
        case "dynamodb.amazonaws.com":
            return ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
                    "TransactGetItems", "TransactWriteItems", "GetRecords", "GetShardIterator"].contains(eventName)
        case "s3.amazonaws.com":
            return ["GetObject", "PutObject", "ListObjects", "ListObjectsV2", "DeleteObject", "DeleteObjects", "HeadObject", "CopyObject", "CreateMultipartUpload",
                    "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "GetObjectTagging",
                    "PutObjectTagging", "DeleteObjectTagging", "GetObjectAttributes"].contains(eventName)
        case "sqs.amazonaws.com":
            return ["SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"].contains(eventName)
        case "events.amazonaws.com": return eventName == "PutEvents"
        case "logs.amazonaws.com": return ["PutLogEvents", "GetLogEvents", "FilterLogEvents"].contains(eventName)
        default: return false
        }
    }
}

/// `userIdentity`: who called, as the Authorizer resolved it.
public struct CallerIdentity: Sendable, Equatable {
    /// `Root`, `IAMUser`, `AssumedRole`, `AWSService`.
    public var type: String
    public var principalId: String
    public var arn: String
    public var accountId: String
    public var accessKeyId: String?
    public var userName: String?
    /// For an assumed role: the role's ARN (the session's issuer).
    public var roleArn: String?

    public init(type: String, principalId: String, arn: String, accountId: String, accessKeyId: String?, userName: String?, roleArn: String?) {
        self.type = type
        self.principalId = principalId
        self.arn = arn
        self.accountId = accountId
        self.accessKeyId = accessKeyId
        self.userName = userName
        self.roleArn = roleArn
    }
}
