import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelCore
import PetrelObjects

extension ObjectRoutes {
    /// Headers S3 stores with an object and returns as sent.
    static let storedHeaders = ["content-encoding", "content-disposition", "content-language", "cache-control", "expires",
                                "x-amz-website-redirect-location", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"]

    /// The settings of a new object from its request: Content-Type, stored headers, `x-amz-meta-*`.
    func objectTemplate(_ bucket: String, _ key: String, _ c: S3Context) -> ObjectRecord {
        var headers: [String: String] = [:]
        var metadata: [String: String] = [:]
        for field in c.request.headers {
            let name = field.name.canonicalName
            if name.hasPrefix("x-amz-meta-") {
                metadata[String(name.dropFirst("x-amz-meta-".count))] = field.value
            } else if Self.storedHeaders.contains(name) {
                if name == "content-encoding" {
                    // aws-chunked describes the transfer, not the object.
                    let rest = field.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "aws-chunked" }
                    if !rest.isEmpty { headers[name] = rest.joined(separator: ",") }
                } else {
                    headers[name] = field.value
                }
            }
        }
        if headers["x-amz-server-side-encryption"] == nil { headers["x-amz-server-side-encryption"] = "AES256" }
        return ObjectRecord(bucket: bucket, key: key, size: 0, etag: "", lastModified: Date(),
                            contentType: c.header("content-type") ?? "binary/octet-stream", headers: headers, metadata: metadata,
                            storageClass: c.header("x-amz-storage-class") ?? "STANDARD", blobID: "")
    }

    func writeCondition(_ c: S3Context) throws -> WriteCondition {
        var condition = WriteCondition()
        if let none = c.header("if-none-match") {
            guard none.trimmingCharacters(in: .whitespaces) == "*" else {
                throw S3Error.notImplemented("If-None-Match with an ETag on a write (only '*' is supported, as in S3)")
            }
            condition.mustNotExist = true
        }
        condition.ifMatch = c.header("if-match")
        return condition
    }

    func putObject(_ bucket: String, _ key: String, _ c: S3Context) async throws -> Response {
        _ = try objects.bucket(bucket)
        if key.utf8.count > 1024 { throw S3Error("KeyTooLongError", status: 400, "Your key is too long") }
        let condition = try writeCondition(c)
        var record = objectTemplate(bucket, key, c)
        record.tags = try headerTags(c)
        let body = try await receiveBody(c)
        record.size = body.blob.size
        record.etag = body.etag
        record.blobID = body.blob.id
        record.checksumAlgorithm = body.checksumAlgorithm
        record.checksum = body.checksum
        record.lastModified = Date()
        do {
            record = try objects.commit(record, condition: condition) { bucketRecord, committed in
                notifications(bucketRecord, "s3:ObjectCreated:Put", committed, c)
            }
        } catch {
            try? objects.discardBlob(body.blob.id)
            throw error
        }
        var headers: HTTPFields = [.eTag: record.quotedETag, .contentLength: "0"]
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        if let algorithm = record.checksumAlgorithm, let value = record.checksum {
            headers[HTTPField.Name(algorithm.headerName)!] = value
        }
        if let sse = record.headers["x-amz-server-side-encryption"] { headers[HTTPField.Name("x-amz-server-side-encryption")!] = sse }
        return Response(status: .ok, headers: headers)
    }

