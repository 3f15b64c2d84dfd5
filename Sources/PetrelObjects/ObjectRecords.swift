import Foundation

/// A bucket as stored.
public struct BucketRecord: Sendable, Equatable {
    public var name: String
    public var region: String
    public var created: Date
    public var notification: NotificationConfiguration
    public var tags = TagSet()
    public var lifecycle: LifecycleConfiguration?
    public var cors: CORSConfiguration?
    /// `Enabled` or `Suspended`; nil while versioning was never configured (an unversioned bucket).
    public var versioning: String?
}

/// The metadata of a stored object (its bytes are a blob of chunks).
public struct ObjectRecord: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var size: Int64
    /// Without quotes.
    public var etag: String
    public var lastModified: Date
    public var contentType: String
    /// Content-Encoding, Content-Disposition, Content-Language, Cache-Control, Expires,
    /// x-amz-server-side-encryption, x-amz-website-redirect-location: lowercased names.
    public var headers: [String: String]
    /// `x-amz-meta-*` without the prefix, names lowercased.
    public var metadata: [String: String]
    public var checksumAlgorithm: ChecksumAlgorithm?
    public var checksum: String?
    public var partsCount: Int?
    public var storageClass: String
    public var blobID: String
    public var tags: TagSet
    /// The sizes of a multipart object's parts, in order (GET with `partNumber`).
    public var partSizes: [Int64]?
    /// The additional checksums of a multipart object's parts, in order, when every part had one
    /// (GetObjectAttributes' `ObjectParts`).
    public var partChecksums: [String]?
    /// The version's id: `null` for the null version; nil in an unversioned bucket (no
    /// `x-amz-version-id` header is sent there).
    public var versionID: String?
    /// A delete marker (a version without bytes that hides the key).
    public var isDeleteMarker = false

    public init(bucket: String, key: String, size: Int64, etag: String, lastModified: Date, contentType: String,
                headers: [String: String] = [:], metadata: [String: String] = [:], checksumAlgorithm: ChecksumAlgorithm? = nil,
                checksum: String? = nil, partsCount: Int? = nil, storageClass: String = "STANDARD", blobID: String,
                tags: TagSet = TagSet(), partSizes: [Int64]? = nil, partChecksums: [String]? = nil, versionID: String? = nil) {
        self.tags = tags
        self.partChecksums = partChecksums
        self.versionID = versionID
        self.partSizes = partSizes
        self.bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.headers = headers
        self.metadata = metadata
        self.checksumAlgorithm = checksumAlgorithm
        self.checksum = checksum
        self.partsCount = partsCount
        self.storageClass = storageClass
        self.blobID = blobID
    }

    /// The version id as stored (the null version is `null`).
    public var storedVersionID: String { versionID ?? "null" }

    /// The ETag header's value (quoted).
    public var quotedETag: String { "\"\(etag)\"" }
}

/// A multipart upload in progress.
public struct UploadRecord: Sendable, Equatable {
    public var uploadID: String
    public var bucket: String
    public var key: String
    public var initiated: Date
    /// The object's settings from CreateMultipartUpload (blobID, size, etag unused).
    public var template: ObjectRecord
}

/// A part of a multipart upload.
public struct PartRecord: Sendable, Equatable {
    public var number: Int
    public var size: Int64
    public var etag: String
    public var checksum: String?
    public var lastModified: Date
    public var blobID: String

    public init(number: Int, size: Int64, etag: String, checksum: String? = nil, lastModified: Date, blobID: String) {
        self.number = number
        self.size = size
        self.etag = etag
        self.checksum = checksum
        self.lastModified = lastModified
        self.blobID = blobID
    }
}

/// A blob whose chunks are written: its id and length.
public struct WrittenBlob: Sendable, Equatable {
    public var id: String
    public var size: Int64
}

/// What a write must find before it commits (conditional writes).
public struct WriteCondition: Sendable, Equatable {
    /// `If-None-Match: *`: no object may exist at the key.
    public var mustNotExist = false
    /// `If-Match`: the current object must have this ETag.
    public var ifMatch: String?
    public init(mustNotExist: Bool = false, ifMatch: String? = nil) {
        self.mustNotExist = mustNotExist
        self.ifMatch = ifMatch
    }

    /// Checks the object currently at the key.
    public func check(current: ObjectRecord?, key: String) throws(S3Error) {
        if mustNotExist, current != nil { throw S3Error.preconditionFailed("If-None-Match") }
        if let ifMatch {
            guard let current else { throw S3Error.noSuchKey(key) }
            if !Conditions.matches(ifMatch, etag: current.etag) { throw S3Error.preconditionFailed("If-Match") }
        }
    }
}

/// An asynchronous invocation to queue with a write, in the same transaction.
public struct QueuedInvocation: Sendable, Equatable {
    public var functionName: String
    public var qualifier: String?
    public var region: String
    public var payload: Data
}

extension ObjectRecord {
    /// The inclusive byte range of part `number` (1-based), or nil when there is no such part.
    /// An object not uploaded in parts has one part: itself.
    public func partRange(_ number: Int) -> (first: Int64, last: Int64)? {
        let sizes = partSizes ?? [size]
        guard number >= 1, number <= sizes.count else { return nil }
        let first = sizes[..<(number - 1)].reduce(0, +)
        return (first, first + sizes[number - 1] - 1)
    }
}
