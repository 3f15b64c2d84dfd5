import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PetrelCore
import PetrelFunctions
import PetrelIdentity
import PetrelObjects
import PetrelWire

/// S3's REST-XML API on the gateway's port: path-style (`/bucket/key`) and virtual-hosted-style
/// (`bucket.s3.localhost`) addressing. Parses a request into an operation, calls the object
/// store, renders S3's XML. No business logic lives here.
struct ObjectRoutes: Sendable {
    let objects: ObjectStore
    let functions: FunctionRegistry
    let account: Account
    let logger: Logger
    /// SQS and EventBridge destinations of event notifications (nil: Lambda destinations only).
    var destinations: S3EventDestinations? = nil

    /// Whether a request is for S3: signed for the `s3` service (header or presigned query),
    /// presigned the SigV2 way, or addressed to an S3 host name.
    static func claims(_ request: Request) -> Bool {
        if let header = request.headers[.authorization] {
            if header.hasPrefix("AWS ") { return true }
            return UnservedService.scopeService(header) == "s3"
        }
        if let query = request.uri.query {
            if query.contains("X-Amz-Credential=") {
                let credential = SigV4Canonical.queryPairs(query).first { $0.name == "X-Amz-Credential" }?.value ?? ""
                let parts = credential.split(separator: "/")
                return parts.count == 5 && parts[3] == "s3"
            }
            if query.contains("AWSAccessKeyId=") && query.contains("Signature=") { return true }
        }
        // A browser's CORS preflight carries no signature: a path that is not Lambda's is a bucket's.
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil, request.uri.path != "/",
           !LambdaOperationNames.isLambdaPath(request.uri.path), !request.uri.path.hasPrefix("/_petrel") {
            return true
        }
        return ObjectAddress.isS3Host(request.head.authority)
    }

    /// Whether an unsigned path-style request (`curl http://127.0.0.1:4566/bucket/key`), which
    /// no other route took, names an existing bucket.
    func ownsPath(_ request: Request) -> Bool {
        guard let bucket = ObjectAddress.parse(host: nil, rawPath: request.uri.path).bucket, BucketName.isValid(bucket) else { return false }
        return (try? objects.bucket(bucket)) != nil
    }

