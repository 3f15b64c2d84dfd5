/// AWS's concurrency scaling rate: each function may add at most `burst` new execution
/// environments per `window` (AWS: 1,000 every 10 seconds), refilled continuously, and unused
/// capacity never accumulates beyond `burst`. A token bucket, pure: the state machine keeps
/// one bucket per function and asks it before an invocation starts a new instance.
struct ScalingRate: Sendable, Equatable {
    var burst: Int
    var window: Duration

    static let aws = ScalingRate(burst: 1_000, window: .seconds(10))

    struct Bucket: Sendable, Equatable {
        var tokens: Double
        var at: ContinuousClock.Instant
    }

    /// New environments per second.
    var refillPerSecond: Double { Double(burst) / Self.seconds(window) }

    /// Takes one new environment from `bucket` (a full one when nil) at `now`; false when the
    /// function is scaling faster than the rate allows.
    func take(_ bucket: inout Bucket?, now: ContinuousClock.Instant) -> Bool {
        var current = refilled(bucket, now: now)
        guard current.tokens >= 1 else {
            bucket = current
            return false
        }
        current.tokens -= 1
        bucket = current
        return true
    }

    /// Whole seconds until the next new environment is allowed (at least 1: the Retry-After).
    func retryAfterSeconds(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Int {
        let missing = 1 - refilled(bucket, now: now).tokens
        guard missing > 0, refillPerSecond > 0 else { return 1 }
        return max(1, Int((missing / refillPerSecond).rounded(.up)))
    }

    func refilled(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Bucket {
        guard let bucket else { return Bucket(tokens: Double(burst), at: now) }
        let elapsed = max(0, Self.seconds(bucket.at.duration(to: now)))
        return Bucket(tokens: min(Double(burst), bucket.tokens + elapsed * refillPerSecond), at: now)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
