import Foundation
import HTTPTypes
import Hummingbird
import PetrelCore
import PetrelTrail
import PetrelWire

/// AWS CloudTrail (`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`, JSON 1.1).
enum CloudTrailRoutes {
    static func respond(_ trail: CloudTrailService, target: String, request: Request, account: Account,
                        internalErrors: InternalErrors) async -> Response {
        let operation = String(target.dropFirst(CloudTrailService.targetPrefix.count + 1))
        do {
            let body = Data(buffer: try await request.readBody(upTo: 1024 * 1024))
            let output = try trail.handle(operation: operation, body: body, region: account.region)
            return Response.wire(WireResponse(status: 200, headers: [("Content-Type", WireProtocol.json11.contentType)], body: output))
        } catch let error as AWSError {
            return Response.wire(WireProtocol.json11.render(error))
        } catch let error as RequestBodyError {
            return Response.wire(WireProtocol.json11.render(error.awsError { .requestTooLarge("Request body is larger than \($0) bytes.") }))
        } catch {
            return Response.wire(WireProtocol.json11.render(internalErrors.answer(error, code: "CloudTrailException", context: target)))
        }
    }
}

extension Gateway {
    static let maxRecordedBody = 64 * 1024
    /// Lambda's management calls carry code: their names are in the same JSON, read whole anyway.
    static let maxRecordedLambdaBody = 6 * 1024 * 1024

    /// Serves a request and hands CloudTrail what it needs to record it: small bodies are
    /// buffered first (they were to be read whole anyway); the record is built later, off this path.
    func respondRecording(_ request: Request, call: APICallClassifier.Call, trail: CloudTrailService) async throws -> Response {
        var request = request
        var body: Data?
        let limit = call.source == "lambda.amazonaws.com" ? Self.maxRecordedLambdaBody : Self.maxRecordedBody
        if call.wantsBody, let length = request.headers[.contentLength].flatMap(Int.init), length <= limit {
            do {
                let buffer = try await request.body.collect(upTo: limit)
                request.body = .init(buffer: buffer)
                body = Data(buffer: buffer)
            } catch {
                return Response.wire(WireProtocol.restJSON.render(.serialization("Could not read the request body: \(error)")))
            }
        }
        var name = call.name
        if name.isEmpty {
            name = body.flatMap(APICallClassifier.action) ?? request.uri.queryParameters["Action"].map(String.init) ?? ""
            guard !name.isEmpty else {
                var caller: Caller?
                return try await route(request, caller: &caller)
            }
        }
        var caller: Caller?
        var response = try await route(request, caller: &caller)
        if response.headers[Gateway.requestIDField] == nil {
            response.headers[Gateway.requestIDField] = UUID().uuidString.lowercased()
        }
        let region = request.headers[.authorization].flatMap { SigV4Credential(authorizationHeader: $0)?.region } ?? account.region
        let status = Int(response.status.code)
        let errorCode = status >= 400 ? (response.headers[HTTPField.Name("x-amzn-ErrorType")!].map { String($0.split(separator: ":").first ?? "") }
            ?? "HTTP\(status)") : nil
        var query: [String: String] = [:]
        if call.source != "s3.amazonaws.com" {
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
        }
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        trail.record(APICall(
            time: Date(), eventSource: call.source, eventName: name, region: region,
            sourceIPAddress: forwarded ?? "127.0.0.1", userAgent: request.headers[.userAgent] ?? "",
            identity: APICallClassifier.identity(caller, account: account.id), body: body, pathParameters: call.path,
            queryParameters: query, status: status, errorCode: errorCode, errorMessage: nil, responseBody: nil,
            requestID: response.headers[Gateway.requestIDField] ?? response.headers[HTTPField.Name("x-amz-request-id")!] ?? ""))
        return response
    }
}
