import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelInvoker

/// PutFunctionConcurrency (`PUT /2017-10-31/functions/{name}/concurrency`),
/// GetFunctionConcurrency (`GET /2019-09-30/…`) and DeleteFunctionConcurrency (`DELETE /2017-10-31/…`).
extension LambdaRoutes {
    struct PutConcurrencyRequest: Decodable {
        var ReservedConcurrentExecutions: Int?
    }

    func functionConcurrency(_ request: Request, function: String, account: Account) async throws -> Response {
        let ref = try FunctionReference.parse(function, region: account.region)
        guard ref.qualifier == nil else {
            throw AWSError.invalidParameter("Reserved concurrency is set on the function, not on a version or alias: \(function)")
        }
        let name = ref.name
        _ = try functions.get(FunctionReference(name: name), account: account, weighted: false)
        let dated = request.uri.path.hasPrefix("/2019-09-30/")
        switch (request.method, dated) {
        case (.get, true):
            let reserved = try reservedConcurrencyStore.get(name: name)
            return Response.json(status: .ok, reserved.map { ["ReservedConcurrentExecutions": $0] } ?? [:])
        case (.put, false):
            let input = try await decode(PutConcurrencyRequest.self, from: request)
            guard let reserved = input.ReservedConcurrentExecutions else {
                throw AWSError.validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
            }
            guard reserved >= 0 else {
                throw AWSError.validation("1 validation error detected: Value '\(reserved)' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0")
            }
            let minimum = ReservedConcurrencyPolicy.minimumUnreserved(accountLimit: concurrencyLimit)
            let unreserved = concurrencyLimit - reservedConcurrency.reservedByOthers(than: name) - reserved
            guard unreserved >= minimum else {
                throw AWSError.invalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(minimum)].")
            }
            try reservedConcurrencyStore.put(name: name, reserved: reserved)
            reservedConcurrency.reserve(name, reserved)
            logger.info("Function \(name): reserved concurrency \(reserved)")
            return Response.json(status: .ok, ["ReservedConcurrentExecutions": reserved])
        case (.delete, false):
            try reservedConcurrencyStore.delete(name: name)
            reservedConcurrency.reserve(name, nil)
            return Response(status: .noContent)
        default:
            throw Self.noOperation(request)
        }
    }
}
