import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// Create/Get/Update/Delete/ListFunctionUrlConfig(s) (`/2021-10-31/functions/{name}/url[s]`),
/// shapes from botocore's lambda model. Requests to the URLs themselves: FunctionURLRoutes.
extension LambdaRoutes {
    struct FunctionURLInput: Decodable {
        var AuthType: String?
        var Cors: FunctionURLCors?
        var InvokeMode: String?
    }

    struct FunctionURLOutput: Encodable {
        var FunctionUrl: String
        var FunctionArn: String
        var AuthType: String
        var Cors: FunctionURLCors?
        var CreationTime: String
        var LastModifiedTime: String?
        var InvokeMode: String
    }

    func functionURLs(_ request: Request, function: String, list: Bool, account: Account) async throws -> Response {
        let name = try FunctionReference.parse(function, region: account.region).name
        let qualifier = request.uri.queryParameters["Qualifier"].map(String.init)
        if let qualifier { try FunctionURLRules.validateQualifier(qualifier) }
        // The function, and the alias a qualifier names, must exist.
        _ = try functions.get(FunctionReference(name: name, qualifier: qualifier), account: account, weighted: false)
        if list {
            guard request.method == .get else { throw Self.noOperation(request) }
            let limit = try maxItems(request.uri.queryParameters["MaxItems"].map(String.init), default: 50)
            let all = try functionURLStore.list(function: name)
            let start = request.uri.queryParameters["Marker"].flatMap { Int(String($0)) } ?? 0
            let page = Array(all.dropFirst(start).prefix(limit))
            let next = start + page.count < all.count ? String(start + page.count) : nil
            var body: [String: Any] = ["FunctionUrlConfigs": try page.map { try jsonObject(output($0, account: account, withModified: true)) }]
            if let next { body["NextMarker"] = next }
            return Response.json(status: .ok, body)
        }
        switch request.method {
        case .post:
            let input = try await decode(FunctionURLInput.self, from: request)
            guard let authType = input.AuthType else {
                throw AWSError.validation("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null")
            }
            try FunctionURLRules.validate(authType: authType, invokeMode: input.InvokeMode, cors: input.Cors)
            let now = Date()
            let config = try functionURLStore.create(FunctionURLConfig(
                urlID: FunctionURLRules.newURLID(), functionName: name, qualifier: qualifier, authType: authType, cors: input.Cors,
                invokeMode: input.InvokeMode ?? "BUFFERED", creationTime: now, lastModifiedTime: now))
            logger.info("Function \(name)\(qualifier.map { ":" + $0 } ?? ""): URL \(functionURL(config, account: account))")
            return try json(output(config, account: account, withModified: false), status: .created)
        case .get:
            return try json(output(try existingURL(name, qualifier), account: account, withModified: true))
        case .put:
            let input = try await decode(FunctionURLInput.self, from: request)
            try FunctionURLRules.validate(authType: input.AuthType, invokeMode: input.InvokeMode, cors: input.Cors)
            var config = try existingURL(name, qualifier)
            if let authType = input.AuthType { config.authType = authType }
            if let cors = input.Cors { config.cors = cors }
            if let mode = input.InvokeMode { config.invokeMode = mode }
            config.lastModifiedTime = Date()
            try functionURLStore.update(config)
            return try json(output(config, account: account, withModified: true))
        case .delete:
            guard try functionURLStore.delete(function: name, qualifier: qualifier) else { throw Self.urlNotFound(name, qualifier) }
            return Response(status: .noContent)
        default:
            throw Self.noOperation(request)
        }
    }

    private func existingURL(_ name: String, _ qualifier: String?) throws -> FunctionURLConfig {
        guard let config = try functionURLStore.get(function: name, qualifier: qualifier) else { throw Self.urlNotFound(name, qualifier) }
        return config
    }

    static func urlNotFound(_ name: String, _ qualifier: String?) -> AWSError {
        .resourceNotFound("The resource you requested does not exist.")
    }

    static func noOperation(_ request: Request) -> AWSError {
        AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
    }

    /// `http://<url-id>.lambda-url.<region>.localhost:<port>/`.
    func functionURL(_ config: FunctionURLConfig, account: Account) -> String {
        let port = URL(string: endpoint)?.port.map { ":\($0)" } ?? ""
        return "http://\(FunctionURLConfig.hostName(urlID: config.urlID, region: account.region))\(port)/"
    }

    private func output(_ config: FunctionURLConfig, account: Account, withModified: Bool) -> FunctionURLOutput {
        FunctionURLOutput(FunctionUrl: functionURL(config, account: account),
                          FunctionArn: account.lambdaFunctionARN(config.functionName, qualifier: config.qualifier),
                          AuthType: config.authType, Cors: config.cors, CreationTime: Self.timestamp(config.creationTime),
                          LastModifiedTime: withModified ? Self.timestamp(config.lastModifiedTime) : nil, InvokeMode: config.invokeMode)
    }

    private func jsonObject<T: Encodable>(_ value: T) throws -> Any {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
    }

    /// `2026-12-02T11:38:42.123Z`, as AWS writes these timestamps.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
