import Foundation
import HTTPTypes
import Hummingbird
import PetrelIdentity
import PetrelObjects

/// Bucket policies, the public access block, object ownership and ACLs (shapes and errors from
/// botocore's s3 model). Each returns nil when the request is not one of its operations.
extension ObjectRoutes {
    func putAccess(_ bucket: String, _ c: S3Context) async throws -> Response? {
        let q = c.query
        if q.has("policy") { return try await putBucketPolicy(bucket, c) }
        if q.has("publicAccessBlock") {
            guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
            try objects.setPublicAccessBlock(bucket, try PublicAccessBlock.parse(body))
            return Response(status: .ok, headers: [.contentLength: "0"])
        }
        if q.has("ownershipControls") {
            guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
            try objects.setOwnership(bucket, .set(try BucketAccess.Ownership.parse(body)))
            return Response(status: .ok, headers: [.contentLength: "0"])
        }
        if q.has("acl") {
            _ = try objects.bucket(bucket)
            try await checkACLRequest(try objects.access(bucket), c, bucket: bucket)
            return Response(status: .ok, headers: [.contentLength: "0"])
        }
        return nil
    }

    func getAccess(_ bucket: String, _ c: S3Context) throws -> Response? {
        let q = c.query
        if q.has("policyStatus") {
            let document = try bucketPolicyDocument(bucket)
            var x = XMLText()
            x.open("PolicyStatus", namespace: true)
            x.element("IsPublic", BucketPolicy.isPublic(document))
            x.close("PolicyStatus")
            return S3Reply.xml(x.document)
        }
        if q.has("policy") {
            let text = try bucketPolicyDocument(bucket).text
            return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(text.utf8.count)],
                            body: .init(byteBuffer: .init(string: text)))
        }
        if q.has("publicAccessBlock") {
            _ = try objects.bucket(bucket)
            guard let block = try objects.access(bucket).publicAccessBlock else {
                throw S3Error("NoSuchPublicAccessBlockConfiguration", status: 404, "The public access block configuration was not found",
                              fields: [("BucketName", bucket)])
            }
            return S3Reply.xml(block.xml)
        }
        if q.has("ownershipControls") {
            _ = try objects.bucket(bucket)
            guard let value = try objects.access(bucket).ownership.effective else {
                throw S3Error("OwnershipControlsNotFoundError", status: 404, "The bucket ownership controls were not found",
                              fields: [("BucketName", bucket)])
            }
            return S3Reply.xml(BucketAccess.Ownership.xml(value))
        }
        if q.has("acl") {
            _ = try objects.bucket(bucket)
            return S3Reply.xml(OwnerACL.xml(ownerID: ownerID))
        }
        return nil
    }

    func deleteAccess(_ bucket: String, _ c: S3Context) throws -> Response? {
        let q = c.query
        if q.has("policy") { try objects.setPolicy(bucket, nil) }
        else if q.has("publicAccessBlock") { try objects.setPublicAccessBlock(bucket, nil) }
        else if q.has("ownershipControls") { try objects.setOwnership(bucket, .removed) }
        else { return nil }
        return Response(status: .noContent)
    }

    func putBucketPolicy(_ bucket: String, _ c: S3Context) async throws -> Response {
        _ = try objects.bucket(bucket)
        let buffer = try await c.request.readBody(upTo: BucketPolicy.maxLength + 1)
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        let document: PolicyDocument
        do {
            document = try BucketPolicy.parse(text, bucket: bucket)
        } catch {
            throw S3Error("MalformedPolicy", status: 400, error.message)
        }
        let access = try objects.access(bucket)
        if access.publicAccessBlock?.blockPublicPolicy == true, BucketPolicy.isPublic(document) {
            throw S3Error("AccessDenied", status: 403,
                          "User: \(c.principal.arn) is not authorized to perform: s3:PutBucketPolicy on resource: \"\(S3ActionTable.bucketARN(bucket))\" because public policies are blocked by the BlockPublicPolicy block public access setting.")
        }
        try objects.setPolicy(bucket, text)
        return Response(status: .noContent)
    }

    func bucketPolicyDocument(_ bucket: String) throws -> PolicyDocument {
        _ = try objects.bucket(bucket)
        guard let text = try objects.access(bucket).policy, let document = try? PolicyDocument.parse(text, kind: .resource) else {
            throw S3Error("NoSuchBucketPolicy", status: 404, "The bucket policy does not exist", fields: [("BucketName", bucket)])
        }
        return document
    }

    func getObjectACL(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        _ = try objects.object(bucket, key, versionID: c.query["versionId"])
        return S3Reply.xml(OwnerACL.xml(ownerID: ownerID))
    }

    func putObjectACL(_ bucket: String, _ key: String, _ c: S3Context) async throws -> Response {
        _ = try objects.object(bucket, key, versionID: c.query["versionId"])
        try await checkACLRequest(try objects.access(bucket), c, bucket: bucket)
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    /// PutBucketAcl and PutObjectAcl: a canned ACL, `x-amz-grant-*` headers, or an
    /// AccessControlPolicy body. What grants only the owner FULL_CONTROL is accepted (it is what
    /// Petrel keeps); anything more is refused: AccessControlListNotSupported when ACLs are
    /// disabled (BucketOwnerEnforced, the default), AccessDenied for a public ACL under
    /// BlockPublicAcls, otherwise NotImplemented (a bucket policy grants access instead).
    func checkACLRequest(_ access: BucketAccess, _ c: S3Context, bucket: String) async throws {
        let grants = c.request.headers.contains { $0.name.canonicalName.hasPrefix("x-amz-grant-") }
        if grants {
            if access.ownership.aclsDisabled { throw Self.aclsNotSupported() }
            throw S3Error.notImplemented("x-amz-grant-* headers (Petrel keeps only the owner's FULL_CONTROL: grant access with a bucket policy)")
        }
        if let body = try await xmlBody(c) {
            guard body.name == "AccessControlPolicy" else { throw S3Error.malformedXML() }
            let list = body.child("AccessControlList")?.all("Grant") ?? []
            let ownerOnly = list.allSatisfy { grant in
                grant.child("Grantee")?.value("ID") == ownerID && grant.value("Permission") == "FULL_CONTROL"
            }
            if ownerOnly { return }
            if access.ownership.aclsDisabled { throw Self.aclsNotSupported() }
            throw S3Error.notImplemented("ACL grants (Petrel keeps only the owner's FULL_CONTROL: grant access with a bucket policy)")
        }
        try checkCannedACL(c.header("x-amz-acl") ?? "private", access)
    }
}
