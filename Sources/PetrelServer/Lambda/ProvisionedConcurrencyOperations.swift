import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelInvoker

/// Put/Get/Delete/ListProvisionedConcurrencyConfig(s): keep that many initialised instances of
/// a published version ready; they are never reaped while the setting stands.
extension LambdaRoutes {
    struct PutProvisionedConcurrencyRequest: Decodable {
        var ProvisionedConcurrentExecutions: Int?
    }

    func provisionedConcurrency(_ request: Request, name: String, account: Account) async throws -> Response {
        let query = request.uri.queryParameters
        if request.method == .get, query["List"] != nil {
            _ = try functions.get(FunctionReference(name: name), account: account)
            var configs: [[String: Any]] = []
            for setting in try provisioning.all(name: name) {
                var shape = try await configShape(setting, account: account)
                shape["FunctionArn"] = account.lambdaFunctionARN(name, qualifier: setting.qualifier)
                configs.append(shape)
            }
            return Response.json(status: .ok, ["ProvisionedConcurrencyConfigs": configs])
        }
        guard let qualifier = query["Qualifier"].map(String.init), !qualifier.isEmpty else {
            throw AWSError.invalidParameter("The Qualifier parameter is required: provisioned concurrency applies to a published version.")
        }
        guard qualifier != "$LATEST" else {
            throw AWSError.invalidParameter("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        }
        let function = try functions.get(FunctionReference(name: name, qualifier: qualifier), account: account)
        switch request.method {
        case .put:
            let input = try await decode(PutProvisionedConcurrencyRequest.self, from: request)
            guard let count = input.ProvisionedConcurrentExecutions, count >= 1 else {
                throw AWSError.invalidParameter("ProvisionedConcurrentExecutions must be at least 1.")
            }
            guard count <= concurrencyLimit else {
                throw AWSError.invalidParameter("Requested Provisioned Concurrency should not be greater than the account's concurrency limit (\(concurrencyLimit)).")
            }
            provisionedMeter.sample()  // what the previous setting accrued, up to now
            let setting = try provisioning.put(name: name, qualifier: qualifier, count: count)
            provisionedMeter.sample()  // the new setting accrues from now
            await invoker.provision(function, count: count)
            return Response.json(status: .accepted, try await configShape(setting, account: account))
        case .get:
            guard let setting = try provisioning.get(name: name, qualifier: qualifier) else {
                throw AWSError("ProvisionedConcurrencyConfigNotFoundException", status: 404,
                               "No Provisioned Concurrency Config found for this function")
            }
            return Response.json(status: .ok, try await configShape(setting, account: account))
        case .delete:
            provisionedMeter.sample()
            try provisioning.delete(name: name, qualifier: qualifier)
            provisionedMeter.sample()
            await invoker.provision(function, count: 0)
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No Lambda operation at \(request.method) \(request.uri.path).")
        }
    }

    func configShape(_ setting: ProvisionedConcurrencyStore.Setting, account: Account) async throws -> [String: Any] {
        let function = try functions.get(FunctionReference(name: setting.name, qualifier: setting.qualifier), account: account)
        let available = await invoker.provisionedAvailable(function)
        return [
            "RequestedProvisionedConcurrentExecutions": setting.count,
            "AvailableProvisionedConcurrentExecutions": available,
            "AllocatedProvisionedConcurrentExecutions": available,
            "Status": available >= setting.count ? "READY" : "IN_PROGRESS",
            "LastModified": FunctionConfiguration.timestamp(setting.lastModified),
        ]
    }

    /// Re-applies every stored setting, at start.
    func restoreProvisionedConcurrency(account: Account) async {
        for setting in (try? provisioning.all()) ?? [] {
            guard let function = try? functions.get(FunctionReference(name: setting.name, qualifier: setting.qualifier), account: account) else { continue }
            await invoker.provision(function, count: setting.count)
        }
    }
}
