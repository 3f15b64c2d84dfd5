import Foundation

/// What the composition root plugs into `AsyncInvocationQueue`: each function's retry and age
/// limits (PutFunctionEventInvokeConfig) and what happens to an event's final outcome
/// (destinations). Kept apart from the queue so the queue stays about running events.
public struct AsyncEventHooks: Sendable {
    /// The limits for (function name, qualifier or nil, region); nil: AWS's defaults.
    public var limits: @Sendable (String, String?, String) -> AsyncEventLimits?
    /// Called once per event with its final outcome, before the event leaves the queue (so a
    /// crash in between delivers it again: at least once, as AWS).
    public var finished: @Sendable (AsyncEventOutcome) async -> Void

    public init(limits: @escaping @Sendable (String, String?, String) -> AsyncEventLimits?,
                finished: @escaping @Sendable (AsyncEventOutcome) async -> Void) {
        self.limits = limits
        self.finished = finished
    }
}

public struct AsyncEventLimits: Sendable, Equatable {
    public var maximumRetryAttempts: Int
    public var maximumEventAgeSeconds: Int

    /// AWS's defaults: two retries, six hours.
    public static let aws = AsyncEventLimits(maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600)

    public init(maximumRetryAttempts: Int, maximumEventAgeSeconds: Int) {
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeSeconds = maximumEventAgeSeconds
    }
}

/// How an asynchronous event ended, in the terms of AWS's invocation record.
public struct AsyncEventOutcome: Sendable {
    public enum Condition: String, Sendable {
        case success = "Success"
        case retriesExhausted = "RetriesExhausted"
        case eventAgeExceeded = "EventAgeExceeded"
    }

    public var requestID: String
    public var functionName: String
    public var qualifier: String?
    public var region: String
    public var condition: Condition
    /// How many times the function ran for this event.
    public var invokeCount: Int
    public var payload: Data
    /// The last invocation's result (nil when the event expired before running again).
    public var result: InvocationResult?

    public init(requestID: String, functionName: String, qualifier: String?, region: String, condition: Condition,
                invokeCount: Int, payload: Data, result: InvocationResult?) {
        self.requestID = requestID
        self.functionName = functionName
        self.qualifier = qualifier
        self.region = region
        self.condition = condition
        self.invokeCount = invokeCount
        self.payload = payload
        self.result = result
    }
}
