import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// TagResource, UntagResource, ListTags on functions (by ARN), and GetAccountSettings.
extension LambdaRoutes {
    struct TagRequest: Decodable {
        var Tags: [String: String]?
    }

    /// Routes `/2017-03-31/tags/{ARN}`: a function, a layer or an event source mapping.
    func tags(_ request: Request, resource: String, account: Account) async throws -> Response {
        let target = try Self.taggedResource(resource, account: account)
        // Each kind's tags, and whether the resource exists (404 as AWS otherwise).
        let current: () throws -> [String: String]
        let add: ([String: String]) throws -> Void
        let remove: ([String]) throws -> Void
        switch target {
        case .function(let name):
            current = {
                _ = try functions.get(FunctionReference(name: name), account: account, weighted: false)
                return try functions.tags(of: name)
            }
            add = { try functions.tag(name, with: $0, account: account) }
            remove = { try functions.untag(name, keys: $0, account: account) }
        case .layer(let name):
            let exists = { guard !(try layerRegistry.versions(name: name)).isEmpty else { throw AWSError.resourceNotFound("Layer not found: \(resource)") } }
            current = { try exists(); return try functions.resourceTags.tags(of: resource) }
            add = { try exists(); try functions.resourceTags.tag(resource, with: $0) }
            remove = { try exists(); try functions.resourceTags.untag(resource, keys: $0) }
        case .eventSourceMapping(let uuid):
            let exists = { _ = try mappings.get(uuid) }
            current = { try exists(); return try functions.resourceTags.tags(of: resource) }
            add = { try exists(); try functions.resourceTags.tag(resource, with: $0) }
            remove = { try exists(); try functions.resourceTags.untag(resource, keys: $0) }
        }
        switch request.method {
        case .get:
            return Response.json(status: .ok, ["Tags": try current()])
        case .post:
            let input = try await decode(TagRequest.self, from: request)
            guard let tags = input.Tags, !tags.isEmpty else {
                throw AWSError.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
            }
            try Self.validate(tags: tags)
            try add(tags)
            return Response(status: .noContent)
        case .delete:
            let keys = request.uri.queryParameters.getAll("tagKeys").map { String($0) }
            guard !keys.isEmpty else {
                throw AWSError.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
            }
            try remove(keys)
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }

    static func validate(tags: [String: String]) throws {
        for (key, value) in tags {
            guard (1...128).contains(key.count), value.count <= 256, !key.lowercased().hasPrefix("aws:") else {
                throw AWSError.invalidParameter("Tag keys must be 1 to 128 characters and not start with aws:, values at most 256 characters: \(key)")
            }
        }
    }

    enum TaggedResource: Equatable {
        case function(String)
        case layer(String)
        case eventSourceMapping(String)
    }

    /// What a tagging ARN names. Tags belong to the function, so a qualified function ARN is
    /// refused as AWS refuses it; a layer is tagged as a whole (no version).
    static func taggedResource(_ resource: String, account: Account) throws -> TaggedResource {
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", ["function", "layer", "event-source-mapping"].contains(parts[5]) else {
            throw AWSError.validation("1 validation error detected: Value '\(resource)' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
        }
        switch parts[5] {
        case "function":
            guard parts.count == 7 else {
                throw AWSError.invalidParameter("Tags are not supported on function versions or aliases: \(resource)")
            }
            return .function(String(parts[6]))
        case "layer":
            guard parts.count == 7 else { throw AWSError.invalidParameter("Tags are set on a layer, not on one of its versions: \(resource)") }
            return .layer(String(parts[6]))
        default:
            guard parts.count == 7 else { throw AWSError.invalidParameter("Not an event source mapping ARN: \(resource)") }
            return .eventSourceMapping(String(parts[6]))
        }
    }

    func accountSettings(account: Account) throws -> Response {
        let usage = try functions.usage()
        return Response.json(status: .ok, [
            "AccountLimit": [
                "TotalCodeSize": 80_530_636_800,
                "CodeSizeUnzipped": Int(CodeStore.maxUnzippedBytes),
                "CodeSizeZipped": CodeStore.maxZipBytes,
                "ConcurrentExecutions": concurrencyLimit,
                "UnreservedConcurrentExecutions": concurrencyLimit - reservedConcurrency.reservedByOthers(than: nil),
            ],
            "AccountUsage": ["TotalCodeSize": usage.totalCodeSize, "FunctionCount": usage.functionCount],
        ])
    }
}
