import Foundation
import HTTPTypes
import Hummingbird
import PetrelCore
import PetrelObjects

extension ObjectRoutes {
    static let maxXMLBody = 2 * 1024 * 1024

    func xmlBody(_ c: S3Context) async throws -> XMLNode? {
        let buffer = try await c.request.readBody(upTo: Self.maxXMLBody)
        guard buffer.readableBytes > 0 else { return nil }
        guard let node = XMLNode.parse(Data(buffer: buffer)) else { throw S3Error.malformedXML() }
        return node
    }

    func createBucket(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard BucketName.isValid(bucket) else { throw S3Error.invalidBucketName(bucket) }
        var constraint: String?
        if let body = try await xmlBody(c) {
            guard body.name == "CreateBucketConfiguration" else { throw S3Error.malformedXML() }
            constraint = body.value("LocationConstraint")
        }
        let region = try BucketLocation.region(constraint: constraint, requestRegion: c.region)
        // us-east-1 (S3's legacy region) answers 200 to re-creating a bucket you own there.
        let existing = region == "us-east-1" ? try? objects.bucket(bucket) : nil
        if existing?.region != "us-east-1" { try objects.createBucket(bucket, region: region, now: Date()) }
        return Response(status: .ok, headers: [.location: "/\(bucket)", .contentLength: "0"])
    }

    func headBucket(_ bucket: String) throws -> Response {
        let record = try objects.bucket(bucket)
        // S3 labels HeadBucket's empty answer application/xml.
        return Response(status: .ok, headers: [HTTPField.Name("x-amz-bucket-region")!: record.region, .contentType: "application/xml",
                                               .contentLength: "0"])
    }

    func deleteBucket(_ bucket: String) throws -> Response {
        try objects.deleteBucket(bucket)
        return Response(status: .noContent)
    }

    func bucketLocation(_ bucket: String) throws -> Response {
        let record = try objects.bucket(bucket)
        var xml = XMLText()
        xml.raw("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
        if record.region != "us-east-1" { xml.raw(XMLText.escape(record.region)) }
        xml.close("LocationConstraint")
        return S3Reply.xml(xml.document)
    }

    func listBuckets(_ c: S3Context) throws -> Response {
        var all = try objects.buckets()
        if let prefix = c.query["prefix"] { all = all.filter { $0.name.hasPrefix(prefix) } }
        if let region = c.query["bucket-region"] { all = all.filter { $0.region == region } }
        if let token = c.query["continuation-token"] { all = all.filter { $0.name > token } }
        let limit = try c.query.int("max-buckets") ?? 10_000
        let page = Array(all.prefix(limit))
        var xml = XMLText()
        xml.open("ListAllMyBucketsResult", namespace: true)
        xml.open("Owner")
        xml.element("ID", ownerID)
        xml.element("DisplayName", S3Owner.displayName)
        xml.close("Owner")
        xml.open("Buckets")
        for bucket in page {
            xml.open("Bucket")
            xml.element("Name", bucket.name)
            xml.element("CreationDate", HTTPDate.iso8601(bucket.created))
            xml.element("BucketRegion", bucket.region)
            xml.close("Bucket")
        }
        xml.close("Buckets")
        if all.count > page.count, let last = page.last { xml.element("ContinuationToken", last.name) }
        if let prefix = c.query["prefix"] { xml.element("Prefix", prefix) }
        xml.close("ListAllMyBucketsResult")
        return S3Reply.xml(xml.document)
    }

    func listObjects(_ bucket: String, _ c: S3Context) throws -> Response {
        let q = c.query
        let v2 = q["list-type"] == "2"
        let encode = q["encoding-type"] == "url"
        if let encoding = q["encoding-type"], encoding != "url" {
            throw S3Error.invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: encoding)
        }
        let maxKeys = try q.int("max-keys") ?? 1000
        if maxKeys < 0 { throw S3Error.invalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", name: "maxKeys", value: String(maxKeys)) }
        var after: String?
        if v2 {
            if let token = q["continuation-token"] {
                guard let key = ContinuationToken.parse(token) else {
                    throw S3Error.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
                }
                after = key
            } else {
                after = q["start-after"].flatMap { $0.isEmpty ? nil : $0 }
            }
        } else {
            after = q["marker"].flatMap { $0.isEmpty ? nil : $0 }
        }
        let query = ListingQuery(prefix: q["prefix"] ?? "", delimiter: q["delimiter"], maxKeys: maxKeys, after: after)
        let page = try objects.list(bucket, query)
        let text: (String) -> String = { encode ? URLEncoding.encode($0) : $0 }
        let fetchOwner = !v2 || q["fetch-owner"] == "true"
        var xml = XMLText()
        xml.open("ListBucketResult", namespace: true)
        xml.element("Name", bucket)
        xml.element("Prefix", text(query.prefix))
        if v2 {
            if let token = q["continuation-token"] { xml.element("ContinuationToken", token) }
            if let start = q["start-after"] { xml.element("StartAfter", text(start)) }
            xml.element("KeyCount", page.contents.count + page.commonPrefixes.count)
            if page.isTruncated, let last = page.lastReturned { xml.element("NextContinuationToken", ContinuationToken.make(last)) }
        } else {
            xml.element("Marker", text(q["marker"] ?? ""))
            if page.isTruncated, query.delimiter != nil, let last = page.lastReturned { xml.element("NextMarker", text(last)) }
        }
        xml.element("MaxKeys", maxKeys)
        if let delimiter = query.delimiter { xml.element("Delimiter", text(delimiter)) }
        if encode { xml.element("EncodingType", "url") }
        xml.element("IsTruncated", page.isTruncated)
        let owner = ownerID  // a SHA-256: once per page, not per key
        for object in page.contents {
            xml.open("Contents")
            xml.element("Key", text(object.key))
            xml.element("LastModified", HTTPDate.iso8601(object.lastModified))
            xml.element("ETag", object.quotedETag)
            if let algorithm = object.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm.rawValue) }
            xml.element("Size", object.size)
            if fetchOwner {
                xml.open("Owner")
                xml.element("ID", owner)
                xml.element("DisplayName", S3Owner.displayName)
                xml.close("Owner")
            }
            xml.element("StorageClass", object.storageClass)
            xml.close("Contents")
        }
        for prefix in page.commonPrefixes {
            xml.open("CommonPrefixes")
            xml.element("Prefix", text(prefix))
            xml.close("CommonPrefixes")
        }
        xml.close("ListBucketResult")
        return S3Reply.xml(xml.document)
    }
}
