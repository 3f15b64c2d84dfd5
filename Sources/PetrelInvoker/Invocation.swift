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

    public init(function: FunctionRecord, payload: Data, requestID: String = UUID().uuidString.lowercased(),
                invokedFunctionArn: String, clientContext: String? = nil, cognitoIdentity: String? = nil,
                wantsLogTail: Bool = false) {
        self.function = function
        self.payload = payload
        self.requestID = requestID
        self.invokedFunctionArn = invokedFunctionArn
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.wantsLogTail = wantsLogTail
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

/// One invocation in flight: completed exactly once (by the runtime's answer, a timeout or the
/// instance's death) and told when an instance picks it up, so its timeout can start then.
final class Invocation: Sendable {
    let request: InvocationRequest
    let enqueuedAt: ContinuousClock.Instant
    private let state = Mutex<State>(State())

    private struct State {
        var result: InvocationResult?
        var resultWaiters: [CheckedContinuation<InvocationResult, Never>] = []
        var dispatchedAt: ContinuousClock.Instant?
        var dispatchWaiters: [CheckedContinuation<ContinuousClock.Instant?, Never>] = []
    }

    init(_ request: InvocationRequest, now: ContinuousClock.Instant = .now) {
        self.request = request
        self.enqueuedAt = now
    }

    var id: String { request.requestID }
    var isComplete: Bool { state.withLock { $0.result != nil } }

    /// Records the result; returns false if the invocation had already ended.
    @discardableResult
    func complete(_ result: InvocationResult) -> Bool {
        typealias Waiters = (results: [CheckedContinuation<InvocationResult, Never>],
                             dispatches: [CheckedContinuation<ContinuousClock.Instant?, Never>])
        let waiters: Waiters? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.resultWaiters = []; s.dispatchWaiters = [] }
            return (s.resultWaiters, s.dispatchWaiters)
        }
        guard let waiters else { return false }
        for waiter in waiters.results { waiter.resume(returning: result) }
        for waiter in waiters.dispatches { waiter.resume(returning: nil) }
        return true
    }

    func result() async -> InvocationResult {
        await withCheckedContinuation { continuation in
            let done: InvocationResult? = state.withLock { s in
                if let result = s.result { return result }
                s.resultWaiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    func markDispatched(at instant: ContinuousClock.Instant) {
        let waiters = state.withLock { s in
            s.dispatchedAt = instant
            defer { s.dispatchWaiters = [] }
            return s.dispatchWaiters
        }
        for waiter in waiters { waiter.resume(returning: instant) }
    }

    /// When an instance took the invocation; nil if it ended before that.
    func dispatched() async -> ContinuousClock.Instant? {
        await withCheckedContinuation { continuation in
            let ready: ContinuousClock.Instant?? = state.withLock { s in
                if let at = s.dispatchedAt { return .some(at) }
                if s.result != nil { return .some(nil) }
                s.dispatchWaiters.append(continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
