import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelCore
import PetrelIdentity
import PetrelQueues

/// SQS in both protocols its SDKs speak: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.X`, botocore
/// and the AWS CLI today) and the older query protocol (`Action=X` form posts to `/` or to a
/// queue's URL, XML answers). Parses, calls `QueueService`, renders; nothing else.
struct QueuesRoutes: Sendable {
    let service: QueueService
    let account: Account
    let internalErrors: InternalErrors

    static let targetPrefix = "AmazonSQS."
    /// A batch of ten 1 MiB messages, as JSON (escapes can grow it) or a form.
    static let maxBody = 12 * 1024 * 1024
    static let queryErrorField = HTTPField.Name("x-amzn-query-error")!

    // MARK: Recognising a query-protocol request

    /// Whether a form post (or `?Action=` GET) is an SQS query request: signed for `sqs`, or
    /// posted to a queue URL's path, or (unsigned) naming SQS's API version.
    static func isQuery(_ request: Request, scopeService: String?) -> Bool {
        let form = request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") ?? false
        let query = request.uri.query ?? ""
        guard form || query.hasPrefix("Action=") || query.contains("&Action=") else { return false }
        if let scopeService { return scopeService == "sqs" }
        return isQueuePath(request.uri.path) || query.contains("Version=\(SQSQuery.version)")
    }

    /// `/ACCOUNT/NAME`, AWS's queue URL path.
    static func isQueuePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count == 2 && parts[0].count == 12 && parts[0].allSatisfy(\.isNumber) && QueueAddress.isValidName(String(parts[1]))
    }

    /// An unsigned form post to `/` is SQS's when its body names SQS's version or an SQS
    /// action; IAM and STS get it otherwise.
    static func isQueryBody(_ body: ByteBuffer) -> Bool {
        let pairs = formPairs(Array(body.readableBytesView))
        let version = pairs.first { $0.name == "Version" }?.value
        let action = pairs.first { $0.name == "Action" }?.value ?? ""
        // IAM's and STS's actions share no name with SQS's.
        return version == SQSQuery.version || (version == nil && QueueService.operations.contains(action))
    }

    static func formPairs(_ body: [UInt8]) -> [(name: String, value: String)] {
        IdentityRoutes.formPairs(body)
    }

    // MARK: Answering

    func context(_ request: Request, region: String, accessKeyID: String?) -> QueueRequestContext {
        QueueRequestContext(account: account.id, region: region, host: request.head.authority ?? "127.0.0.1:4566",
                            senderID: accessKeyID ?? account.id)
    }

    /// JSON 1.0: `X-Amz-Target: AmazonSQS.Operation`.
    func respondJSON(_ request: Request, operation: String, region: String, accessKeyID: String?) async -> Response {
        do {
            let body = try await request.readBody(upTo: Self.maxBody)
            var input = JSONValue.object([:])
            if body.readableBytes > 0 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]) else {
                    throw AWSError.serialization("The request body is not valid JSON.")
                }
                input = Authorizer.jsonValue(object, depth: 0)
            }
            let output = try await service.handle(operation, SQSInput(input), context: context(request, region: region, accessKeyID: accessKeyID))
            let data = try JSONEncoder().encode(output)
            return Response(status: .ok, headers: [.contentType: "application/x-amz-json-1.0"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return jsonError(awsError(error, operation: operation))
        }
    }

    func awsError(_ error: any Error, operation: String) -> AWSError {
        switch error {
        case let error as AWSError: return error
        case let error as RequestBodyError:
            return error.awsError { _ in QueueError.make("BatchRequestTooLong", "The request is larger than the largest batch SQS accepts.") }
        default:
            return internalErrors.answer(error, code: "InternalError", context: "sqs:\(operation)")
        }
    }

    func jsonError(_ error: AWSError) -> Response {
        var members: [String: Any] = ["__type": "com.amazonaws.sqs#\(error.code)", "message": error.message]
        if error.code == "UnknownOperationException" { members["__type"] = "com.amazon.coral.service#UnknownOperationException" }
        let data = (try? JSONSerialization.data(withJSONObject: members, options: [.sortedKeys])) ?? Data()
        return Response(status: .init(code: error.status),
                        headers: [.contentType: "application/x-amz-json-1.0",
                                  Self.queryErrorField: "\(QueueError.queryCode(error.code));\(error.isClientFault ? "Sender" : "Receiver")"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The query protocol: parameters from the URL's query and the form body; a request to a
    /// queue URL's path acts on that queue unless it names another.
    func respondQuery(_ request: Request, body: ByteBuffer?, region: String, accessKeyID: String?) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        var operation = "Unknown"
        do {
            var parameters: [String: String] = [:]
            for (name, value) in SigV4Canonical.queryPairs(request.uri.query ?? "") { parameters[name] = value }
            var form = body
            if form == nil { form = try await request.readBody(upTo: Self.maxBody) }
            let body = form ?? ByteBuffer()
            for (name, value) in Self.formPairs(Array(body.readableBytesView)) { parameters[name] = value }
            operation = parameters["Action"] ?? ""
            guard QueueService.operations.contains(operation) else {
                throw AWSError("InvalidAction", status: 400, "The action \(operation) is not valid for this endpoint.")
            }
            let context = context(request, region: region, accessKeyID: accessKeyID)
            if parameters["QueueUrl"] == nil, Self.isQueuePath(request.uri.path) {
                parameters["QueueUrl"] = "http://\(context.host)\(request.uri.path)"
            }
            let output = try await service.handle(operation, SQSInput(SQSQuery.input(parameters)), context: context)
            return Response(status: .ok, headers: [.contentType: "text/xml"],
                            body: .init(byteBuffer: ByteBuffer(string: SQSQuery.response(operation, output, requestID: requestID))))
        } catch {
            return queryError(awsError(error, operation: operation), requestID: requestID)
        }
    }

    func queryError(_ error: AWSError, requestID: String = UUID().uuidString.lowercased()) -> Response {
        Response(status: .init(code: error.status), headers: [.contentType: "text/xml"],
                 body: .init(byteBuffer: ByteBuffer(string: SQSQuery.errorResponse(error, requestID: requestID))))
    }
}
