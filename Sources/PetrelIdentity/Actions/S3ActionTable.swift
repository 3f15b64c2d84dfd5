/// One S3 request in the terms the action table needs: the method, the bucket and key it
/// addresses, its query (subresources such as `?tagging`, and parameters), and the few headers
/// that change the action (`x-amz-copy-source`, `x-amz-acl`).
public struct S3Call: Sendable {
    public var method: String
    public var bucket: String?
    public var key: String?
    public var query: [String: String]
    /// `x-amz-copy-source` as sent (percent-encoded): `bucket/key` or `/bucket/key?versionId=…`.
    public var copySource: String?
    /// `x-amz-acl`: a canned ACL.
    public var cannedACL: String?
    /// DeleteObjects: the keys (and version ids) the body names.
    public var deletes: [(key: String, versionID: String?)]

    public init(method: String, bucket: String?, key: String?, query: [String: String], copySource: String? = nil,
                cannedACL: String? = nil, deletes: [(key: String, versionID: String?)] = []) {
        self.method = method.uppercased()
        self.bucket = bucket
        self.key = key
        self.query = query
        self.copySource = copySource
        self.cannedACL = cannedACL
        self.deletes = deletes
    }

    func has(_ name: String) -> Bool { query[name] != nil }
}

/// The IAM action and resource of every S3 operation Petrel serves, after AWS's Service
/// Authorization Reference (Actions, resources, and condition keys for Amazon S3): a bucket is
/// `arn:aws:s3:::bucket`, an object `arn:aws:s3:::bucket/key`; reading or deleting a given
/// version is its own action (`s3:GetObjectVersion`); subresources of a bucket map to the
/// `Put…`/`Get…` action of their configuration (deleting one is its `Put…`, as on AWS, except
/// the policy, which has `s3:DeleteBucketPolicy`). Pure.
public enum S3ActionTable {
    public static func bucketARN(_ bucket: String) -> String { "arn:aws:s3:::\(bucket)" }
    public static func objectARN(_ bucket: String, _ key: String) -> String { "arn:aws:s3:::\(bucket)/\(key)" }

    /// The checks a request needs (empty for a CORS preflight, which AWS answers unsigned).
    public static func targets(for call: S3Call) -> [AuthorizationTarget] {
        guard let bucket = call.bucket else {
            return [AuthorizationTarget("s3:ListAllMyBuckets", "*")]
        }
        if call.method == "OPTIONS" { return [] }
        if let key = call.key { return objectTargets(call, bucket: bucket, key: key) }
        let arn = bucketARN(bucket)
        func on(_ action: String, _ context: [String: [String]] = [:]) -> [AuthorizationTarget] {
            [AuthorizationTarget(action, arn, context: context)]
        }
        switch call.method {
        case "PUT":
            for (sub, action) in bucketPuts where call.has(sub) { return on(action) }
            return on("s3:CreateBucket", call.cannedACL.map { ["s3:x-amz-acl": [$0]] } ?? [:])
        case "DELETE":
            if call.has("policy") { return on("s3:DeleteBucketPolicy") }
            for (sub, action) in bucketPuts where call.has(sub) { return on(action) }
            return on("s3:DeleteBucket")
        case "HEAD":
            return on("s3:ListBucket")
        case "GET":
            for (sub, action) in bucketGets where call.has(sub) {
                if sub == "versions" { return on(action, listingContext(call)) }
                return on(action)
            }
            return on("s3:ListBucket", listingContext(call))
        case "POST":
            if call.has("delete") {
                return call.deletes.map { item in
                    AuthorizationTarget(item.versionID == nil ? "s3:DeleteObject" : "s3:DeleteObjectVersion", objectARN(bucket, item.key),
                                        context: item.versionID.map { ["s3:versionid": [$0]] } ?? [:])
                }
            }
            return on("s3:PutObject")
        default:
            return on("s3:ListBucket")
        }
    }

    /// Bucket subresources whose PUT (and DELETE) is one action.
    static let bucketPuts: [(String, String)] = [
        ("notification", "s3:PutBucketNotification"), ("tagging", "s3:PutBucketTagging"),
        ("lifecycle", "s3:PutLifecycleConfiguration"), ("cors", "s3:PutBucketCORS"), ("versioning", "s3:PutBucketVersioning"),
        ("policy", "s3:PutBucketPolicy"), ("acl", "s3:PutBucketAcl"), ("ownershipControls", "s3:PutBucketOwnershipControls"),
        ("publicAccessBlock", "s3:PutBucketPublicAccessBlock"), ("encryption", "s3:PutEncryptionConfiguration"),
        ("website", "s3:PutBucketWebsite"), ("logging", "s3:PutBucketLogging"), ("replication", "s3:PutReplicationConfiguration"),
        ("object-lock", "s3:PutBucketObjectLockConfiguration"), ("accelerate", "s3:PutAccelerateConfiguration"),
        ("requestPayment", "s3:PutBucketRequestPayment"),
    ]

