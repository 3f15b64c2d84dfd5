import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelWire

/// Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s) (`/2019-09-25/functions/NAME/event-invoke-config`):
/// parse, validate as Lambda does, store, render.
struct EventInvokeConfigRoutes: Sendable {
    let configs: EventInvokeConfigStore
    let functions: FunctionRegistry

    static let prefix = "/2019-09-25/functions/"

    func matches(_ path: String) -> Bool {
        path.hasPrefix(Self.prefix) && (path.hasSuffix("/event-invoke-config") || path.hasSuffix("/event-invoke-config/list"))
    }

    func respond(to request: Request, account: Account) async -> Response {
        do {
            return try await route(request, account: account)
        } catch let error as AWSError {
            return Response.wire(WireProtocol.restJSON.render(error))
        } catch let error as RequestBodyError {
            return Response.wire(WireProtocol.restJSON.render(error.awsError { .requestTooLarge("Request must be smaller than \($0) bytes.") }))
        } catch {
            return Response.wire(WireProtocol.restJSON.render(.service()))
        }
    }

    func route(_ request: Request, account: Account) async throws -> Response {
        let segments = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let query = request.uri.queryParameters
        let ref = try FunctionReference.parse(segments[2], qualifier: query["Qualifier"].map(String.init), region: account.region)
        let function = try functions.get(FunctionReference(name: ref.name), account: account)
        if segments.count == 5 {
            guard request.method == .get else { throw Self.noOperation(request) }
            var items = try configs.list(region: account.region, function: function.name).map { Self.shape($0, account: account) }
            let marker = query["Marker"].flatMap { Int(String($0)) } ?? 0
            let maxItems = query["MaxItems"].flatMap { Int(String($0)) } ?? 50
            guard (1...50).contains(maxItems) else { throw AWSError.invalidParameter("MaxItems must be between 1 and 50.") }
            items = Array(items.dropFirst(marker))
            var out: [String: Any] = ["FunctionEventInvokeConfigs": Array(items.prefix(maxItems))]
            if items.count > maxItems { out["NextMarker"] = String(marker + maxItems) }
            return Response.json(status: .ok, out)
        }
        let qualifier = ref.qualifier ?? "$LATEST"
        if qualifier != "$LATEST" {
            _ = try functions.get(FunctionReference(name: function.name, qualifier: qualifier), account: account)
        }
        let arn = account.lambdaFunctionARN(function.name, qualifier: qualifier)
        switch request.method {
        case .get:
            guard let config = try configs.get(region: account.region, function: function.name, qualifier: qualifier) else {
                throw AWSError.resourceNotFound("The function \(arn) doesn't have an EventInvokeConfig")
            }
            return Response.json(status: .ok, Self.shape(config, account: account))
        case .delete:
            guard try configs.delete(region: account.region, function: function.name, qualifier: qualifier) else {
                throw AWSError.resourceNotFound("The function \(arn) doesn't have an EventInvokeConfig")
            }
            return Response(status: .noContent)
        case .put, .post:
            let body = try await request.readBody(upTo: 256 * 1024)
            guard let input = (body.readableBytes == 0 ? [:] : try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
                throw AWSError("InvalidRequestContentException", status: 400, "Could not parse request body into json")
            }
            var config = EventInvokeConfigStore.Config(functionName: function.name, qualifier: qualifier, region: account.region,
                                                       lastModified: Date().timeIntervalSince1970)
            if request.method == .post {
                guard let existing = try configs.get(region: account.region, function: function.name, qualifier: qualifier) else {
                    throw AWSError.resourceNotFound("The function \(arn) doesn't have an EventInvokeConfig")
                }
                config = existing
                config.lastModified = Date().timeIntervalSince1970
            }
            try Self.apply(input, to: &config, replacing: request.method == .put)
            try configs.put(config)
            return Response.json(status: .ok, Self.shape(config, account: account))
        default:
            throw Self.noOperation(request)
        }
    }

    static func noOperation(_ request: Request) -> AWSError {
        AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
    }

    /// Applies a Put (replacing every setting) or an Update (only those given).
    static func apply(_ input: [String: Any], to config: inout EventInvokeConfigStore.Config, replacing: Bool) throws {
        if replacing || input["MaximumRetryAttempts"] != nil {
            config.maximumRetryAttempts = try int(input["MaximumRetryAttempts"], "maximumRetryAttempts", 0...2)
        }
        if replacing || input["MaximumEventAgeInSeconds"] != nil {
            config.maximumEventAgeInSeconds = try int(input["MaximumEventAgeInSeconds"], "maximumEventAgeInSeconds", 60...21_600)
        }
        if replacing || input["DestinationConfig"] != nil {
            let destinations = input["DestinationConfig"] as? [String: Any] ?? [:]
            config.onSuccess = (destinations["OnSuccess"] as? [String: Any])?["Destination"] as? String
            config.onFailure = (destinations["OnFailure"] as? [String: Any])?["Destination"] as? String
            for arn in [config.onSuccess, config.onFailure].compactMap({ $0 }) where AsyncDestinations.kind(arn) == nil {
                throw AWSError.invalidParameter("The destination ARN \(arn) is invalid. Petrel delivers to SQS queues (arn:aws:sqs:…), Lambda functions (arn:aws:lambda:…) and EventBridge buses (arn:aws:events:…:event-bus/…).")
            }
        }
    }

    static func int(_ value: Any?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard let number = value as? NSNumber, number.doubleValue.rounded() == number.doubleValue else {
            throw AWSError("InvalidRequestContentException", status: 400, "Could not parse request body into json: \(name) must be an integer")
        }
        guard range.contains(number.intValue) else {
            let bound = number.intValue < range.lowerBound ? "greater than or equal to \(range.lowerBound)" : "less than or equal to \(range.upperBound)"
            throw AWSError.validation("1 validation error detected: Value '\(number.intValue)' at '\(name)' failed to satisfy constraint: Member must have value \(bound)")
        }
        return number.intValue
    }

    static func shape(_ c: EventInvokeConfigStore.Config, account: Account) -> [String: Any] {
        var out: [String: Any] = [
            "FunctionArn": account.inRegion(c.region).lambdaFunctionARN(c.functionName, qualifier: c.qualifier),
            "LastModified": c.lastModified,
            "DestinationConfig": [
                "OnSuccess": c.onSuccess.map { ["Destination": $0] } ?? [String: String](),
                "OnFailure": c.onFailure.map { ["Destination": $0] } ?? [String: String](),
            ],
        ]
        if let r = c.maximumRetryAttempts { out["MaximumRetryAttempts"] = r }
        if let a = c.maximumEventAgeInSeconds { out["MaximumEventAgeInSeconds"] = a }
        return out
    }
}
