import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelCore
import PetrelFunctions
import PetrelInvoker
import PetrelWire

/// InvokeWithResponseStream: the function's response as an event stream of `PayloadChunk`
/// events, as the runtime produces them, closed by `InvokeComplete`. A function that answers in
/// one piece (no `streamifyResponse`) arrives as one chunk. Refusals (throttling, a bad request)
/// are ordinary errors: the stream starts only once an instance has taken the invocation.
extension LambdaRoutes {
    func invokeWithResponseStream(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let invocationType = request.headers[HTTPField.Name("X-Amz-Invocation-Type")!] ?? "RequestResponse"
        let logType = request.headers[HTTPField.Name("X-Amz-Log-Type")!] ?? "None"
        guard ["RequestResponse", "DryRun"].contains(invocationType) else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(invocationType)' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]")
        }
        guard ["None", "Tail"].contains(logType) else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(logType)' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]")
        }
        let payload = try await payloadData(request, limit: Self.maxInvokePayload, operation: "InvokeWithResponseStream")
        let function = try functions.get(ref, account: account)
        let requestID = UUID().uuidString.lowercased()
        var headers: HTTPFields = [HTTPField.Name("x-amzn-RequestId")!: requestID]
        if invocationType == "DryRun" { return Response(status: .noContent, headers: headers) }
        let clientContext = request.headers[HTTPField.Name("X-Amz-Client-Context")!]
            .flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        let stream = ResponseStream()
        let invocation = InvocationRequest(function: function, payload: payload, requestID: requestID,
                                           invokedFunctionArn: account.lambdaFunctionARN(function.name, qualifier: ref.qualifier),
                                           clientContext: clientContext, wantsLogTail: logType == "Tail", responseStream: stream)
        let invoker = self.invoker
        Task { await stream.run { try await invoker.invoke(invocation) } }
        var events = stream.events.makeAsyncIterator()
        guard let first = await events.next() else { throw AWSError.service("The invocation ended without a result.") }
        if case .refused(let error) = first { throw error }
        headers[.contentType] = "application/vnd.amazon.eventstream"
        headers[HTTPField.Name("X-Amz-Executed-Version")!] = function.version
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var next: ResponseStream.Event? = first
            var rest = stream.events.makeAsyncIterator()
            while let event = next {
                switch event {
                case .started, .refused:
                    break
                case .chunk(let data):
                    try await writer.write(Self.payloadChunk(data))
                case .completed(let result):
                    if !stream.didStream, case .success(let data) = result.outcome, !data.isEmpty {
                        try await writer.write(Self.payloadChunk(data))
                    }
                    try await writer.write(Self.invokeComplete(result, tail: logType == "Tail"))
                }
                next = await rest.next()
            }
            try await writer.finish(nil)
        })
    }

    static func payloadChunk(_ data: Data) -> ByteBuffer {
        ByteBuffer(bytes: EventStreamMessage.event("PayloadChunk", contentType: "application/octet-stream", payload: data).encoded())
    }

    /// `InvokeComplete`: the error a failed invocation ended with (its type and message), and
    /// the log tail when asked for.
    static func invokeComplete(_ result: InvocationResult, tail: Bool) -> ByteBuffer {
        var body: [String: String] = [:]
        if result.isError {
            let document = (try? JSONSerialization.jsonObject(with: result.payload)) as? [String: Any]
            body["ErrorCode"] = document?["errorType"] as? String ?? "Unhandled"
            body["ErrorDetails"] = document?["errorMessage"] as? String ?? String(decoding: result.payload, as: UTF8.self)
        }
        if tail { body["LogResult"] = Data(lastBytes(of: result.logTail, limit: 4096).utf8).base64EncodedString() }
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(bytes: EventStreamMessage.event("InvokeComplete", contentType: "application/json", payload: json).encoded())
    }
}
