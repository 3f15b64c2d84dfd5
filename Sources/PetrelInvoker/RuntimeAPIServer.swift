import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PetrelSandbox

/// An invocation as the Runtime API hands it to a runtime.
struct RuntimeInvocation: Sendable {
    var requestID: String
    var payload: Data
    var deadlineMs: Int64
    var functionArn: String
    var traceID: String
    var clientContext: String?
    var cognitoIdentity: String?
}

/// What the Runtime API server answers a runtime's POST with.
struct RuntimeAPIReply: Sendable, Equatable {
    var status: Int
    var body: String

    static let accepted = RuntimeAPIReply(status: 202, body: #"{"status":"OK"}"#)
    static func invalidRequestID(_ id: String) -> RuntimeAPIReply {
        RuntimeAPIReply(status: 400, body: #"{"errorMessage":"Invalid request ID: \#(id)","errorType":"InvalidRequestID"}"#)
    }
}

/// The invoker's side of one instance's Runtime API.
protocol RuntimeAPIBackend: Sendable {
    /// The next invocation; nil when the instance is being retired (the connection closes).
    func next() async -> RuntimeInvocation?
    func respond(requestID: String, body: Data) async -> RuntimeAPIReply
    func error(requestID: String, body: Data, errorType: String?) async -> RuntimeAPIReply
    func initError(body: Data, errorType: String?) async -> RuntimeAPIReply
    func responseTooLarge(requestID: String) async -> RuntimeAPIReply
    /// The caller's stream when the runtime answers `requestID` in streaming mode and the
    /// caller wants it streamed; nil means buffer the answer as usual.
    func responseStream(requestID: String) async -> ResponseStream?
    /// A blank (pre-warmed) runtime's function environment, as JSON; nil stops it.
    func assignment() async -> Data?
}

/// The routes of the Lambda Runtime API (2018-06-01).
enum RuntimeAPIRoute: Equatable {
    case next
    case response(requestID: String)
    case error(requestID: String)
    case initError
    /// Petrel's own: a pre-warmed runtime waits here for the function it will serve.
    case assignment
    case unknown

    static func parse(method: HTTPMethod, uri: String) -> RuntimeAPIRoute {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "2018-06-01", parts[1] == "runtime" else { return .unknown }
        let rest = Array(parts.dropFirst(2))
        if method == .GET, rest == ["invocation", "next"] { return .next }
        if method == .POST, rest == ["init", "error"] { return .initError }
        if method == .GET, rest == ["petrel", "assignment"] { return .assignment }
        if method == .POST, rest.count == 3, rest[0] == "invocation" {
            if rest[2] == "response" { return .response(requestID: rest[1]) }
            if rest[2] == "error" { return .error(requestID: rest[1]) }
        }
        return .unknown
    }
}

/// One instance's Runtime API: a listener on a loopback port of its own, so an instance can
/// only ever answer for the invocations handed to it; each connection is served only if the
/// kernel says its instance made it (`RuntimeAPIPeers`), so no other function can take them.
struct RuntimeAPIServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    let channel: NIOAsyncChannel<Connection, Never>
    /// Lambda's limit on a synchronous response.
    static let maxResponseBytes = 6 * 1024 * 1024 + 100

    var port: Int { channel.channel.localAddress?.port ?? 0 }

    static func bind(group: any EventLoopGroup) async throws -> RuntimeAPIServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: child)
                }
            }
        return RuntimeAPIServer(channel: channel)
    }

    /// Serves connections until cancelled; a connection `peers` does not admit is closed
    /// unread.
    func serve(_ backend: some RuntimeAPIBackend, peers: RuntimeAPIPeers = .anyone) async {
        try? await channel.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask {
                        guard Self.admits(connection.channel, peers) else {
                            try? await connection.executeThenClose { _, _ in }
                            return
                        }
                        await Self.handle(connection, backend: backend)
                    }
                }
            }
        }
    }

    /// Asks the kernel who made the connecting socket (once per connection: Petrel's runtimes
    /// keep theirs for the instance's life).
    static func admits(_ channel: any Channel, _ peers: RuntimeAPIPeers) -> Bool {
        guard peers.uids != nil else { return true }
        guard case .v4(let client)? = channel.remoteAddress, case .v4(let server)? = channel.localAddress else { return false }
        return peers.admits(clientAddress: client.address.sin_addr.s_addr, clientPort: Int(UInt16(bigEndian: client.address.sin_port)),
                            serverAddress: server.address.sin_addr.s_addr, serverPort: Int(UInt16(bigEndian: server.address.sin_port)))
    }

    private static func handle(_ connection: Connection, backend: some RuntimeAPIBackend) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            var oversized = false
            // A response posted in streaming mode goes to the caller's stream as it arrives.
            var stream: ResponseStream?
            var streamedBytes = 0
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                    oversized = false
                    stream = nil
                    streamedBytes = 0
                    if case .response(let id) = RuntimeAPIRoute.parse(method: h.method, uri: h.uri),
                       h.headers.first(name: responseModeHeader)?.lowercased() == "streaming",
                       let sink = await backend.responseStream(requestID: id) {
                        sink.start(contentType: h.headers.first(name: "Content-Type") ?? "application/octet-stream")
                        stream = sink
                    }
                case .body(var chunk):
                    if let stream {
                        streamedBytes += chunk.readableBytes
                        if streamedBytes > ResponseStream.maxBytes {
                            oversized = true
                        } else if !oversized {
                            stream.write(Data(chunk.readableBytesView))
                        }
                    } else if body.readableBytes + chunk.readableBytes > maxResponseBytes {
                        oversized = true
                    } else {
                        body.writeBuffer(&chunk)
                    }
                case .end(let trailers):
                    guard var request = head else { continue }
                    var route = RuntimeAPIRoute.parse(method: request.method, uri: request.uri)
                    // A streamed answer that failed part-way names its error in trailers.
                    if case .response(let id) = route, let trailers, let type = trailers.first(name: errorTypeHeader) {
                        route = .error(requestID: id)
                        request.headers.replaceOrAdd(name: errorTypeHeader, value: type)
                        body.clear()
                        body.writeBytes(Data(base64Encoded: trailers.first(name: errorBodyHeader) ?? "") ?? Data())
                        oversized = false
                    }
                    let keepAlive = request.isKeepAlive
                    if case .next = route {
                        guard let invocation = await backend.next() else { return }
                        try await write(outbound, status: .ok, headers: headers(for: invocation), body: invocation.payload, keepAlive: keepAlive)
                    } else if case .assignment = route {
                        guard let assignment = await backend.assignment() else { return }
                        try await write(outbound, status: .ok, headers: [("Content-Type", "application/json")], body: assignment, keepAlive: keepAlive)
                    } else {
                        let reply = await dispatch(route, request: request, body: body, oversized: oversized, backend: backend)
                        if reply == .accepted, thenNext(route, request) {
                            // Petrel's runtimes ask for their next invocation with their answer:
                            // one exchange per invocation instead of two.
                            guard let invocation = await backend.next() else { return }
                            try await write(outbound, status: .ok, headers: headers(for: invocation), body: invocation.payload, keepAlive: keepAlive)
                        } else {
                            try await write(outbound, status: HTTPResponseStatus(statusCode: reply.status), headers: [("Content-Type", "application/json")],
                                            body: Data(reply.body.utf8), keepAlive: keepAlive)
                        }
                    }
                    if !keepAlive { return }
                }
            }
        }
    }

    /// The header with which a runtime's answer also asks for its next invocation (Petrel's
    /// own runtimes send it; AWS's Runtime API has no such thing, and other runtimes never see it).
    static let thenNextHeader = "Petrel-Then-Next"
    static let responseModeHeader = "Lambda-Runtime-Function-Response-Mode"
    static let errorTypeHeader = "Lambda-Runtime-Function-Error-Type"
    static let errorBodyHeader = "Lambda-Runtime-Function-Error-Body"

    static func thenNext(_ route: RuntimeAPIRoute, _ request: HTTPRequestHead) -> Bool {
        switch route {
        case .response, .error: return request.headers.first(name: thenNextHeader) == "1"
        default: return false
        }
    }

    private static func dispatch(_ route: RuntimeAPIRoute, request: HTTPRequestHead, body: ByteBuffer, oversized: Bool,
                                 backend: some RuntimeAPIBackend) async -> RuntimeAPIReply {
        let data = Data(body.readableBytesView)
        let errorType = request.headers.first(name: errorTypeHeader)
        switch route {
        case .response(let id):
            if oversized { return await backend.responseTooLarge(requestID: id) }
            return await backend.respond(requestID: id, body: data)
        case .error(let id):
            return await backend.error(requestID: id, body: data, errorType: errorType)
        case .initError:
            return await backend.initError(body: data, errorType: errorType)
        case .next, .assignment, .unknown:
            return RuntimeAPIReply(status: 404, body: #"{"errorMessage":"Unknown Runtime API route \#(request.method) \#(request.uri)","errorType":"InvalidRequest"}"#)
        }
    }

    private static func headers(for invocation: RuntimeInvocation) -> [(String, String)] {
        var headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.requestID),
            ("Lambda-Runtime-Deadline-Ms", String(invocation.deadlineMs)),
            ("Lambda-Runtime-Invoked-Function-Arn", invocation.functionArn),
            ("Lambda-Runtime-Trace-Id", invocation.traceID),
        ]
        if let context = invocation.clientContext { headers.append(("Lambda-Runtime-Client-Context", context)) }
        if let identity = invocation.cognitoIdentity { headers.append(("Lambda-Runtime-Cognito-Identity", identity)) }
        return headers
    }

    private static func write(_ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, status: HTTPResponseStatus,
                              headers: [(String, String)], body: Data, keepAlive: Bool) async throws {
        var fields = HTTPHeaders(headers)
        fields.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { fields.add(name: "Connection", value: "close") }
        try await outbound.write(contentsOf: [
            .head(HTTPResponseHead(version: .http1_1, status: status, headers: fields)),
            .body(.byteBuffer(ByteBuffer(bytes: body))),
            .end(nil),
        ])
    }
}
