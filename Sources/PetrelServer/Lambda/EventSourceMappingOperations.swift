import Foundation
import Hummingbird
import PetrelCore
import PetrelEvents

/// Create/Get/List/Update/DeleteEventSourceMapping.
extension LambdaRoutes {
    func eventSourceMappings(_ request: Request, uuid: String?, account: Account) async throws -> Response {
        switch (request.method, uuid) {
        case (.post, nil):
            let (input, tagging) = try await decode(CreateEventSourceMappingRequest.self, TagRequest.self, from: request)
            if let tags = tagging.Tags { try Self.validate(tags: tags) }
            if let function = input.FunctionName, let source = input.EventSourceArn {
                try executionRoles?.checkStreamAccess(function: function, eventSourceArn: source)
            }
            let created = try await mappings.create(input, account: account)
            if let tags = tagging.Tags, !tags.isEmpty { try functions.resourceTags.tag(created.EventSourceMappingArn, with: tags) }
            return try json(created, status: .accepted)
        case (.get, nil):
            let query = request.uri.queryParameters
            return try json(mappings.list(functionName: query["FunctionName"].map(String.init),
                                          eventSourceArn: query["EventSourceArn"].map(String.init),
                                          marker: query["Marker"].map(String.init),
                                          maxItems: try maxItems(query["MaxItems"].map(String.init), default: 100)))
        case (.get, let uuid?):
            return try json(mappings.get(uuid))
        case (.put, let uuid?):
            let input = try await decode(UpdateEventSourceMappingRequest.self, from: request)
            return try json(await mappings.update(uuid, input, account: account), status: .accepted)
        case (.delete, let uuid?):
            let deleted = try mappings.delete(uuid)
            try functions.resourceTags.deleteAll(deleted.EventSourceMappingArn)
            return try json(deleted, status: .accepted)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }
}
