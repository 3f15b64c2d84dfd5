import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PetrelCore
import PetrelFunctions
import PetrelInvoker

/// Requests to a function URL (`http://<url-id>.lambda-url.<region>.localhost:<port>/…`): the
/// function runs synchronously with the HTTP API 2.0 event and its result becomes the HTTP
/// response, as AWS does it. Parsing and rendering only: the event and the response rules are
/// PetrelFunctions' `FunctionURLEvent`, `FunctionURLResponse` and `FunctionURLCORS`.
struct FunctionURLRoutes: Sendable {
    let urls: FunctionURLStore
    let functions: FunctionRegistry
    let invoker: Invoker
    let account: Account
    let logger: Logger

    /// The URL id when the request's Host names a function URL.
    static func claims(_ request: Request) -> (id: String, region: String)? {
        request.head.authority.flatMap(FunctionURLConfig.urlID(inHost:))
    }

    func respond(to request: Request, urlID: String, region: String, authorizer: Authorizer?) async -> Response {
        do {
            return try await serve(request, urlID: urlID, region: region, authorizer: authorizer)
        } catch let error as AWSError {
            return Self.message(error.status, error.message)
        } catch {
            logger.error("Function URL \(urlID): \(error)")
            return Self.message(500, "Internal Server Error")
        }
    }

    private func serve(_ request: Request, urlID: String, region: String, authorizer: Authorizer?) async throws -> Response {
        guard let config = try urls.find(urlID: urlID) else { return Self.message(404, "Not Found") }
        let origin = request.headers[.origin]
        if let cors = config.cors, request.method == .options, let origin, request.headers[.accessControlRequestMethod] != nil {
            return Self.response(FunctionURLResponse(status: 200, headers: FunctionURLCORS.preflight(origin: origin, cors: cors), body: Data()))
        }
        let account = self.account.inRegion(region)
        let arn = account.lambdaFunctionARN(config.functionName, qualifier: config.qualifier)
        var request = request
        var iamCaller: [String: String]?
        if config.authType == "AWS_IAM", let authorizer {
            switch await authorizer.authorizeFunctionURL(request, functionARN: arn, function: config.functionName, qualifier: config.qualifier) {
            case .refuse(let reason):
                logger.info("Function URL \(urlID): refused (\(reason))")
                return Self.message(403, "Forbidden")
            case .proceed(let checked, let caller):
                request = checked
                if let caller {
                    iamCaller = ["accessKey": caller.accessKeyID ?? "", "accountId": caller.principal.account,
                                 "callerId": caller.principal.userID, "userArn": caller.principal.arn, "userId": caller.principal.userID]
                }
            }
        }
        let body: ByteBuffer
        do {
            body = try await request.readBody(upTo: LambdaRoutes.maxInvokePayload)
        } catch {
            return Self.message(413, "Request must be smaller than \(LambdaRoutes.maxInvokePayload) bytes for the InvokeFunction operation")
        }
        let function = try functions.get(FunctionReference(name: config.functionName, qualifier: config.qualifier), account: account)
        let requestID = UUID().uuidString.lowercased()
        var headers: [(name: String, value: String)] = []
        for field in request.headers { headers.append((field.name.rawName, field.value)) }
        if let host = request.head.authority, !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.insert(("host", host), at: 0) }
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        let event = FunctionURLEvent.payload(FunctionURLRequest(
            method: request.method.rawValue, rawPath: request.uri.path, rawQueryString: request.uri.query ?? "", headers: headers,
            body: Data(buffer: body), sourceIP: forwarded ?? "127.0.0.1",
            domainName: FunctionURLConfig.hostName(urlID: urlID, region: region), urlID: urlID, accountID: account.id,
            requestID: requestID, time: Date(), iamCaller: iamCaller))
        let invocation = InvocationRequest(function: function, payload: event, requestID: requestID, invokedFunctionArn: arn)
        if config.invokeMode == "RESPONSE_STREAM" {
            return try await streamed(invocation, cors: config.cors.flatMap { cors in origin.map { (cors, $0) } })
        }
        let result: InvocationResult
        do {
            result = try await invoker.invoke(invocation)
        } catch let error as AWSError where error.status == 429 {
            return Self.message(429, "Rate Exceeded.")
        }
        return Self.response(Self.answer(result), requestID: requestID, cors: config.cors.flatMap { cors in origin.map { (cors, $0) } })
    }

    /// The HTTP answer for a function's buffered result.
    static func answer(_ result: InvocationResult) -> FunctionURLResponse {
        if case .success(let output) = result.outcome { return FunctionURLResponse.from(output: output) }
        return .badGateway
    }

    static func response(_ answer: FunctionURLResponse, requestID: String, cors: (FunctionURLCors, String)?) -> Response {
        var answer = answer
        if let (cors, origin) = cors {
            answer.headers.removeAll { FunctionURLCORS.isCORSHeader($0.name) }
            answer.headers += FunctionURLCORS.responseHeaders(origin: origin, cors: cors)
        }
        var response = Self.response(answer)
        response.headers[HTTPField.Name("x-amzn-RequestId")!] = requestID
        return response
    }

    /// A RESPONSE_STREAM URL: the body goes to the client as the function writes it. The head
    /// comes from `awslambda.HttpResponseStream.from`'s prelude when the function sent one,
    /// else it is 200 with the stream's content type; a function that answers in one piece is
    /// rendered as a buffered URL renders it.
    private func streamed(_ invocation: InvocationRequest, cors: (FunctionURLCors, String)?) async throws -> Response {
        var invocation = invocation
        let stream = ResponseStream()
        invocation.responseStream = stream
        let invoker = self.invoker
        let request = invocation
        Task { await stream.run { try await invoker.invoke(request) } }
        var events = stream.events.makeAsyncIterator()
        var prelude: StreamingPrelude?
        var head = FunctionURLResponse(status: 200, headers: [], body: Data())
        headLoop: while let event = await events.next() {
            switch event {
            case .refused(let error as AWSError) where error.status == 429:
                return Self.message(429, "Rate Exceeded.")
            case .refused(let error):
                throw error
            case .completed(let result):
                if stream.didStream, prelude == nil, case .success = result.outcome {
                    return Self.response(head, requestID: invocation.requestID, cors: cors)
                }
                return Self.response(stream.didStream ? .badGateway : Self.answer(result), requestID: invocation.requestID, cors: cors)
            case .started(let contentType):
                if contentType == StreamingPrelude.contentType {
                    prelude = StreamingPrelude()
                } else {
                    head.headers = [("Content-Type", contentType)]
                    break headLoop
                }
            case .chunk(let data):
                guard var reading = prelude else { head.body.append(data); break headLoop }
                switch reading.feed(data) {
                case .needMore: prelude = reading
                case .invalid: return Self.response(.badGateway, requestID: invocation.requestID, cors: cors)
                case .head(let parsed, let rest):
                    head = parsed
                    head.body = rest
                    break headLoop
                }
            }
        }
        let first = head.body
        head.body = Data()
        var response = Self.response(head, requestID: invocation.requestID, cors: cors)
        response.body = ResponseBody { writer in
            if !first.isEmpty { try await writer.write(ByteBuffer(bytes: first)) }
            for await event in stream.events {
                if case .chunk(let data) = event { try await writer.write(ByteBuffer(bytes: data)) }
            }
            try await writer.finish(nil)
        }
        return response
    }

    static func response(_ answer: FunctionURLResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// AWS's function URL errors: `{"Message": "…"}`.
    static func message(_ status: Int, _ text: String) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["Message": text])) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
