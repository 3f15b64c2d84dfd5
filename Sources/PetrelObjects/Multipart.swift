/// The rules CompleteMultipartUpload checks, as S3 words them.
public enum MultipartRules {
    /// Every part but the last must be at least 5 MiB.
    public static let minimumPartSize: Int64 = 5 * 1024 * 1024
    public static let maximumPartNumber = 10_000

    public struct StoredPart: Sendable, Equatable {
        public var number: Int
        public var etag: String
        public var size: Int64
        public var checksum: String?
        public init(number: Int, etag: String, size: Int64, checksum: String? = nil) {
            self.number = number
            self.etag = etag
            self.size = size
            self.checksum = checksum
        }
    }

    public struct RequestedPart: Sendable, Equatable {
        public var number: Int
        public var etag: String
        public init(number: Int, etag: String) {
            self.number = number
            self.etag = etag
        }
    }

    /// The stored parts that make the object, in order, or the error S3 answers.
    public static func assemble(requested: [RequestedPart], stored: [Int: StoredPart]) throws(S3Error) -> [StoredPart] {
        guard !requested.isEmpty else {
            throw S3Error("MalformedXML", status: 400,
                          "The XML you provided was not well-formed or did not validate against our published schema")
        }
        var previous = 0
        var parts: [StoredPart] = []
        for part in requested {
            guard part.number > previous else { throw S3Error.invalidPartOrder() }
            previous = part.number
            guard let found = stored[part.number], Conditions.unquote(found.etag) == Conditions.unquote(part.etag) else {
                throw S3Error.invalidPart(part.number)
            }
            parts.append(found)
        }
        for part in parts.dropLast() where part.size < minimumPartSize {
            throw S3Error("EntityTooSmall", status: 400, "Your proposed upload is smaller than the minimum allowed object size.",
                          fields: [("ProposedSize", String(part.size)), ("MinSizeAllowed", String(minimumPartSize)),
                                   ("PartNumber", String(part.number)), ("ETag", Conditions.unquote(part.etag))])
        }
        return parts
    }
}

/// The MD5 (for the ETag and Content-MD5) and the additional checksum of a body, computed as it streams.
public struct BodyDigests: Sendable {
    private var md5 = MD5Hasher()
    public private(set) var checksum: Checksummer?
    public private(set) var size: Int64 = 0

    public init(checksum: ChecksumAlgorithm?) {
        self.checksum = checksum.map(Checksummer.init)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        md5.update(bytes)
        checksum?.update(bytes)
        size += Int64(bytes.count)
    }

    public func md5Raw() -> [UInt8] { md5.finalize() }
    public func etag() -> String { ETag.hex(md5Raw()) }
}
