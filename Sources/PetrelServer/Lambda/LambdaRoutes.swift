import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import Logging
import PetrelCore
import PetrelEvents
import PetrelFunctions
import PetrelInvoker
import PetrelObjects
import PetrelWire

/// Lambda's REST-JSON API: parses a request into an operation, calls the control plane or
/// the invoker, renders the result. No business logic lives here.
struct LambdaRoutes: Sendable {
    let functions: FunctionRegistry
    let layerRegistry: LayerRegistry
    let provisioning: ProvisionedConcurrencyStore
    let concurrencyLimit: Int
    let invoker: Invoker
    let asyncQueue: AsyncInvocationQueue
    let mappings: EventSourceMappings
    let dataDirectory: URL
    let logger: Logger
    var internalErrors: InternalErrors { InternalErrors(dataDirectory: dataDirectory, logger: logger) }
    /// Petrel's own endpoint, for Code.Location URLs.
    let endpoint: String
    /// Functions' resource-based policies (AddPermission).
    let permissions: FunctionPermissions
    /// Execution roles: checked on CreateFunction and UpdateFunctionConfiguration (nil: `--iam off`).
    let executionRoles: ExecutionRoles?
    /// Function URLs' configurations (FunctionURLOperations; the URLs are served by FunctionURLRoutes).
    let functionURLStore: FunctionURLStore
    /// Reserved concurrency: the stored settings, and the invoker's admission counts.
    let reservedConcurrencyStore: ReservedConcurrencyStore
    let reservedConcurrency: ReservedConcurrency
    /// Bills provisioned concurrency's configured time; sampled when a setting changes.
    let provisionedMeter: ProvisionedMeter
    /// The object store, for deployment packages named by S3Bucket/S3Key.
    let objects: ObjectStore

    /// Lambda's limit on a synchronous request (and on CreateFunction's JSON with a base64 zip).
    static let maxInvokePayload = 6 * 1024 * 1024
    static let maxAsyncPayload = 256 * 1024
    static let maxControlBody = 70 * 1024 * 1024

    func matches(_ path: String) -> Bool {
        path.hasPrefix("/_petrel/code/") || LambdaOperationNames.isLambdaPath(path)
    }

    func respond(to request: Request, account: Account) async -> Response {
        do {
            return try await route(request, account: account)
        } catch let error as AWSError {
            return Response.wire(WireProtocol.restJSON.render(error))
        } catch let error as RequestBodyError {
            return Response.wire(WireProtocol.restJSON.render(error.awsError {
                AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than \($0) bytes for this operation")
            }))
        } catch {
            return Response.wire(WireProtocol.restJSON.render(internalErrors.answer(error, context: "\(request.method) \(request.uri.path)")))
        }
    }

