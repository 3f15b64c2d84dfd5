import Foundation
import HTTPTypes
import Hummingbird
import PetrelObjects

extension ObjectRoutes {
    /// The tags of the `x-amz-tagging` header (PutObject, CreateMultipartUpload, CopyObject with REPLACE).
    func headerTags(_ c: S3Context) throws -> TagSet {
        guard let header = c.header("x-amz-tagging") else { return TagSet() }
        return try TagSet.parse(header: header).validated(limit: 10)
    }

    func putObjectTagging(_ bucket: String, _ key: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
        let tags = try TagSet.parse(body).validated(limit: 10)
        let tagged = try objects.setObjectTags(bucket, key, versionID: c.query["versionId"], method: "PUT", tags) { bucketRecord, record in
            notifications(bucketRecord, "s3:ObjectTagging:Put", record, c)
        }
        var headers: HTTPFields = [.contentLength: "0"]
        if let version = tagged.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        return Response(status: .ok, headers: headers)
    }

    func getObjectTagging(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        let record = try objects.object(bucket, key, versionID: c.query["versionId"])
        var headers: HTTPFields = [:]
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        return S3Reply.xml(record.tags.xml, headers: headers)
    }

    func deleteObjectTagging(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        let tagged = try objects.setObjectTags(bucket, key, versionID: c.query["versionId"], method: "DELETE", TagSet()) { bucketRecord, record in
            notifications(bucketRecord, "s3:ObjectTagging:Delete", record, c)
        }
        var headers: HTTPFields = [:]
        if let version = tagged.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        return Response(status: .noContent, headers: headers)
    }

    func putBucketTagging(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
        try objects.setBucketTags(bucket, try TagSet.parse(body).validated(limit: 50))
        return Response(status: .noContent)
    }

    func getBucketTagging(_ bucket: String) throws -> Response {
        let tags = try objects.bucket(bucket).tags
        guard !tags.isEmpty else {
            throw S3Error("NoSuchTagSet", status: 404, "The TagSet does not exist", fields: [("BucketName", bucket)])
        }
        return S3Reply.xml(tags.xml)
    }

    func deleteBucketTagging(_ bucket: String) throws -> Response {
        try objects.setBucketTags(bucket, TagSet())
        return Response(status: .noContent)
    }
}
