import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Logging
import PetrelCore
import PetrelIdentity
import PetrelTables
import PetrelTrail
import PetrelWire

/// The single HTTP entry point. Routes by `X-Amz-Target` prefix (JSON protocols) or by the
/// dated path prefix (Lambda's REST-JSON), parses, dispatches and renders. No business logic.
struct Gateway: HTTPResponder {
    typealias Context = BasicRequestContext

    let account: Account
    let tables: TableService
    let lambda: LambdaRoutes
    let logs: LogsRoutes
    let cloudWatch: CloudWatchRoutes
    let metrics: MetricsRoutes
    let requests: RequestCounters
    let console: ConsoleRoutes
    let status: StatusRoute
    let internalErrors: InternalErrors
    let logger: Logger
    /// Authenticates and authorizes before routing; nil with `--iam off`.
    let authorizer: Authorizer?
    let identity: IdentityRoutes
    /// Whether the server listens on loopback only (then only loopback Host names are served).
    let boundToLoopback: Bool
    let queues: QueuesRoutes
    let eventInvokeConfigs: EventInvokeConfigRoutes
    /// S3 (REST-XML), told apart by its signing name or its Host.
    let objects: ObjectRoutes
    /// Metered usage and its cost (`/_petrel/usage`).
    let usage: UsageRoutes
    /// Function URLs, told apart by their Host (`<url-id>.lambda-url.<region>.localhost`).
    let functionURLs: FunctionURLRoutes
    /// Amazon EventBridge (AWSEvents, JSON 1.1).
    let eventBridge: EventBridgeRoutes
    /// CloudTrail: its API, and the recorder every answered request is handed to (nil: not recorded).
    let trail: CloudTrailService?
    /// Kinesis Data Streams (JSON 1.1).
    let kinesis: KinesisRoutes

