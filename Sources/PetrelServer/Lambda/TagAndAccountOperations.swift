import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// TagResource, UntagResource, ListTags on functions (by ARN), and GetAccountSettings.
extension LambdaRoutes {
    struct TagRequest: Decodable {
        var Tags: [String: String]?
    }

    /// Routes `/2017-03-31/tags/{ARN}`.
    func tags(_ request: Request, resource: String, account: Account) async throws -> Response {
        let name = try Self.taggedFunction(resource, account: account)
        switch request.method {
        case .get:
            _ = try functions.get(FunctionReference(name: name), account: account, weighted: false)
            return Response.json(status: .ok, ["Tags": try functions.tags(of: name)])
        case .post:
            let input = try await decode(TagRequest.self, from: request)
            guard let tags = input.Tags, !tags.isEmpty else {
                throw AWSError.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
            }
            for (key, value) in tags {
                guard (1...128).contains(key.count), value.count <= 256, !key.lowercased().hasPrefix("aws:") else {
                    throw AWSError.invalidParameter("Tag keys must be 1 to 128 characters and not start with aws:, values at most 256 characters: \(key)")
                }
            }
            try functions.tag(name, with: tags, account: account)
            return Response(status: .noContent)
        case .delete:
            let keys = request.uri.queryParameters.getAll("tagKeys").map { String($0) }
            guard !keys.isEmpty else {
                throw AWSError.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
            }
            try functions.untag(name, keys: keys, account: account)
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }

    /// The function a tagging ARN names. Tags belong to the function, so a qualified ARN is
    /// refused as AWS refuses it.
    static func taggedFunction(_ resource: String, account: Account) throws -> String {
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function" else {
            throw AWSError.validation("1 validation error detected: Value '\(resource)' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
        }
        guard parts.count == 7 else {
            throw AWSError.invalidParameter("Tags are not supported on function versions or aliases: \(resource)")
        }
        return String(parts[6])
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
