import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// Create/Get/Update/Delete/ListAliases. An alias points at a version, and with a routing
/// configuration sends a share of the invocations to a second version.
extension LambdaRoutes {
    struct AliasRequest: Decodable {
        var Name: String?
        var FunctionVersion: String?
        var Description: String?
        var RoutingConfig: RoutingConfig?
        var RevisionId: String?

        struct RoutingConfig: Decodable {
            var AdditionalVersionWeights: [String: Double]?
        }
    }

    /// Routes `/2015-03-31/functions/{name}/aliases[/{alias}]`.
    func aliases(_ request: Request, function raw: String, alias: String?, account: Account) async throws -> Response {
        let function = try FunctionReference.parse(raw, region: account.region).name
        switch (request.method, alias) {
        case (.post, nil): return try await createAlias(request, function: function, account: account)
        case (.get, nil): return try listAliases(request, function: function, account: account)
        case (.get, let name?): return try aliasShape(try requireAlias(function, name, account: account), account: account)
        case (.put, let name?): return try await updateAlias(request, function: function, name: name, account: account)
        case (.delete, let name?):
            try AliasRules.validateName(name)
            try functions.aliases.delete(function: function, name: name)
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }

    private func createAlias(_ request: Request, function: String, account: Account) async throws -> Response {
        let input = try await decode(AliasRequest.self, from: request)
        guard let name = input.Name else { throw AWSError.validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null") }
        guard let version = input.FunctionVersion else {
            throw AWSError.validation("1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null")
        }
        try AliasRules.validateName(name)
        try AliasRules.validateVersion(version)
        let weights = input.RoutingConfig?.AdditionalVersionWeights ?? [:]
        try AliasRules.validateRouting(weights, primary: version)
        try requireVersions(function, [version] + weights.keys, account: account)
        let alias = FunctionAlias(functionName: function, name: name, functionVersion: version, description: input.Description ?? "",
                                  additionalVersionWeights: weights, revisionId: UUID().uuidString.lowercased())
        guard try functions.aliases.insert(alias) else {
            throw AWSError.resourceConflict("Alias already exists: \(account.lambdaFunctionARN(function, qualifier: name))")
        }
        return try aliasShape(alias, account: account, status: .created)
    }

    private func updateAlias(_ request: Request, function: String, name: String, account: Account) async throws -> Response {
        let input = try await decode(AliasRequest.self, from: request)
        var alias = try requireAlias(function, name, account: account)
        if let expected = input.RevisionId, expected != alias.revisionId { throw Self.aliasRevisionMismatch }
        let previousRevision = alias.revisionId
        if let version = input.FunctionVersion {
            try AliasRules.validateVersion(version)
            alias.functionVersion = version
        }
        if let description = input.Description { alias.description = description }
        if let routing = input.RoutingConfig { alias.additionalVersionWeights = routing.AdditionalVersionWeights ?? [:] }
        try AliasRules.validateRouting(alias.additionalVersionWeights, primary: alias.functionVersion)
        try requireVersions(function, [alias.functionVersion] + alias.additionalVersionWeights.keys, account: account)
        alias.revisionId = UUID().uuidString.lowercased()
        guard try functions.aliases.replace(alias, expectedRevision: previousRevision) else { throw Self.aliasRevisionMismatch }
        return try aliasShape(alias, account: account)
    }

    private func listAliases(_ request: Request, function: String, account: Account) throws -> Response {
        _ = try functions.get(FunctionReference(name: function), account: account, weighted: false)
        let query = request.uri.queryParameters
        var all = try functions.aliases.list(function: function)
        if let version = query["FunctionVersion"].map(String.init) {
            all = all.filter { $0.functionVersion == version || $0.additionalVersionWeights[version] != nil }
        }
        let maxItems = try query["MaxItems"].map { raw -> Int in
            guard let n = Int(raw), (1...10_000).contains(n) else {
                throw AWSError.validation("1 validation error detected: Value '\(raw)' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000")
            }
            return n
        } ?? 50
        let start = query["Marker"].map(String.init).flatMap { marker in all.firstIndex { $0.name > marker } } ?? (query["Marker"] == nil ? 0 : all.count)
        let page = Array(all[start...].prefix(maxItems))
        var body: [String: Any] = ["Aliases": page.map { Self.aliasObject($0, account: account) }]
        if start + page.count < all.count, let last = page.last { body["NextMarker"] = last.name }
        return Response.json(status: .ok, body)
    }

    private func requireAlias(_ function: String, _ name: String, account: Account) throws -> FunctionAlias {
        try AliasRules.validateName(name)
        guard let alias = try functions.aliases.get(function: function, name: name) else {
            _ = try functions.get(FunctionReference(name: function), account: account, weighted: false)
            throw AWSError.resourceNotFound("Alias not found: \(account.lambdaFunctionARN(function, qualifier: name))")
        }
        return alias
    }

    /// Every version an alias names must exist (AWS: "Function not found: …:function:f:7").
    private func requireVersions(_ function: String, _ versions: [String], account: Account) throws {
        for version in versions {
            _ = try functions.get(FunctionReference(name: function, qualifier: version), account: account, weighted: false)
        }
    }

    private func aliasShape(_ alias: FunctionAlias, account: Account, status: HTTPResponse.Status = .ok) throws -> Response {
        Response.json(status: status, Self.aliasObject(alias, account: account))
    }

    static func aliasObject(_ alias: FunctionAlias, account: Account) -> [String: Any] {
        var object: [String: Any] = [
            "AliasArn": account.lambdaFunctionARN(alias.functionName, qualifier: alias.name),
            "Name": alias.name,
            "FunctionVersion": alias.functionVersion,
            "Description": alias.description,
            "RevisionId": alias.revisionId,
        ]
        if !alias.additionalVersionWeights.isEmpty {
            object["RoutingConfig"] = ["AdditionalVersionWeights": alias.additionalVersionWeights]
        }
        return object
    }

    static let aliasRevisionMismatch = AWSError("PreconditionFailedException", status: 412,
                                                "The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id")
}
