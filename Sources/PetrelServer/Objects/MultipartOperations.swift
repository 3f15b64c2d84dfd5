import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelObjects

extension ObjectRoutes {
    func createUpload(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        var template = objectTemplate(bucket, key, c)
        template.checksumAlgorithm = ChecksumAlgorithm(name: c.header("x-amz-checksum-algorithm"))
        template.tags = try headerTags(c)
        let uploadID = try objects.createUpload(template, now: Date())
        var xml = XMLText()
        xml.open("InitiateMultipartUploadResult", namespace: true)
        xml.element("Bucket", bucket)
        xml.element("Key", key)
        xml.element("UploadId", uploadID)
        xml.close("InitiateMultipartUploadResult")
        var headers = HTTPFields()
        if let algorithm = template.checksumAlgorithm {
            headers[HTTPField.Name("x-amz-checksum-algorithm")!] = algorithm.rawValue
            headers[HTTPField.Name("x-amz-checksum-type")!] = "COMPOSITE"
        }
        return S3Reply.xml(xml.document, headers: headers)
    }

    func partNumber(_ c: S3Context) throws -> Int {
        guard let number = try c.query.int("partNumber"), (1...MultipartRules.maximumPartNumber).contains(number) else {
            throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "partNumber",
                                          value: c.query["partNumber"])
        }
        return number
    }

    func uploadPart(_ bucket: String, _ key: String, _ uploadID: String, _ c: S3Context) async throws -> Response {
        let number = try partNumber(c)
        let upload = try objects.upload(bucket, key, uploadID)
        let body = try await receiveBody(c, defaultAlgorithm: upload.template.checksumAlgorithm)
        let part = PartRecord(number: number, size: body.blob.size, etag: body.etag, checksum: body.checksum,
                              lastModified: Date(), blobID: body.blob.id)
        do { try objects.putPart(uploadID, part) } catch {
            try? objects.discardBlob(body.blob.id)
            throw error
        }
        var headers: HTTPFields = [.eTag: "\"\(body.etag)\"", .contentLength: "0"]
        if let algorithm = body.checksumAlgorithm, let value = body.checksum { headers[HTTPField.Name(algorithm.headerName)!] = value }
        return Response(status: .ok, headers: headers)
    }

    func uploadPartCopy(_ bucket: String, _ key: String, _ uploadID: String, _ c: S3Context) async throws -> Response {
        let number = try partNumber(c)
        let upload = try objects.upload(bucket, key, uploadID)
        let (sourceBucket, sourceKey, sourceVersion) = try copySource(c)
        let source = try objects.object(sourceBucket, sourceKey, versionID: sourceVersion)
        try copySourceConditions(c, source)
        var first: Int64 = 0
        var last = source.size - 1
        if let rangeHeader = c.header("x-amz-copy-source-range") {
            // S3 wants the whole range inside the object: bytes=first-last.
            let bounds = rangeHeader.hasPrefix("bytes=") ? rangeHeader.dropFirst("bytes=".count).split(separator: "-").compactMap { Int64($0) } : []
            guard bounds.count == 2, bounds[0] <= bounds[1], bounds[1] < source.size else {
                throw S3Error.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                                              name: "x-amz-copy-source-range", value: rangeHeader)
            }
            (first, last) = (bounds[0], bounds[1])
        }
        var digests = BodyDigests(checksum: upload.template.checksumAlgorithm)
        let writer = objects.blobWriter()
        do {
            var offset = first
            while offset <= last {
                guard case let (start, data)? = try objects.chunk(blob: source.blobID, containing: offset) else { throw S3Error.internalError() }
                let from = Int(offset - start)
                let to = Int(min(last - start + 1, Int64(data.count)))
                let slice = Array(data[data.startIndex + from ..< data.startIndex + to])
                slice.withUnsafeBytes { digests.update($0) }
                try writer.append(slice)
                offset = start + Int64(to)
            }
            let blob = try writer.finish()
            let etag = digests.etag()
            let modified = Date()
            let checksum = digests.checksum?.finalize()
            try objects.putPart(uploadID, PartRecord(number: number, size: blob.size, etag: etag, checksum: checksum, lastModified: modified, blobID: blob.id))
            var xml = XMLText()
            xml.open("CopyPartResult", namespace: true)
            xml.element("ETag", "\"\(etag)\"")
            xml.element("LastModified", HTTPDate.iso8601(modified))
            if let algorithm = upload.template.checksumAlgorithm, let checksum { xml.element(algorithm.xmlName, checksum) }
            xml.close("CopyPartResult")
            return S3Reply.xml(xml.document)
        } catch {
            writer.discard()
            throw error
        }
    }

    func completeUpload(_ bucket: String, _ key: String, _ uploadID: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c), body.name == "CompleteMultipartUpload" else { throw S3Error.malformedXML() }
        var requested: [MultipartRules.RequestedPart] = []
        for part in body.all("Part") {
            guard let number = part.value("PartNumber").flatMap(Int.init), let etag = part.value("ETag") else { throw S3Error.malformedXML() }
            requested.append(.init(number: number, etag: etag))
        }
        let condition = try writeCondition(c)
        let record = try objects.completeUpload(bucket, key, uploadID, requested: requested, condition: condition, now: Date(),
                                                finish: { (upload: UploadRecord, parts: [PartRecord]) throws(S3Error) -> ObjectRecord in
            var record = upload.template
            record.lastModified = Date()
            guard let etag = ETag.multipart(parts.map(\.etag)) else { throw S3Error.internalError() }
            record.etag = etag
            record.partsCount = parts.count
            let checksums = parts.compactMap(\.checksum)
            if let algorithm = upload.template.checksumAlgorithm, checksums.count == parts.count {
                record.checksum = Checksummer.composite(algorithm, partChecksums: checksums)
                record.partChecksums = checksums
            } else {
                record.checksumAlgorithm = nil
            }
            return record
        }, events: { bucketRecord, record in
            notifications(bucketRecord, "s3:ObjectCreated:CompleteMultipartUpload", record, c)
        })
        var xml = XMLText()
        xml.open("CompleteMultipartUploadResult", namespace: true)
        xml.element("Location", "/\(bucket)/\(URLEncoding.encode(key))")
        xml.element("Bucket", bucket)
        xml.element("Key", key)
        xml.element("ETag", record.quotedETag)
        if let algorithm = record.checksumAlgorithm, let value = record.checksum {
            xml.element(algorithm.xmlName, value)
            xml.element("ChecksumType", "COMPOSITE")
        }
        xml.close("CompleteMultipartUploadResult")
        var headers: HTTPFields = [:]
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        return S3Reply.xml(xml.document, headers: headers)
    }

    func listParts(_ bucket: String, _ key: String, _ uploadID: String, _ c: S3Context) throws -> Response {
        let upload = try objects.upload(bucket, key, uploadID)
        let marker = try c.query.int("part-number-marker") ?? 0
        let maxParts = min(try c.query.int("max-parts") ?? 1000, 1000)
        let all = try objects.parts(uploadID).filter { $0.number > marker }
        let page = Array(all.prefix(maxParts))
        var xml = XMLText()
        xml.open("ListPartsResult", namespace: true)
        xml.element("Bucket", bucket)
        xml.element("Key", key)
        xml.element("UploadId", uploadID)
        xml.element("PartNumberMarker", marker)
        if let last = page.last { xml.element("NextPartNumberMarker", last.number) }
        xml.element("MaxParts", maxParts)
        xml.element("IsTruncated", all.count > page.count)
        owner(&xml, "Initiator")
        owner(&xml, "Owner")
        xml.element("StorageClass", upload.template.storageClass)
        if let algorithm = upload.template.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm.rawValue) }
        for part in page {
            xml.open("Part")
            xml.element("PartNumber", part.number)
            xml.element("LastModified", HTTPDate.iso8601(part.lastModified))
            xml.element("ETag", "\"\(part.etag)\"")
            xml.element("Size", part.size)
            if let algorithm = upload.template.checksumAlgorithm, let value = part.checksum { xml.element(algorithm.xmlName, value) }
            xml.close("Part")
        }
        xml.close("ListPartsResult")
        return S3Reply.xml(xml.document)
    }

    func listUploads(_ bucket: String, _ c: S3Context) throws -> Response {
        let prefix = c.query["prefix"] ?? ""
        let maxUploads = min(try c.query.int("max-uploads") ?? 1000, 1000)
        var all = try objects.uploads(bucket, prefix: prefix)
        if let keyMarker = c.query["key-marker"], !keyMarker.isEmpty {
            let idMarker = c.query["upload-id-marker"] ?? ""
            all = all.filter { $0.key > keyMarker || ($0.key == keyMarker && !idMarker.isEmpty && $0.uploadID > idMarker) }
        }
        let page = Array(all.prefix(maxUploads))
        var xml = XMLText()
        xml.open("ListMultipartUploadsResult", namespace: true)
        xml.element("Bucket", bucket)
        xml.element("KeyMarker", c.query["key-marker"] ?? "")
        xml.element("UploadIdMarker", c.query["upload-id-marker"] ?? "")
        if all.count > page.count, let last = page.last {
            xml.element("NextKeyMarker", last.key)
            xml.element("NextUploadIdMarker", last.uploadID)
        }
        xml.element("Prefix", prefix)
        xml.element("MaxUploads", maxUploads)
        xml.element("IsTruncated", all.count > page.count)
        for upload in page {
            xml.open("Upload")
            xml.element("Key", upload.key)
            xml.element("UploadId", upload.uploadID)
            owner(&xml, "Initiator")
            owner(&xml, "Owner")
            xml.element("StorageClass", upload.template.storageClass)
            xml.element("Initiated", HTTPDate.iso8601(upload.initiated))
            if let algorithm = upload.template.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm.rawValue) }
            xml.close("Upload")
        }
        xml.close("ListMultipartUploadsResult")
        return S3Reply.xml(xml.document)
    }

    func owner(_ xml: inout XMLText, _ element: String) {
        xml.open(element)
        xml.element("ID", ownerID)
        xml.element("DisplayName", S3Owner.displayName)
        xml.close(element)
    }
}