    private func route(_ request: Request, account: Account) async throws -> Response {
        // Foundation's percent-decoding is slow on Linux: only segments that need it pay for it.
        let segments = request.uri.path.split(separator: "/").map { segment in
            segment.contains("%") ? String(segment).removingPercentEncoding ?? String(segment) : String(segment)
        }
        let method = request.method
        let query = request.uri.queryParameters
        let qualifier = query["Qualifier"].map(String.init)
        switch (segments.first, segments.count) {
        case ("_petrel", 3) where segments[1] == "code" && method == .get:
            return try codeDownload(segments[2])
        case ("2017-10-31", 4) where segments[1] == "functions" && segments[3] == "concurrency",
             ("2019-09-30", 4) where segments[1] == "functions" && segments[3] == "concurrency":
            return try await functionConcurrency(request, function: segments[2], account: account)
        case ("2019-09-30", 4) where segments[1] == "functions" && segments[3] == "provisioned-concurrency":
            let ref = try FunctionReference.parse(segments[2], region: account.region)
            return try await provisionedConcurrency(request, name: ref.name, account: account)
        case ("2018-10-31", _) where segments.count >= 2 && segments[1] == "layers":
            return try await layers(request, segments: segments, account: account)
        case ("2015-03-31", 2) where segments[1] == "event-source-mappings":
            return try await eventSourceMappings(request, uuid: nil, account: account)
        case ("2015-03-31", 3) where segments[1] == "event-source-mappings":
            return try await eventSourceMappings(request, uuid: segments[2], account: account)
        case ("2015-03-31", 2) where segments[1] == "functions":
            switch method {
            case .post: return try await createFunction(request, account: account)
            case .get: return try listFunctions(query: query, account: account)
            default: break
            }
        case ("2015-03-31", 3) where segments[1] == "functions":
            let ref = try FunctionReference.parse(segments[2], qualifier: qualifier, region: account.region)
            switch method {
            case .get: return try getFunction(ref, account: account)
            case .delete: return try await deleteFunction(ref, account: account)
            default: break
            }
        case ("2021-10-31", 4) where segments[1] == "functions" && (segments[3] == "url" || segments[3] == "urls"):
            return try await functionURLs(request, function: segments[2], list: segments[3] == "urls", account: account)
        case ("2017-03-31", 3) where segments[1] == "tags":
            return try await tags(request, resource: segments[2], account: account)
        case ("2016-08-19", 2) where segments[1] == "account-settings" && method == .get:
            return try accountSettings(account: account)
        case ("2015-03-31", 4) where segments[1] == "functions" && segments[3] == "aliases":
            return try await aliases(request, function: segments[2], alias: nil, account: account)
        case ("2015-03-31", 5) where segments[1] == "functions" && segments[3] == "aliases":
            return try await aliases(request, function: segments[2], alias: segments[4], account: account)
        case ("2015-03-31", 4) where segments[1] == "functions":
            let ref = try FunctionReference.parse(segments[2], qualifier: qualifier, region: account.region)
            switch (method, segments[3]) {
            case (.get, "configuration"): return try getConfiguration(ref, account: account)
            case (.put, "configuration"): return try await updateConfiguration(ref, request: request, account: account)
            case (.put, "code"): return try await updateCode(ref, request: request, account: account)
            case (.post, "invocations"): return try await invoke(ref, request: request, account: account)
            case (.post, "versions"): return try await publishVersion(ref, request: request, account: account)
            case (.get, "versions"): return try listVersions(ref, account: account)
            case (.get, "policy"): return try getPolicy(ref, account: account)
            case (.post, "policy"): return try await addPermission(ref, request: request, account: account)
            default: break
            }
        case ("2015-03-31", 5) where segments[1] == "functions" && segments[3] == "policy" && method == .delete:
            let ref = try FunctionReference.parse(segments[2], qualifier: qualifier, region: account.region)
            return try removePermission(ref, statementID: segments[4], request: request, account: account)
        case ("2021-11-15", 4) where segments[1] == "functions" && segments[3] == "response-streaming-invocations" && method == .post:
            let ref = try FunctionReference.parse(segments[2], qualifier: qualifier, region: account.region)
            return try await invokeWithResponseStream(ref, request: request, account: account)
        case ("2014-11-13", 4) where segments[1] == "functions" && segments[3] == "invoke-async" && method == .post:
            let ref = try FunctionReference.parse(segments[2], region: account.region)
            return try await invokeAsync(ref, request: request, account: account)
        default:
            break
        }
        throw AWSError("UnknownOperationException", status: 404, LambdaOperationNames.unsupportedMessage(
            method: method.rawValue, path: request.uri.path, queryKeys: Set(query.map { String($0.key) })))
    }

    // MARK: Helpers shared by the operations

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try Self.decode(T.self, from: Data(buffer: try await request.readBody(upTo: Self.maxControlBody)))
    }

    /// Two views of one body (an operation's input, and members handled apart from it).
    func decode<A: Decodable, B: Decodable>(_ a: A.Type, _ b: B.Type, from request: Request) async throws -> (A, B) {
        let data = Data(buffer: try await request.readBody(upTo: Self.maxControlBody))
        return (try Self.decode(A.self, from: data), try Self.decode(B.self, from: data))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw AWSError("InvalidRequestContentException", status: 400, "Could not parse request body into json: \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "Unexpected type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))' (expected \(type))"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "malformed JSON"
        }
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func json(_ configuration: FunctionConfiguration, account: Account, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(withLayerSizes(configuration, account: account))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