    static let dynamoDB = WireProtocol.json10(namespace: "com.amazonaws.dynamodb.v20120810")
    static let maxJSONBody = 16 * 1024 * 1024
    /// The health answer, made once: it is what monitors (and the benchmark's HTTP floor) hit.
    static let health = ByteBuffer(string: #"{"services":["lambda","dynamodb","dynamodbstreams","logs"],"status":"running"}"#)
    static let countedPrefixes: Set<String> = ["DynamoDB_20120810", "DynamoDBStreams_20120810", "Logs_20140328"]

    /// Every answer carries a request id, as AWS's do (SDKs report it as `$metadata.requestId` /
    /// `ResponseMetadata.RequestId`); operations that have their own (Invoke) set it first.
    func respond(to request: Request, context: Context) async throws -> Response {
        if let trail, let call = APICallClassifier.classify(request, isS3: ObjectRoutes.claims),
           trail.wants(source: call.source, name: call.name) {
            return try await respondRecording(request, call: call, trail: trail)
        }
        var caller: Caller?
        var response = try await route(request, caller: &caller)
        if response.headers[Gateway.requestIDField] == nil {
            response.headers[Gateway.requestIDField] = UUID().uuidString.lowercased()
        }
        return response
    }

    static let requestIDField = HTTPField.Name("x-amzn-RequestId")!

    func route(_ request: Request, caller callerOut: inout Caller?) async throws -> Response {
        // In every mode: no foreign web origins, no DNS-rebound Host names.
        let fromBrowser = BrowserGuard.isBrowser(userAgent: request.headers[.userAgent], secFetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!],
                                                 secFetchMode: request.headers[HTTPField.Name("Sec-Fetch-Mode")!])
        if let url = FunctionURLRoutes.claims(request) {
            // Still no DNS-rebound Host names (*.localhost is loopback); which web origins may read
            // the answer is the URL's own CORS configuration, as on AWS.
            if let refusal = BrowserGuard.refusal(host: request.head.authority, origin: nil, boundToLoopback: boundToLoopback,
                                                  fromBrowser: fromBrowser) {
                return FunctionURLRoutes.message(403, refusal)
            }
            return await functionURLs.respond(to: request, urlID: url.id, region: url.region, authorizer: authorizer)
        }
        if let refusal = BrowserGuard.refusal(host: request.head.authority, origin: request.headers[.origin],
                                              boundToLoopback: boundToLoopback, fromBrowser: fromBrowser,
                                              signaturesRequired: authorizer?.mode == .enforce) {
            return Response.wire(WireProtocol.restJSON.render(AWSError("AccessDeniedException", status: 403, refusal)))
        }
        if ObjectRoutes.claims(request) { return await objects.respond(to: request, authorizer: authorizer) }
        // Services Petrel does not serve get their own protocol's error, not the health JSON.
        if let unserved = UnservedService.detect(request) { return unserved }
        var request = request
        var caller = Caller.root(account: account.id)
        if let authorizer, let api = Authorizer.classify(request, isLambdaPath: { lambda.matches($0) }) {
            switch await authorizer.authorize(request, api: api) {
            case .refuse(let response): return response
            case .proceed(let checked, let who): (request, caller) = (checked, who)
            }
        }
        callerOut = caller
        if let answer = await queuesRoute(&request, caller: caller) { return answer }
        if request.uri.path == "/", let service = IdentityRoutes.queryService(request) {
            return await identity.respond(to: request, service: service, caller: caller)
        }
        if request.uri.path == "/_petrel/iam/audit", request.method == .get {
            return await identity.auditReport()
        }
        let region = request.headers[.authorization].flatMap { SigV4Credential(authorizationHeader: $0)?.region }
        let account = self.account.inRegion(region)
        if let target = request.headers[.init("X-Amz-Target")!] {
            if target.hasPrefix(CloudTrailService.targetPrefix), let trail {
                return await CloudTrailRoutes.respond(trail, target: target, request: request, account: account, internalErrors: internalErrors)
            }
            if let answer = await kinesisRoute(request, target: target, account: account) { return answer }
            if target.hasPrefix(CloudWatchRoutes.jsonTargetPrefix) {
                return await cloudWatch.respond(to: request, operation: String(target.dropFirst(CloudWatchRoutes.jsonTargetPrefix.count)),
                                                format: .json)
            }
            return Gateway.allowingCORS(await json(request, target: target, account: account), for: request)
        }
        let path = request.uri.path
        if request.method == .options, path == "/" {
            return Gateway.corsPreflight(request)
        }
        if (path == "/" && request.method == .get) || path == "/health" || path == "/_petrel/health" {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: Gateway.health))
        }
        if ConsoleRoutes.matches(path) {
            return await console.respond(to: request)
        }
        if eventInvokeConfigs.matches(path) {
            return await eventInvokeConfigs.respond(to: request, account: account)
        }
        if lambda.matches(path) {
            return await lambda.respond(to: request, account: account)
        }
        if cloudWatch.matches(path) {
            return await cloudWatch.respond(to: request)
        }
        if usage.matches(path) {
            return usage.respond(to: request)
        }
        if path == "/_petrel/status", request.method == .get {
            return await status.respond()
        }
        if path == "/metrics", request.method == .get {
            return await metrics.prometheus()
        }
        if path.hasPrefix("/_petrel/metrics/functions/"), request.method == .get {
            let name = String(path.dropFirst("/_petrel/metrics/functions/".count)).removingPercentEncoding ?? ""
            let minutes = request.uri.queryParameters["minutes"].flatMap { Int(String($0)) } ?? 60
            do {
                return try metrics.functionSeries(name, minutes: minutes)
            } catch {
                logger.error("Metrics read failed: \(error)")
                return Response.wire(WireProtocol.restJSON.render(.service()))
            }
        }
        if objects.ownsPath(request) { return await objects.respond(to: request, authorizer: authorizer) }
        return Response.wire(WireProtocol.restJSON.render(
            AWSError("UnknownOperationException", status: 404, "No operation at \(request.method) \(path). Petrel serves Lambda (/2015-03-31/…), DynamoDB, DynamoDB Streams, CloudWatch Logs and S3 (/bucket/key of an existing bucket).")))
    }

    private func json(_ request: Request, target: String, account: Account) async -> Response {
        let parts = target.split(separator: ".", maxSplits: 1)
        let prefix = parts.first.map(String.init) ?? ""
        let operation = parts.count == 2 ? String(parts[1]) : ""
        let wire: WireProtocol = prefix.hasPrefix("Logs") || prefix == EventBridgeRoutes.targetPrefix ? .json11 : Gateway.dynamoDB
        let started = ContinuousClock.now
        var failed = true
        defer {
            // Only known services are counted, so a client cannot grow the label set at will.
            if Gateway.countedPrefixes.contains(prefix) {
                let (seconds, attoseconds) = started.duration(to: .now).components
                requests.record(target, seconds: Double(seconds) + Double(attoseconds) / 1e18, failed: failed)
            }
        }
        do {
            let body = Data(buffer: try await request.readBody(upTo: Gateway.maxJSONBody))
            let output: Data
            switch prefix {
            case "DynamoDB_20120810":
                output = try await tables.handle(operation: operation, body: body, region: account.region)
            case "DynamoDBStreams_20120810":
                output = try await tables.handleStreams(operation: operation, body: body, region: account.region)
            case "Logs_20140328":
                output = try await logs.handle(operation: operation, body: body, account: account)
            case EventBridgeRoutes.targetPrefix:
                output = try eventBridge.handle(operation: operation, body: body, account: account)
            default:
                throw AWSError.unknownOperation("Unknown target \(target). Petrel serves DynamoDB_20120810, DynamoDBStreams_20120810, Logs_20140328 and AWSEvents.")
            }
            failed = false
            return Response.wire(WireResponse(status: 200, headers: [("Content-Type", wire.contentType)], body: output))
        } catch let error as AWSError {
            return Response.wire(wire.render(error))
        } catch let error as RequestBodyError {
            return Response.wire(wire.render(error.awsError { .requestTooLarge("Request body is larger than \($0) bytes.") }))
        } catch {
            return Response.wire(wire.render(internalErrors.answer(error, code: InternalErrors.code(forTargetPrefix: prefix), context: target)))
        }
    }
}

extension Gateway {
    /// A browser's preflight for the JSON services (DynamoDB's endpoint is `POST /`): allowed
    /// from any origin, with whatever headers the SDK asks for, as DynamoDB answers it.
    static func corsPreflight(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .accessControlAllowOrigin: request.headers[.origin] ?? "*",
            .accessControlAllowMethods: "GET, POST, PUT, DELETE, OPTIONS",
            .accessControlMaxAge: "172800",
            .contentLength: "0",
        ]
        if let asked = request.headers[.accessControlRequestHeaders] { headers[.accessControlAllowHeaders] = asked }
        return Response(status: .ok, headers: headers)
    }

    /// The CORS headers a browser needs to read a JSON service's answer.
    static func allowingCORS(_ response: Response, for request: Request) -> Response {
        guard request.headers[.origin] != nil else { return response }
        var response = response
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = "x-amzn-RequestId, x-amzn-ErrorType, x-amz-crc32, Date"
        return response
    }
}

extension Response {
    static func wire(_ wire: WireResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in wire.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: .init(code: wire.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: wire.body)))
    }

    static func json(status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
