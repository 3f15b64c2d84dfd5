import Foundation
import PetrelCore

/// The function a mapping invokes.
public struct FunctionTarget: Sendable, Equatable {
    public var name: String
    public var qualifier: String?
    public var region: String

    public init(name: String, qualifier: String?, region: String) {
        self.name = name
        self.qualifier = qualifier
        self.region = region
    }
}

/// A function's answer: its payload, and whether it is a function error; with the request id
/// and version that ran, which a given-up batch's invocation record names.
public struct FunctionAnswer: Sendable, Equatable {
    public var payload: Data
    public var isError: Bool
    public var requestID: String?
    public var executedVersion: String?

    public init(payload: Data, isError: Bool, requestID: String? = nil, executedVersion: String? = nil) {
        self.payload = payload
        self.isError = isError
        self.requestID = requestID
        self.executedVersion = executedVersion
    }
}

/// Why an invocation did not run. Neither counts as a retry: the batch is tried again later.
public enum InvokeRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case functionNotFound(String)
    case throttled(String)

    public var description: String {
        switch self {
        case .functionNotFound(let name): return "Function not found: \(name)"
        case .throttled(let why): return "Throttled: \(why)"
        }
    }
}

/// Invokes functions for the engine, through the same path as every other invoke.
/// Implemented in PetrelServer over the concrete registry and invoker.
public protocol FunctionInvoking: Sendable {
    /// Throws ResourceNotFoundException (an AWSError for the API) when there is no such function.
    func checkExists(_ reference: String, account: Account) throws -> (name: String, qualifier: String?)
    func invoke(_ target: FunctionTarget, payload: Data) async throws(InvokeRefusal) -> FunctionAnswer
}

/// Names a function's execution role (Kinesis events carry it as `invokeIdentityArn`).
public protocol FunctionIdentifying: Sendable {
    func roleArn(of target: FunctionTarget) -> String?
}
