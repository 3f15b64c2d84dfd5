import Foundation

/// An S3 error: AWS's code, HTTP status and message, plus the extra elements S3 puts beside
/// them in its `<Error>` document (`BucketName`, `Key`, `Condition`, …).
public struct S3Error: Error, Sendable, Equatable {
    public var code: String
    public var status: Int
    public var message: String
    public var fields: [(String, String)]
    /// What went wrong inside Petrel (logged, never sent).
    public var detail: String?
    /// Response headers S3 sends with this error (`x-amz-delete-marker`, `x-amz-version-id`).
    public var headers: [(String, String)] = []

    public init(_ code: String, status: Int, _ message: String, fields: [(String, String)] = []) {
        self.code = code
        self.status = status
        self.message = message
        self.fields = fields
    }

    public static func == (a: S3Error, b: S3Error) -> Bool {
        a.code == b.code && a.status == b.status && a.message == b.message
            && a.fields.map { $0.0 + "=" + $0.1 } == b.fields.map { $0.0 + "=" + $0.1 }
    }

    /// The `<Error>` document S3 sends.
    public func xml(requestID: String) -> String {
        var xml = XMLText()
        xml.open("Error")
        xml.element("Code", code)
        xml.element("Message", message)
        for (name, value) in fields { xml.element(name, value) }
        xml.element("RequestId", requestID)
        xml.element("HostId", requestID)
        xml.close("Error")
        return xml.document
    }

    // MARK: The errors S3 names in its documentation, with its wording

    public static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error("NoSuchBucket", status: 404, "The specified bucket does not exist", fields: [("BucketName", bucket)])
    }
    public static func noSuchKey(_ key: String) -> S3Error {
        S3Error("NoSuchKey", status: 404, "The specified key does not exist.", fields: [("Key", key)])
    }
    public static func noSuchVersion(_ key: String, _ versionID: String) -> S3Error {
        S3Error("NoSuchVersion", status: 404, "The specified version does not exist.", fields: [("Key", key), ("VersionId", versionID)])
    }
    public static func noSuchUpload(_ uploadID: String) -> S3Error {
        S3Error("NoSuchUpload", status: 404,
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
                fields: [("UploadId", uploadID)])
    }
    public static func bucketAlreadyOwnedByYou(_ bucket: String) -> S3Error {
        S3Error("BucketAlreadyOwnedByYou", status: 409,
                "Your previous request to create the named bucket succeeded and you already own it.", fields: [("BucketName", bucket)])
    }
    /// CreateBucket whose LocationConstraint (nil: none) the signing region cannot create in.
    public static func illegalLocationConstraint(_ constraint: String?) -> S3Error {
        S3Error("IllegalLocationConstraintException", status: 400,
                "The \(constraint ?? "unspecified") location constraint is incompatible for the region specific endpoint this request was sent to.")
    }
    /// CreateBucket naming us-east-1 as its LocationConstraint (that region takes none).
    public static func invalidLocationConstraint() -> S3Error {
        S3Error("InvalidLocationConstraint", status: 400, "The specified location-constraint is not valid")
    }
    public static func bucketNotEmpty(_ bucket: String) -> S3Error {
        S3Error("BucketNotEmpty", status: 409, "The bucket you tried to delete is not empty", fields: [("BucketName", bucket)])
    }
    public static func invalidBucketName(_ bucket: String) -> S3Error {
        S3Error("InvalidBucketName", status: 400, "The specified bucket is not valid.", fields: [("BucketName", bucket)])
    }
    public static func preconditionFailed(_ condition: String) -> S3Error {
        S3Error("PreconditionFailed", status: 412, "At least one of the pre-conditions you specified did not hold",
                fields: [("Condition", condition)])
    }
    public static func invalidRange(_ range: String, size: Int64) -> S3Error {
        S3Error("InvalidRange", status: 416, "The requested range is not satisfiable",
                fields: [("RangeRequested", range), ("ActualObjectSize", String(size))])
    }
    public static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil) -> S3Error {
        var fields: [(String, String)] = []
        if let name { fields.append(("ArgumentName", name)) }
        if let value { fields.append(("ArgumentValue", value)) }
        return S3Error("InvalidArgument", status: 400, message, fields: fields)
    }
    public static func badDigest(_ message: String) -> S3Error {
        S3Error("BadDigest", status: 400, message)
    }
    public static func invalidDigest() -> S3Error {
        S3Error("InvalidDigest", status: 400, "The Content-MD5 you specified was invalid.")
    }
    public static func malformedXML() -> S3Error {
        S3Error("MalformedXML", status: 400,
                "The XML you provided was not well-formed or did not validate against our published schema")
    }
    public static func entityTooSmall() -> S3Error {
        S3Error("EntityTooSmall", status: 400, "Your proposed upload is smaller than the minimum allowed object size.")
    }
    public static func invalidPart(_ number: Int) -> S3Error {
        S3Error("InvalidPart", status: 400,
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                fields: [("PartNumber", String(number))])
    }
    public static func invalidPartOrder() -> S3Error {
        S3Error("InvalidPartOrder", status: 400,
                "The list of parts was not in ascending order. Parts must be ordered by part number.")
    }
    public static func notImplemented(_ what: String) -> S3Error {
        S3Error("NotImplemented", status: 501, "A header or query you provided implies functionality that is not implemented: \(what)")
    }
    public static func methodNotAllowed(_ method: String) -> S3Error {
        S3Error("MethodNotAllowed", status: 405, "The specified method is not allowed against this resource.",
                fields: [("Method", method)])
    }
    public static func internalError() -> S3Error {
        S3Error("InternalError", status: 500, "We encountered an internal error. Please try again.")
    }
}

/// The owner S3 shows for everything in an account.
public enum S3Owner {
    /// A 64-hex-digit canonical user id derived from the account id.
    public static func canonicalID(account: String) -> String {
        var hasher = Checksummer(.sha256)
        hasher.update(Array("petrel-canonical-user:\(account)".utf8))
        return ETag.hex(hasher.rawDigest())
    }
    public static let displayName = "petrel"
}
