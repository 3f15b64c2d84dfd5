import Foundation
import PetrelCore
import PetrelEvents
import PetrelFunctions
import PetrelInvoker

/// Invokes functions for event source mappings through the same invoker as every other
/// invoke.
struct MappingInvoker: FunctionInvoking, FunctionIdentifying {
    let functions: FunctionRegistry
    let invoker: Invoker
    let account: Account

    func checkExists(_ reference: String, account: Account) throws -> (name: String, qualifier: String?) {
        let ref = try FunctionReference.parse(reference)
        _ = try functions.get(ref, account: account)
        return (ref.name, ref.qualifier)
    }

    func invoke(_ target: FunctionTarget, payload: Data) async throws(InvokeRefusal) -> FunctionAnswer {
        let account = self.account.inRegion(target.region)
        let function: FunctionRecord
        do {
            function = try functions.get(FunctionReference(name: target.name, qualifier: target.qualifier), account: account)
        } catch {
            throw InvokeRefusal.functionNotFound(target.name)
        }
        let request = InvocationRequest(function: function, payload: payload,
                                        invokedFunctionArn: account.lambdaFunctionARN(function.name, qualifier: target.qualifier))
        do {
            let result = try await invoker.invoke(request)
            return FunctionAnswer(payload: result.payload, isError: result.isError, requestID: result.requestID, executedVersion: result.executedVersion)
        } catch {
            throw InvokeRefusal.throttled("\(error)")
        }
    }

    func roleArn(of target: FunctionTarget) -> String? {
        try? functions.get(FunctionReference(name: target.name, qualifier: target.qualifier), account: account.inRegion(target.region)).settings.role
    }
}