    func respond(to request: Request, authorizer: Authorizer?) async -> Response {
        let requestID = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).uppercased()
        var response: Response
        do {
            var authorized = Authorized(request: request, signing: nil, principal: .root(account: account.id))
            if let authorizer { authorized = try await authorize(request, authorizer: authorizer) }
            response = try await route(authorized.request, requestID: String(requestID), signing: authorized.signing,
                                       principal: authorized.principal, deniedDeletes: authorized.deniedDeletes)
        } catch let error as S3Error {
            if let detail = error.detail { logger.error("S3 \(request.method) \(request.uri.path): \(detail)") }
            response = S3Reply.error(error, requestID: String(requestID), head: request.method == .head)
        } catch {
            logger.error("S3 \(request.method) \(request.uri.path) failed: \(error)")
            response = S3Reply.error(.internalError(), requestID: String(requestID), head: request.method == .head)
        }
        response.headers[HTTPField.Name("x-amz-request-id")!] = String(requestID)
        response.headers[HTTPField.Name("x-amz-id-2")!] = String(requestID)
        return response
    }

    private func route(_ request: Request, requestID: String, signing: S3Signing?, principal: PrincipalIdentity,
                       deniedDeletes: Set<String>) async throws -> Response {
        let address = ObjectAddress.parse(host: request.head.authority, rawPath: request.uri.path)
        let query = S3Query(request.uri.query)
        let context = S3Context(request: request, query: query, requestID: requestID,
                                region: Self.region(of: request) ?? account.region, signing: signing, principal: principal,
                                deniedDeletes: deniedDeletes)
        guard let bucket = address.bucket else {
            guard request.method == .get else { throw S3Error.methodNotAllowed(request.method.rawValue) }
            return try listBuckets(context)
        }
        if request.method == .options { return try preflight(bucket, context) }
        let response: Response
        if let key = address.key {
            response = try await objectOperation(bucket, key, context)
        } else {
            response = try await bucketOperation(bucket, context)
        }
        return request.headers[.origin] == nil ? response : addingCORS(response, bucket: bucket, request: request)
    }

    private func bucketOperation(_ bucket: String, _ c: S3Context) async throws -> Response {
        let q = c.query
        switch c.request.method {
        case .put:
            if q.has("notification") { return try await putNotification(bucket, c) }
            if q.has("tagging") { return try await putBucketTagging(bucket, c) }
            if q.has("lifecycle") { return try await putLifecycle(bucket, c) }
            if q.has("cors") { return try await putCORS(bucket, c) }
            if q.has("versioning") { return try await putVersioning(bucket, c) }
            if let response = try await putAccess(bucket, c) { return response }
            if q.has("encryption") { throw S3Error.notImplemented(q.names.joined(separator: ",")) }
            return try await createBucket(bucket, c)
        case .head: return try headBucket(bucket)
        case .delete:
            if q.has("tagging") { return try deleteBucketTagging(bucket) }
            if q.has("lifecycle") { return try deleteLifecycle(bucket) }
            if q.has("cors") { return try deleteCORS(bucket) }
            if let response = try deleteAccess(bucket, c) { return response }
            if q.hasAny(["encryption"]) {
                _ = try objects.bucket(bucket)
                return Response(status: .noContent)
            }
            return try deleteBucket(bucket)
        case .get:
            if q.has("location") { return try bucketLocation(bucket) }
            if q.has("notification") { return try getNotification(bucket) }
            if q.has("uploads") { return try listUploads(bucket, c) }
            if q.has("tagging") { return try getBucketTagging(bucket) }
            if q.has("versioning") { return try getVersioning(bucket) }
            if q.has("versions") { return try listVersions(bucket, c) }
            if q.has("lifecycle") { return try getLifecycle(bucket) }
            if q.has("cors") { return try getCORS(bucket) }
            if let response = try getAccess(bucket, c) { return response }
            if q.hasAny(["website", "replication", "encryption", "logging",
                         "ownershipControls", "publicAccessBlock", "object-lock", "accelerate", "requestPayment"]) {
                throw S3Error.notImplemented(q.names.joined(separator: ","))
            }
            return try listObjects(bucket, c)
        case .post:
            if q.has("delete") { return try await deleteObjects(bucket, c) }
            throw S3Error.notImplemented("POST on a bucket (browser-based uploads)")
        default:
            throw S3Error.methodNotAllowed(c.request.method.rawValue)
        }
    }

    private func objectOperation(_ bucket: String, _ key: String, _ c: S3Context) async throws -> Response {
        let q = c.query
        switch c.request.method {
        case .put:
            if let uploadID = q["uploadId"] {
                if c.header("x-amz-copy-source") != nil { return try await uploadPartCopy(bucket, key, uploadID, c) }
                return try await uploadPart(bucket, key, uploadID, c)
            }
            if q.has("tagging") { return try await putObjectTagging(bucket, key, c) }
            if q.has("acl") { return try await putObjectACL(bucket, key, c) }
            if q.hasAny(["retention", "legal-hold"]) { throw S3Error.notImplemented(q.names.joined(separator: ",")) }
            if c.header("x-amz-copy-source") != nil { return try await copyObject(bucket, key, c) }
            return try await putObject(bucket, key, c)
        case .get:
            if let uploadID = q["uploadId"] { return try listParts(bucket, key, uploadID, c) }
            if q.has("tagging") { return try getObjectTagging(bucket, key, c) }
            if q.has("acl") { return try getObjectACL(bucket, key, c) }
            if q.has("attributes") { return try getObjectAttributes(bucket, key, c) }
            if q.hasAny(["retention", "legal-hold", "torrent"]) {
                throw S3Error.notImplemented(q.names.joined(separator: ","))
            }
            return try getObject(bucket, key, c, head: false)
        case .head:
            return try getObject(bucket, key, c, head: true)
        case .delete:
            if let uploadID = q["uploadId"] {
                try objects.abortUpload(bucket, key, uploadID)
                return Response(status: .noContent)
            }
            if q.has("tagging") { return try deleteObjectTagging(bucket, key, c) }
            return try deleteObject(bucket, key, c)
        case .post:
            if q.has("uploads") { return try createUpload(bucket, key, c) }
            if let uploadID = q["uploadId"] { return try await completeUpload(bucket, key, uploadID, c) }
            throw S3Error.notImplemented("POST on an object")
        default:
            throw S3Error.methodNotAllowed(c.request.method.rawValue)
        }
    }

    /// The region a request was signed for.
    static func region(of request: Request) -> String? {
        if let header = request.headers[.authorization], let credential = SigV4Credential(authorizationHeader: header) {
            return credential.region
        }
        if let query = request.uri.query, query.contains("X-Amz-Credential=") {
            let credential = SigV4Canonical.queryPairs(query).first { $0.name == "X-Amz-Credential" }?.value ?? ""
            let parts = credential.split(separator: "/")
            if parts.count == 5 { return String(parts[2]) }
        }
        return nil
    }

    /// The canonical user id S3 shows as the owner of everything in the account.
    var ownerID: String { S3Owner.canonicalID(account: account.id) }
}

/// What every operation gets: the request, its query, its id and region.
struct S3Context {
    let request: Request
    let query: S3Query
    let requestID: String
    let region: String
    /// In `--iam enforce`: the verified signature, which chunk signatures continue.
    let signing: S3Signing?
    /// Who made the request (the root when IAM is off).
    var principal: PrincipalIdentity = .root(account: "")
    /// DeleteObjects: the entries IAM refused (`ObjectRoutes.deleteEntry`), each answered AccessDenied.
    var deniedDeletes: Set<String> = []

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    var sourceIP: String { "127.0.0.1" }
}

/// The query string, decoded (`+` stays a plus, as S3's SDKs send `%20` for a space).
struct S3Query {
    private(set) var pairs: [(String, String)] = []

    init(_ raw: String?) {
        guard let raw, !raw.isEmpty else { return }
        for item in raw.split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((ObjectAddress.percentDecode(String(parts[0])),
                          parts.count > 1 ? ObjectAddress.percentDecode(String(parts[1])) : ""))
        }
    }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func has(_ name: String) -> Bool { pairs.contains { $0.0 == name } }
    func hasAny(_ names: [String]) -> Bool { names.contains { has($0) } }
    var names: [String] { pairs.map(\.0).filter { !$0.hasPrefix("X-Amz-") && !$0.hasPrefix("x-id") } }

    func int(_ name: String) throws(S3Error) -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text) else {
            throw S3Error.invalidArgument("Provided \(name) not an integer or within integer range", name: name, value: text)
        }
        return value
    }
}

/// Renders S3's answers.
enum S3Reply {
    static func xml(_ document: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/xml"
        let buffer = ByteBuffer(string: document)
        fields[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    static func error(_ error: S3Error, requestID: String, head: Bool) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        var headers: HTTPFields = [:]
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if head {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers)
        }
        return xml(error.xml(requestID: requestID), status: status, headers: headers)
    }
}