    func getObject(_ bucket: String, _ key: String, _ c: S3Context, head: Bool) throws -> Response {
        let record = try objects.object(bucket, key, versionID: c.query["versionId"])
        let conditions = Conditions(ifMatch: c.header("if-match"), ifNoneMatch: c.header("if-none-match"),
                                    ifModifiedSince: HTTPDate.parse(c.header("if-modified-since")),
                                    ifUnmodifiedSince: HTTPDate.parse(c.header("if-unmodified-since")))
        var headers = objectHeaders(record, c)
        switch conditions.evaluate(etag: record.etag, lastModified: record.lastModified) {
        case .proceed: break
        case .notModified:
            return Response(status: .notModified, headers: [.eTag: record.quotedETag, .lastModified: HTTPDate.format(record.lastModified)])
        case .preconditionFailed(let condition):
            throw S3Error.preconditionFailed(condition)
        }
        var first: Int64 = 0
        var last = record.size - 1
        var status = HTTPResponse.Status.ok
        if let partNumber = try c.query.int("partNumber") {
            guard case let (from, to)? = record.partRange(partNumber) else {
                throw S3Error("InvalidPartNumber", status: 416, "The requested partnumber is not satisfiable",
                              fields: [("PartNumberRequested", String(partNumber)), ("ActualPartCount", String(record.partSizes?.count ?? 1))])
            }
            headers[HTTPField.Name("x-amz-mp-parts-count")!] = String(record.partSizes?.count ?? 1)
            // AWS answers 206 with a Content-Range for part 1 of a single-part object too.
            if record.size > 0 {
                (first, last, status) = (from, to, .partialContent)
                headers[.contentRange] = "bytes \(from)-\(to)/\(record.size)"
            }
        }
        let rangeHeader = c.header("range")
        switch status == .partialContent ? .whole : ByteRange.parse(rangeHeader, size: record.size) {
        case .whole:
            if status == .ok, c.header("x-amz-checksum-mode")?.uppercased() == "ENABLED", let algorithm = record.checksumAlgorithm, let value = record.checksum {
                headers[HTTPField.Name(algorithm.headerName)!] = value
                if record.partsCount != nil || value.contains("-") { headers[HTTPField.Name("x-amz-checksum-type")!] = "COMPOSITE" }
                else { headers[HTTPField.Name("x-amz-checksum-type")!] = "FULL_OBJECT" }
            }
        case .partial(let from, let to):
            (first, last, status) = (from, to, .partialContent)
            headers[.contentRange] = "bytes \(from)-\(to)/\(record.size)"
        case .unsatisfiable:
            throw S3Error.invalidRange(rangeHeader ?? "", size: record.size)
        }
        let length = max(0, last - first + 1)
        headers[.contentLength] = String(length)
        if head { return Response(status: status, headers: headers) }
        let store = objects
        let blob = record.blobID
        let (firstByte, lastByte) = (first, last)
        let body = ResponseBody(contentLength: Int(length)) { writer in
            var offset = firstByte
            while offset <= lastByte {
                guard case let (start, data)? = try store.chunk(blob: blob, containing: offset).flatMap({ $0.0 + Int64($0.1.count) > offset ? $0 : nil }) else {
                    throw S3Error.internalError()
                }
                let from = Int(offset - start)
                let to = Int(min(lastByte - start + 1, Int64(data.count)))
                try await writer.write(ByteBuffer(bytes: data[data.startIndex + from ..< data.startIndex + to]))
                offset = start + Int64(to)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    func objectHeaders(_ record: ObjectRecord, _ c: S3Context) -> HTTPFields {
        var headers: HTTPFields = [
            .eTag: record.quotedETag,
            .lastModified: HTTPDate.format(record.lastModified),
            .contentType: record.contentType,
            .acceptRanges: "bytes",
        ]
        for (name, value) in record.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        for (name, value) in record.metadata.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name("x-amz-meta-" + name) { headers[field] = value }
        }
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        if record.storageClass != "STANDARD" { headers[HTTPField.Name("x-amz-storage-class")!] = record.storageClass }
        if let parts = record.partsCount { headers[HTTPField.Name("x-amz-mp-parts-count")!] = String(parts) }
        if !record.tags.isEmpty { headers[HTTPField.Name("x-amz-tagging-count")!] = String(record.tags.tags.count) }
        let overrides = ["response-content-type": "content-type", "response-content-language": "content-language",
                         "response-expires": "expires", "response-cache-control": "cache-control",
                         "response-content-disposition": "content-disposition", "response-content-encoding": "content-encoding"]
        for (parameter, header) in overrides {
            if let value = c.query[parameter], let field = HTTPField.Name(header) { headers[field] = value }
        }
        return headers
    }

    func deleteObject(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        if let ifMatch = c.header("if-match") {
            let current = try objects.object(bucket, key)
            if !Conditions.matches(ifMatch, etag: current.etag) { throw S3Error.preconditionFailed("If-Match") }
        }
        let outcome = try objects.delete(bucket, key, versionID: c.query["versionId"]) { bucketRecord, deleted, markerCreated in
            notifications(bucketRecord, Self.deleteEventName("s3:ObjectRemoved:Delete", markerCreated: markerCreated), deleted, c)
        }
        return Response(status: .noContent, headers: Self.deleteHeaders(outcome))
    }

    func deleteObjects(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c), body.name == "Delete" else { throw S3Error.malformedXML() }
        let keys = body.all("Object").compactMap { object in object.value("Key").map { ($0, object.value("VersionId")) } }
        guard keys.count <= 1000 else { throw S3Error.malformedXML() }
        let quiet = body.value("Quiet") == "true"
        _ = try objects.bucket(bucket)
        var xml = XMLText()
        xml.open("DeleteResult", namespace: true)
        for (key, versionID) in keys {
            if c.deniedDeletes.contains(Self.deleteEntry(key, versionID)) {
                xml.open("Error")
                xml.element("Key", key)
                if let versionID { xml.element("VersionId", versionID) }
                xml.element("Code", "AccessDenied")
                xml.element("Message", "Access Denied")
                xml.close("Error")
                continue
            }
            do {
                let outcome = try objects.delete(bucket, key, versionID: versionID) { bucketRecord, deleted, markerCreated in
                    notifications(bucketRecord, Self.deleteEventName("s3:ObjectRemoved:Delete", markerCreated: markerCreated), deleted, c)
                }
                if !quiet {
                    xml.open("Deleted")
                    xml.element("Key", key)
                    if let versionID { xml.element("VersionId", versionID) }
                    if outcome.deleteMarker {
                        xml.element("DeleteMarker", true)
                        if versionID == nil, let marker = outcome.versionID { xml.element("DeleteMarkerVersionId", marker) }
                    }
                    xml.close("Deleted")
                }
            } catch {
                xml.open("Error")
                xml.element("Key", key)
                if let versionID { xml.element("VersionId", versionID) }
                xml.element("Code", error.code)
                xml.element("Message", error.message)
                xml.close("Error")
            }
        }
        xml.close("DeleteResult")
        return S3Reply.xml(xml.document)
    }

    /// The `algorithm` checksum of a stored blob's `size` bytes, read a chunk at a time.
    func checksum(ofBlob blob: String, size: Int64, _ algorithm: ChecksumAlgorithm) throws -> String {
        var hasher = Checksummer(algorithm)
        var offset: Int64 = 0
        while offset < size {
            guard case let (start, data)? = try objects.chunk(blob: blob, containing: offset), start + Int64(data.count) > offset else {
                throw S3Error.internalError()
            }
            data[data.startIndex + Int(offset - start) ..< data.endIndex].withUnsafeBytes { hasher.update($0) }
            offset = start + Int64(data.count)
        }
        return hasher.finalize()
    }

    /// `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, maybe `?versionId=`.
    func copySource(_ c: S3Context) throws -> (String, String, String?) {
        var source = c.header("x-amz-copy-source") ?? ""
        var versionID: String?
        if let question = source.firstIndex(of: "?") {
            let query = S3Query(String(source[source.index(after: question)...]))
            versionID = query["versionId"]
            source = String(source[..<question])
        }
        source = ObjectAddress.percentDecode(source)
        if source.hasPrefix("/") { source.removeFirst() }
        guard let slash = source.firstIndex(of: "/"), source.index(after: slash) < source.endIndex else {
            throw S3Error.invalidArgument("Invalid copy source object key", name: "x-amz-copy-source", value: c.header("x-amz-copy-source"))
        }
        return (String(source[..<slash]), String(source[source.index(after: slash)...]), versionID)
    }

    func copySourceConditions(_ c: S3Context, _ source: ObjectRecord) throws {
        let conditions = Conditions(ifMatch: c.header("x-amz-copy-source-if-match"), ifNoneMatch: c.header("x-amz-copy-source-if-none-match"),
                                    ifModifiedSince: HTTPDate.parse(c.header("x-amz-copy-source-if-modified-since")),
                                    ifUnmodifiedSince: HTTPDate.parse(c.header("x-amz-copy-source-if-unmodified-since")))
        switch conditions.evaluate(etag: source.etag, lastModified: source.lastModified) {
        case .proceed: return
        case .notModified: throw S3Error.preconditionFailed("x-amz-copy-source-If-None-Match")
        case .preconditionFailed(let header): throw S3Error.preconditionFailed("x-amz-copy-source-\(header)")
        }
    }

    func copyObject(_ bucket: String, _ key: String, _ c: S3Context) async throws -> Response {
        let (sourceBucket, sourceKey, sourceVersion) = try copySource(c)
        _ = try objects.bucket(bucket)
        let source = try objects.object(sourceBucket, sourceKey, versionID: sourceVersion)
        try copySourceConditions(c, source)
        let directive = c.header("x-amz-metadata-directive")?.uppercased() ?? "COPY"
        guard directive == "COPY" || directive == "REPLACE" else {
            throw S3Error.invalidArgument("Unknown metadata directive.", name: "MetadataDirective", value: directive)
        }
        var record = source
        if directive == "REPLACE" {
            let template = objectTemplate(bucket, key, c)
            record.contentType = template.contentType
            record.headers = template.headers
            record.metadata = template.metadata
        }
        if let storageClass = c.header("x-amz-storage-class") { record.storageClass = storageClass }
        // S3 never copies the website redirect: it is the copy request's (with either directive).
        record.headers["x-amz-website-redirect-location"] = c.header("x-amz-website-redirect-location")
        switch c.header("x-amz-tagging-directive")?.uppercased() ?? "COPY" {
        case "COPY": break
        case "REPLACE": record.tags = try headerTags(c)
        case let other: throw S3Error.invalidArgument("Unknown tagging directive.", name: "x-amz-tagging-directive", value: other)
        }
        if sourceBucket == bucket, sourceKey == key, sourceVersion == nil, directive == "COPY", c.header("x-amz-storage-class") == nil,
           c.header("x-amz-website-redirect-location") == nil, c.header("x-amz-checksum-algorithm") == nil {
            throw S3Error("InvalidRequest", status: 400,
                          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
        }
        let condition = try writeCondition(c)
        record.bucket = bucket
        record.key = key
        record.lastModified = Date()
        // `x-amz-checksum-algorithm` on a copy: the new object gets that checksum of its bytes.
        if let algorithm = ChecksumAlgorithm(name: c.header("x-amz-checksum-algorithm")),
           algorithm != source.checksumAlgorithm || source.checksum?.contains("-") == true {
            record.checksumAlgorithm = algorithm
            record.checksum = try checksum(ofBlob: source.blobID, size: source.size, algorithm)
            record.partChecksums = nil
        }
        record.blobID = try objects.copyBlob(source.blobID)
        do {
            record = try objects.commit(record, condition: condition) { bucketRecord, committed in
                notifications(bucketRecord, "s3:ObjectCreated:Copy", committed, c)
            }
        } catch {
            try? objects.discardBlob(record.blobID)
            throw error
        }
        var headers: HTTPFields = [:]
        if let version = source.versionID { headers[HTTPField.Name("x-amz-copy-source-version-id")!] = version }
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        var xml = XMLText()
        xml.open("CopyObjectResult", namespace: true)
        xml.element("LastModified", HTTPDate.iso8601(record.lastModified))
        xml.element("ETag", record.quotedETag)
        if let algorithm = record.checksumAlgorithm, let value = record.checksum, !value.contains("-") {
            xml.element(algorithm.xmlName, value)
        }
        xml.close("CopyObjectResult")
        return S3Reply.xml(xml.document, headers: headers)
    }
}
