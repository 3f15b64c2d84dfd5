import Foundation
import HTTPTypes
import Hummingbird
import PetrelFunctions
import PetrelIdentity
import PetrelTrail

/// Which AWS call a request is (event source and name) for CloudTrail, decided from its head
/// alone so the request path pays only for a few string comparisons.
enum APICallClassifier {
    struct Call {
        var source: String
        var name: String
        var path: [String: String] = [:]
        /// Whether to buffer the body (small JSON or form bodies of management calls).
        var wantsBody: Bool
    }

    static let sources: [String: String] = [
        "DynamoDB_20120810": "dynamodb.amazonaws.com", "DynamoDBStreams_20120810": "dynamodb.amazonaws.com",
        "Logs_20140328": "logs.amazonaws.com", "GraniteServiceVersion20100801": "monitoring.amazonaws.com",
        "AmazonSQS": "sqs.amazonaws.com", "AWSEvents": "events.amazonaws.com",
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail.amazonaws.com",
    ]

    static func classify(_ request: Request, isS3: (Request) -> Bool) -> Call? {
        let path = request.uri.path
        if request.method == .options || path.hasPrefix("/_petrel") || path.hasPrefix("/console") || path == "/health" || path == "/metrics" {
            return nil
        }
        if let target = request.headers[HTTPField.Name("X-Amz-Target")!] {
            guard let dot = target.lastIndex(of: ".") else { return nil }
            let prefix = String(target[..<dot])
            guard let source = sources[prefix] else { return nil }
            return Call(source: source, name: String(target[target.index(after: dot)...]), wantsBody: true)
        }
        if isS3(request) { return s3(request) }
        if LambdaOperationNames.isLambdaPath(path) {
            if request.method == .post, path.hasSuffix("/invocations") {
                return Call(source: "lambda.amazonaws.com", name: "Invoke", path: [:], wantsBody: false)
            }
            let keys = Set(request.uri.queryParameters.map { String($0.key) })
            guard let name = LambdaOperationNames.operation(method: request.method.rawValue, path: path, queryKeys: keys) else { return nil }
            let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
            var params: [String: String] = [:]
            if let i = segments.firstIndex(of: "functions"), i + 1 < segments.count { params["FunctionName"] = segments[i + 1] }
            let version = segments.first.map { $0.replacingOccurrences(of: "-", with: "") } ?? ""
            return Call(source: "lambda.amazonaws.com", name: name + version, path: params, wantsBody: !name.hasPrefix("Invoke"))
        }
        if path.hasPrefix(CloudWatchRoutes.prefix) {
            return Call(source: "monitoring.amazonaws.com", name: String(path.split(separator: "/").last ?? ""), wantsBody: false)
        }
        if request.method == .post, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            // IAM, STS and SQS's query protocol: the service from the signature's scope, the name from the form.
            let service = request.headers[.authorization].flatMap(UnservedService.scopeService) ?? "sts"
            return Call(source: "\(service).amazonaws.com", name: "", wantsBody: true)
        }
        return nil
    }

    /// S3's operation from method, path and query (the common ones).
    static func s3(_ request: Request) -> Call {
        let address = ObjectAddressSplit(request.uri.path)
        let query = Set(request.uri.queryParameters.map { String($0.key) })
        var params: [String: String] = [:]
        if let b = address.bucket { params["bucketName"] = b }
        if let k = address.key { params["key"] = k }
        let name: String
        let sub = ["notification": "BucketNotificationConfiguration", "tagging": "Tagging", "cors": "BucketCors",
                   "lifecycle": "BucketLifecycleConfiguration", "uploads": "MultipartUploads"].first { query.contains($0.key) }
        switch (request.method, address.bucket, address.key) {
        case (.get, nil, _): name = "ListBuckets"
        case (.put, _, nil): name = sub.map { "Put" + $0.value } ?? "CreateBucket"
        case (.delete, _, nil): name = sub.map { "Delete" + $0.value } ?? "DeleteBucket"
        case (.get, _, nil): name = sub.map { $0.key == "uploads" ? "ListMultipartUploads" : "Get" + $0.value } ?? "ListObjects"
        case (.head, _, nil): name = "HeadBucket"
        case (.post, _, nil): name = "DeleteObjects"
        case (.put, _, _): name = query.contains("partNumber") ? "UploadPart" : query.contains("tagging") ? "PutObjectTagging"
            : request.headers[HTTPField.Name("x-amz-copy-source")!] != nil ? "CopyObject" : "PutObject"
        case (.get, _, _): name = query.contains("tagging") ? "GetObjectTagging" : query.contains("uploadId") ? "ListParts" : "GetObject"
        case (.head, _, _): name = "HeadObject"
        case (.delete, _, _): name = query.contains("uploadId") ? "AbortMultipartUpload" : query.contains("tagging") ? "DeleteObjectTagging" : "DeleteObject"
        case (.post, _, _): name = query.contains("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload"
        default: name = request.method.rawValue
        }
        return Call(source: "s3.amazonaws.com", name: name, path: params, wantsBody: false)
    }

    /// Path-style `/bucket/key`.
    struct ObjectAddressSplit {
        var bucket: String?
        var key: String?
        init(_ path: String) {
            let trimmed = path.dropFirst()
            guard !trimmed.isEmpty else { return }
            let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            bucket = String(parts[0])
            if parts.count == 2, !parts[1].isEmpty { key = String(parts[1]).removingPercentEncoding ?? String(parts[1]) }
        }
    }

    /// The Action of a query-protocol form body.
    static func action(in body: Data) -> String? {
        guard let text = String(data: body, encoding: .utf8) else { return nil }
        for pair in text.split(separator: "&") where pair.hasPrefix("Action=") {
            return String(pair.dropFirst("Action=".count))
        }
        return nil
    }

    static func identity(_ caller: Caller?, account: String) -> CallerIdentity {
        guard let caller else {
            return CallerIdentity(type: "Root", principalId: account, arn: "arn:aws:iam::\(account):root", accountId: account,
                                  accessKeyId: nil, userName: nil, roleArn: nil)
        }
        let p = caller.principal
        let type: String = switch p.kind {
        case .root: "Root"
        case .user: "IAMUser"
        case .assumedRole: "AssumedRole"
        case .service: "AWSService"
        case .anonymous: "AWSAccount"
        }
        return CallerIdentity(type: type, principalId: p.userID, arn: p.arn, accountId: p.account, accessKeyId: caller.accessKeyID,
                              userName: p.userName, roleArn: p.roleARN)
    }
}
