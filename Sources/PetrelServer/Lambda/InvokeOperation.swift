import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelInvoker

/// Invoke (RequestResponse, Event, DryRun) and the legacy InvokeAsync.
extension LambdaRoutes {
    func invoke(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let invocationType = request.headers[HTTPField.Name("X-Amz-Invocation-Type")!] ?? "RequestResponse"
        let logType = request.headers[HTTPField.Name("X-Amz-Log-Type")!] ?? "None"
        guard ["RequestResponse", "Event", "DryRun"].contains(invocationType) else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(invocationType)' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        }
        guard ["None", "Tail"].contains(logType) else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(logType)' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]")
        }
        let limit = invocationType == "Event" ? Self.maxAsyncPayload : Self.maxInvokePayload
        let payload = try await payloadData(request, limit: limit, operation: "Invoke")
        let function = try functions.get(ref, account: account)
        let requestID = UUID().uuidString.lowercased()
        var headers: HTTPFields = [HTTPField.Name("x-amzn-RequestId")!: requestID]
        switch invocationType {
        case "DryRun":
            return Response(status: .noContent, headers: headers)
        case "Event":
            try asyncQueue.enqueue(functionName: function.name, qualifier: ref.qualifier, payload: payload,
                                   requestID: requestID, region: account.region)
            return Response(status: .accepted, headers: headers)
        default:
            break
        }
        let clientContext = request.headers[HTTPField.Name("X-Amz-Client-Context")!]
            .flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        let result = try await invoker.invoke(InvocationRequest(
            function: function, payload: payload, requestID: requestID,
            invokedFunctionArn: account.lambdaFunctionARN(function.name, qualifier: ref.qualifier),
            clientContext: clientContext, wantsLogTail: logType == "Tail"))
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("X-Amz-Executed-Version")!] = result.executedVersion
        if result.isError {
            headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
        }
        if logType == "Tail" {
            headers[HTTPField.Name("X-Amz-Log-Result")!] = Data(Self.lastBytes(of: result.logTail, limit: 4096).utf8).base64EncodedString()
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.payload)))
    }

    /// `POST /2014-11-13/functions/{name}/invoke-async/`: queue an event, answer `{"Status": 202}`.
    func invokeAsync(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let payload = try await payloadData(request, limit: Self.maxAsyncPayload, operation: "InvokeAsync")
        let function = try functions.get(ref, account: account)
        try asyncQueue.enqueue(functionName: function.name, qualifier: nil, payload: payload,
                               requestID: UUID().uuidString.lowercased(), region: account.region)
        return try json(["Status": 202], status: .accepted)
    }

    /// The request body, checked against Lambda's size limit and for being JSON; `{}` when empty.
    func payloadData(_ request: Request, limit: Int, operation: String) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw error.awsError { .requestTooLarge("Request must be smaller than \($0) bytes for the \(operation) operation") }
        }
        let data = Data(buffer: buffer)
        if !data.isEmpty, (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil {
            throw AWSError("InvalidRequestContentException", status: 400,
                           "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
        }
        // No payload is an empty JSON object, as on AWS (`aws lambda invoke --function-name f out.json`).
        return data.isEmpty ? Self.emptyPayload : data
    }

    static let emptyPayload = Data("{}".utf8)

    /// The last `limit` bytes of a log, cut at a character boundary.
    static func lastBytes(of text: String, limit: Int) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.count > limit else { return text }
        var start = utf8.count - limit
        while start < utf8.count, utf8[start] & 0xC0 == 0x80 { start += 1 }
        return String(decoding: utf8[start...], as: UTF8.self)
    }
}
