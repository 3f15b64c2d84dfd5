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
        try objects.setObjectTags(bucket, key, tags) { bucketRecord, record in
            notifications(bucketRecord, "s3:ObjectTagging:Put", record, c)
        }
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    func getObjectTagging(_ bucket: String, _ key: String) throws -> Response {
        S3Reply.xml(try objects.object(bucket, key).tags.xml)
    }

    func deleteObjectTagging(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        try objects.setObjectTags(bucket, key, TagSet()) { bucketRecord, record in
            notifications(bucketRecord, "s3:ObjectTagging:Delete", record, c)
        }
        return Response(status: .noContent)
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
