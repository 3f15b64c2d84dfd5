import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelIdentity

/// AddPermission, RemovePermission, GetPolicy: a function's resource-based policy (shapes and
/// errors from botocore's lambda model). The authorizer evaluates it on Invoke.
extension LambdaRoutes {
    struct AddPermissionRequest: Decodable {
        var StatementId: String?
        var Action: String?
        var Principal: String?
        var SourceArn: String?
        var SourceAccount: String?
        var EventSourceToken: String?
        var RevisionId: String?
        var PrincipalOrgID: String?
        var FunctionUrlAuthType: String?
        var InvokedViaFunctionUrl: Bool?
    }

    /// The function (and the version or alias a qualifier names) must exist.
    private func permissionTarget(_ ref: FunctionReference, account: Account) throws -> FunctionRecord {
        if let q = ref.qualifier, q.isEmpty || q.count > 128 || !q.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "$_-".contains($0)) }) {
            throw AWSError.validation("1 validation error detected: Value '\(q)' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)")
        }
        return try functions.get(ref, account: account)
    }

    func addPermission(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let input = try await decode(AddPermissionRequest.self, from: request)
        func required(_ value: String?, _ field: String) throws -> String {
            guard let value else {
                throw AWSError.validation("1 validation error detected: Value null at '\(field)' failed to satisfy constraint: Member must not be null")
            }
            return value
        }
        let permission = FunctionPolicy.Permission(
            statementId: try required(input.StatementId, "statementId"), action: try required(input.Action, "action"),
            principal: try required(input.Principal, "principal"), sourceArn: input.SourceArn, sourceAccount: input.SourceAccount,
            eventSourceToken: input.EventSourceToken, principalOrgID: input.PrincipalOrgID,
            functionUrlAuthType: input.FunctionUrlAuthType, invokedViaFunctionUrl: input.InvokedViaFunctionUrl)
        try FunctionPolicy.validate(permission)
        _ = try permissionTarget(ref, account: account)
        let statement = FunctionPolicy.statement(permission, resource: account.lambdaFunctionARN(ref.name, qualifier: ref.qualifier))
        let text = try permissions.add(function: ref.name, qualifier: ref.qualifier, statement: statement, expectedRevision: input.RevisionId)
        logger.info("Function \(ref.name)\(ref.qualifier.map { ":" + $0 } ?? ""): permission \(permission.statementId) for \(permission.principal) added")
        return try json(["Statement": text], status: .created)
    }

    func removePermission(_ ref: FunctionReference, statementID: String, request: Request, account: Account) throws -> Response {
        _ = try permissionTarget(ref, account: account)
        let revision = request.uri.queryParameters["RevisionId"].map(String.init)
        try permissions.remove(function: ref.name, qualifier: ref.qualifier, statementID: statementID, expectedRevision: revision)
        return Response(status: .noContent)
    }

    func getPolicy(_ ref: FunctionReference, account: Account) throws -> Response {
        _ = try permissionTarget(ref, account: account)
        guard let stored = try permissions.policy(function: ref.name, qualifier: ref.qualifier) else { throw FunctionPolicy.noPolicy }
        return try json(["Policy": stored.document, "RevisionId": stored.revisionID])
    }
}