    static let bucketGets: [(String, String)] = [
        ("location", "s3:GetBucketLocation"), ("notification", "s3:GetBucketNotification"),
        ("uploads", "s3:ListBucketMultipartUploads"), ("tagging", "s3:GetBucketTagging"), ("versioning", "s3:GetBucketVersioning"),
        ("versions", "s3:ListBucketVersions"), ("lifecycle", "s3:GetLifecycleConfiguration"), ("cors", "s3:GetBucketCORS"),
        ("policyStatus", "s3:GetBucketPolicyStatus"), ("policy", "s3:GetBucketPolicy"), ("acl", "s3:GetBucketAcl"),
        ("ownershipControls", "s3:GetBucketOwnershipControls"), ("publicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        ("encryption", "s3:GetEncryptionConfiguration"), ("website", "s3:GetBucketWebsite"), ("logging", "s3:GetBucketLogging"),
        ("replication", "s3:GetReplicationConfiguration"), ("object-lock", "s3:GetBucketObjectLockConfiguration"),
        ("accelerate", "s3:GetAccelerateConfiguration"), ("requestPayment", "s3:GetBucketRequestPayment"),
    ]

    /// `s3:prefix`, `s3:delimiter` and `s3:max-keys` of a listing, as sent.
    static func listingContext(_ call: S3Call) -> [String: [String]] {
        var context: [String: [String]] = [:]
        if let prefix = call.query["prefix"] { context["s3:prefix"] = [prefix] }
        if let delimiter = call.query["delimiter"] { context["s3:delimiter"] = [delimiter] }
        if let maxKeys = call.query["max-keys"] { context["s3:max-keys"] = [maxKeys] }
        return context
    }

    static func objectTargets(_ call: S3Call, bucket: String, key: String) -> [AuthorizationTarget] {
        let arn = objectARN(bucket, key)
        let version = call.query["versionId"]
        var context: [String: [String]] = [:]
        if let version { context["s3:versionid"] = [version] }
        func on(_ action: String, versioned: String? = nil) -> [AuthorizationTarget] {
            [AuthorizationTarget(version != nil ? (versioned ?? action) : action, arn, context: context)]
        }
        switch call.method {
        case "PUT":
            if call.has("uploadId") {
                guard let source = call.copySource else { return on("s3:PutObject") }
                return on("s3:PutObject") + sourceTargets(source)
            }
            if call.has("tagging") { return on("s3:PutObjectTagging", versioned: "s3:PutObjectVersionTagging") }
            if call.has("acl") { return on("s3:PutObjectAcl", versioned: "s3:PutObjectVersionAcl") }
            if call.has("retention") { return on("s3:PutObjectRetention") }
            if call.has("legal-hold") { return on("s3:PutObjectLegalHold") }
            if let cannedACL = call.cannedACL { context["s3:x-amz-acl"] = [cannedACL] }
            let put = [AuthorizationTarget("s3:PutObject", arn, context: context)]
            guard let source = call.copySource else { return put }
            return put + sourceTargets(source)
        case "GET", "HEAD":
            if call.method == "GET" {
                if call.has("uploadId") { return on("s3:ListMultipartUploadParts") }
                if call.has("tagging") { return on("s3:GetObjectTagging", versioned: "s3:GetObjectVersionTagging") }
                if call.has("acl") { return on("s3:GetObjectAcl", versioned: "s3:GetObjectVersionAcl") }
                if call.has("attributes") { return on("s3:GetObjectAttributes", versioned: "s3:GetObjectVersionAttributes") }
                if call.has("retention") { return on("s3:GetObjectRetention") }
                if call.has("legal-hold") { return on("s3:GetObjectLegalHold") }
                if call.has("torrent") { return on("s3:GetObjectTorrent", versioned: "s3:GetObjectVersionTorrent") }
            }
            return on("s3:GetObject", versioned: "s3:GetObjectVersion")
        case "DELETE":
            if call.has("uploadId") { return on("s3:AbortMultipartUpload") }
            if call.has("tagging") { return on("s3:DeleteObjectTagging", versioned: "s3:DeleteObjectVersionTagging") }
            return on("s3:DeleteObject", versioned: "s3:DeleteObjectVersion")
        case "POST":
            if call.has("restore") { return on("s3:RestoreObject") }
            if call.has("select") { return on("s3:GetObject") }
            return on("s3:PutObject")
        default:
            return on("s3:GetObject")
        }
    }

    /// CopyObject and UploadPartCopy also read their source: `s3:GetObject` (or
    /// `s3:GetObjectVersion`) on it.
    static func sourceTargets(_ copySource: String) -> [AuthorizationTarget] {
        var source = Substring(copySource)
        var version: String?
        if let question = source.firstIndex(of: "?") {
            for pair in source[source.index(after: question)...].split(separator: "&") where pair.hasPrefix("versionId=") {
                version = String(pair.dropFirst("versionId=".count))
            }
            source = source[..<question]
        }
        while source.hasPrefix("/") { source = source.dropFirst() }
        guard let slash = source.firstIndex(of: "/") else { return [] }
        let arn = objectARN(SigV4Canonical.percentDecode(source[..<slash]), SigV4Canonical.percentDecode(source[source.index(after: slash)...]))
        if let version { return [AuthorizationTarget("s3:GetObjectVersion", arn, context: ["s3:versionid": [version]])] }
        return [AuthorizationTarget("s3:GetObject", arn)]
    }
}
