import Foundation
import PetrelFunctions
import Synchronization

/// What a caller asks to run.
public struct InvocationRequest: Sendable {
    public var function: FunctionRecord
    public var payload: Data
    public var requestID: String
    public var invokedFunctionArn: String
    public var clientContext: String?
    public var cognitoIdentity: String?
    public var wantsLogTail: Bool
    /// Where a streaming runtime's chunks go as they arrive (nil: the response is buffered).
    public var responseStream: ResponseStream?

    public init(function: FunctionRecord, payload: Data, requestID: String = UUID().uuidString.lowercased(),
                invokedFunctionArn: String, clientContext: String? = nil, cognitoIdentity: String? = nil,
                wantsLogTail: Bool = false, responseStream: ResponseStream? = nil) {
        self.function = function
        self.payload = payload
        self.requestID = requestID
        self.invokedFunctionArn = invokedFunctionArn
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.wantsLogTail = wantsLogTail
        self.responseStream = responseStream
    }
}

/// How an invocation ended, before it is rendered for the caller.
public enum InvocationOutcome: Sendable, Equatable {
    case success(Data)
    /// The function reported an error (`/error`, or init failed): the runtime's error document.
    case functionError(Data)
    /// The function ran past its timeout (in seconds, as configured).
    case timedOut(Int)
    case exited(String)
}

/// The outcome plus what the caller's response headers and the REPORT line need.
public struct InvocationResult: Sendable {
    public var requestID: String
    public var outcome: InvocationOutcome
    public var executedVersion: String
    /// The invocation's own log lines (START … REPORT), for `LogType: Tail`.
    public var logTail: String
    public var duration: Duration
    public var billedMilliseconds: Int
    public var maxMemoryUsedMB: Int

    /// The response payload: the function's result, or the error document.
    public var payload: Data {
        switch outcome {
        case .success(let data), .functionError(let data): return data
        case .timedOut, .exited: return InvocationResult.errorDocument(for: outcome, requestID: requestID)
        }
    }

    public var isError: Bool {
        if case .success = outcome { return false }
        return true
    }

    static func errorDocument(for outcome: InvocationOutcome, requestID: String) -> Data {
        let (type, message): (String, String)
        switch outcome {
        case .timedOut(let seconds):
            (type, message) = ("Sandbox.Timedout", "RequestId: \(requestID) Error: Task timed out after \(seconds).00 seconds")
        case .exited(let status):
            (type, message) = ("Runtime.ExitError", "RequestId: \(requestID) Error: Runtime exited with error: \(status)")
        case .success, .functionError:
            return Data()
        }
        let body: [String: String] = ["errorType": type, "errorMessage": message]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }
}

/// One invocation in flight, completed exactly once: by the runtime's answer, its timeout, or
/// its instance's death.
final class Invocation: Sendable {
    let request: InvocationRequest
    private let state = Mutex<State>(State())

    private struct State {
        var result: InvocationResult?
        var waiters: [CheckedContinuation<InvocationResult, Never>] = []
    }

    init(_ request: InvocationRequest) {
        self.request = request
    }

    var id: String { request.requestID }

    /// Records the result; returns false if the invocation had already ended.
    @discardableResult
    func complete(_ result: InvocationResult) -> Bool {
        let waiters: [CheckedContinuation<InvocationResult, Never>]? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: result) }
        return true
    }

    func result() async -> InvocationResult {
        await withCheckedContinuation { continuation in
            let done: InvocationResult? = state.withLock { s in
                if let result = s.result { return result }
                s.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
