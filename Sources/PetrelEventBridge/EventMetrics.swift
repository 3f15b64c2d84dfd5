import Foundation

/// The metrics EventBridge publishes in CloudWatch's `AWS/Events` namespace, named as AWS
/// names them.
public enum EventMetric: String, Sendable, CaseIterable {
    /// Target deliveries that ended (delivered, or failed for good); retries are not counted until then.
    case invocations = "Invocations"
    /// Target deliveries that failed for good (not retried, or retries exhausted).
    case failedInvocations = "FailedInvocations"
    /// Events a target was never given (Petrel counts the same deliveries as FailedInvocations).
    case deadLetterInvocations = "DeadLetterInvocations"
    case invocationsSentToDlq = "InvocationsSentToDlq"
    case invocationsFailedToBeSentToDlq = "InvocationsFailedToBeSentToDlq"
    /// Retries made (each attempt after the first).
    case retryInvocationAttempts = "RetryInvocationAttempts"
    /// Rules that matched an event (per rule: the events it matched).
    case triggeredRules = "TriggeredRules"
    /// Events that matched at least one rule (per rule: the events it matched).
    case matchedEvents = "MatchedEvents"
    case putEventsApproximateCallCount = "PutEventsApproximateCallCount"
    case putEventsApproximateSuccessCount = "PutEventsApproximateSuccessCount"
    case putEventsApproximateFailedCount = "PutEventsApproximateFailedCount"

    public static let namespace = "AWS/Events"

    /// The dimension sets a rule's sample is recorded under: none (the account's total),
    /// RuleName, and EventBusName with RuleName, as CloudWatch shows them for AWS/Events.
    static func ruleDimensions(bus: String, rule: String) -> [[String: String]] {
        [[:], ["RuleName": rule], ["EventBusName": bus, "RuleName": rule]]
    }

    /// A bus's sample: none, and EventBusName.
    static func busDimensions(bus: String) -> [[String: String]] {
        [[:], ["EventBusName": bus]]
    }
}
