import Foundation

/// Why a failed delivery stopped being retried (the DLQ message's `EXHAUSTED_RETRY_CONDITION`).
enum ExhaustedRetryCondition: String, Sendable, Equatable {
    case maximumRetryAttemptsExhausted = "MaximumRetryAttemptsExhausted"
    case maximumEventAgeExceeded = "MaximumEventAgeExceeded"
}

/// A target's retry policy applied: exponential back-off with jitter, bounded by
/// `MaximumRetryAttempts` (default 185) and `MaximumEventAgeInSeconds` (default 86,400). Pure.
struct RetrySchedule: Sendable, Equatable {
    static let defaultMaximumRetryAttempts = 185
    static let defaultMaximumEventAgeSeconds = 86_400

    /// The first retry's nominal delay in seconds (PETREL_EVENTS_RETRY_BASE_SECONDS shortens it for tests).
    var baseDelay: Double = 1
    /// Delays stop doubling at `baseDelay × 2^maxDoublings` (512 s by default), which spreads
    /// AWS's 185 default attempts over about its default day.
    var maxDoublings = 9
    var maximumRetryAttempts = defaultMaximumRetryAttempts
    var maximumEventAge = Double(defaultMaximumEventAgeSeconds)

    init(baseDelay: Double = 1, policy: RetryPolicyShape? = nil) {
        self.baseDelay = baseDelay
        maximumRetryAttempts = policy?.MaximumRetryAttempts ?? Self.defaultMaximumRetryAttempts
        maximumEventAge = Double(policy?.MaximumEventAgeInSeconds ?? Self.defaultMaximumEventAgeSeconds)
    }

    /// The delay before retry number `retry + 1` (`retry` retries already made), with "equal
    /// jitter": half the nominal delay, plus `random` (in 0..<1) times the other half.
    func delay(afterRetries retry: Int, random: Double) -> Double {
        let nominal = baseDelay * pow(2, Double(min(max(0, retry), maxDoublings)))
        return nominal / 2 + nominal / 2 * min(max(random, 0), 1)
    }

    enum Decision: Equatable {
        /// Try again at this time (seconds since 1970).
        case retry(at: Double)
        /// Stop: the event goes to the target's dead-letter queue, if it has one.
        case exhausted(ExhaustedRetryCondition)
    }

    /// What follows a failed attempt at `now` for an event first tried at `firstAttempt`, after
    /// `retries` retries: another retry (never later than the event's maximum age, so the last
    /// one happens as the age runs out), or exhaustion.
    func next(afterRetries retries: Int, firstAttempt: Double, now: Double, random: Double) -> Decision {
        if retries >= maximumRetryAttempts { return .exhausted(.maximumRetryAttemptsExhausted) }
        let deadline = firstAttempt + maximumEventAge
        if now >= deadline { return .exhausted(.maximumEventAgeExceeded) }
        return .retry(at: min(deadline, now + delay(afterRetries: retries, random: random)))
    }

    /// Whether a delivery error is worth retrying. As AWS does (EventBridge user guide, "Using
    /// dead-letter queues"), errors that every retry would meet again until someone acts are not
    /// retried and go straight to the dead-letter queue: a target whose resource-based policy
    /// does not allow EventBridge, a function, queue or bus that does not exist, bad parameters
    /// and an event that crossed too many buses. Throttling and internal errors are retried.
    static func isRetried(_ errorCode: String) -> Bool {
        !["NO_PERMISSIONS", "NO_RESOURCE", "ResourceNotFoundException", "INVALID_PARAMETER", "THIRD_ACCOUNT_HOP_DETECTED"].contains(errorCode)
    }
}
