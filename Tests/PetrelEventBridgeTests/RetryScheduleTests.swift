import Foundation
@testable import PetrelEventBridge
import Testing

/// The back-off schedule and when retrying stops (pure).
@Suite struct RetryScheduleTests {
    @Test func delaysDoubleWithJitterAndStopGrowing() {
        let schedule = RetrySchedule(baseDelay: 1)
        // Equal jitter: between half the nominal delay and all of it.
        #expect(schedule.delay(afterRetries: 0, random: 0) == 0.5)
        #expect(schedule.delay(afterRetries: 0, random: 1) == 1)
        #expect(schedule.delay(afterRetries: 3, random: 0) == 4)
        #expect(schedule.delay(afterRetries: 3, random: 0.5) == 6)
        // Capped at base × 2^9 = 512 s.
        #expect(schedule.delay(afterRetries: 9, random: 1) == 512)
        #expect(schedule.delay(afterRetries: 100, random: 1) == 512)
        #expect(RetrySchedule(baseDelay: 0.01).delay(afterRetries: 2, random: 1) == 0.04)
    }

    @Test func defaultsAreAWSsAndSpreadOverAboutADay() {
        let schedule = RetrySchedule(policy: nil)
        #expect(schedule.maximumRetryAttempts == 185)
        #expect(schedule.maximumEventAge == 86_400)
        // The mean delays of 185 retries add up to between half a day and a day.
        let total = (0..<185).reduce(0.0) { $0 + schedule.delay(afterRetries: $1, random: 0.5) }
        #expect(total > 43_200 && total < 86_400)
    }

    @Test func retriesUntilTheAttemptsRunOut() {
        let schedule = RetrySchedule(baseDelay: 1, policy: RetryPolicyShape(MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: nil))
        #expect(schedule.next(afterRetries: 0, firstAttempt: 1000, now: 1000, random: 0) == .retry(at: 1000.5))
        #expect(schedule.next(afterRetries: 1, firstAttempt: 1000, now: 1001, random: 1) == .retry(at: 1003))
        #expect(schedule.next(afterRetries: 2, firstAttempt: 1000, now: 1003, random: 0) == .exhausted(.maximumRetryAttemptsExhausted))
        let none = RetrySchedule(policy: RetryPolicyShape(MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: nil))
        #expect(none.next(afterRetries: 0, firstAttempt: 0, now: 0, random: 0.3) == .exhausted(.maximumRetryAttemptsExhausted))
    }

    @Test func theLastRetryHappensAsTheEventAgeRunsOut() {
        let schedule = RetrySchedule(baseDelay: 40, policy: RetryPolicyShape(MaximumRetryAttempts: nil, MaximumEventAgeInSeconds: 60))
        #expect(schedule.next(afterRetries: 0, firstAttempt: 0, now: 0, random: 1) == .retry(at: 40))
        // The next nominal delay (80 s) would pass the age: the retry is made at the limit instead.
        #expect(schedule.next(afterRetries: 1, firstAttempt: 0, now: 40, random: 1) == .retry(at: 60))
        #expect(schedule.next(afterRetries: 2, firstAttempt: 0, now: 60, random: 0) == .exhausted(.maximumEventAgeExceeded))
        // Attempts are checked first.
        let both = RetrySchedule(baseDelay: 1, policy: RetryPolicyShape(MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60))
        #expect(both.next(afterRetries: 1, firstAttempt: 0, now: 100, random: 0) == .exhausted(.maximumRetryAttemptsExhausted))
    }

    /// AWS's user guide ("Using dead-letter queues"): missing permissions and a target resource
    /// that no longer exists are not retried; the event goes straight to the dead-letter queue.
    @Test(arguments: [
        ("NO_PERMISSIONS", false), ("ResourceNotFoundException", false), ("NO_RESOURCE", false),
        ("INVALID_PARAMETER", false), ("THIRD_ACCOUNT_HOP_DETECTED", false),
        ("THROTTLING", true), ("INTERNAL_ERROR", true),
    ])
    func whichErrorsAreRetried(code: String, retried: Bool) {
        #expect(RetrySchedule.isRetried(code) == retried)
    }
}
