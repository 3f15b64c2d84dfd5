import PetrelCore
import Synchronization

/// Reserved concurrency (PutFunctionConcurrency): a function with a reservation runs at most
/// that many invocations at once, and the reservations are taken out of the account's pool,
/// which the functions without one share. The decision is `ReservedConcurrencyPolicy` (pure);
/// this class keeps the counts, checked as an invocation arrives and released when it ends.
public final class ReservedConcurrency: Sendable {
    private struct State {
        var reservations: [String: Int] = [:]
        var inFlight: [String: Int] = [:]
        var unreservedInFlight = 0
    }

    public let accountLimit: Int
    private let state = Mutex(State())

    public init(accountLimit: Int) {
        self.accountLimit = accountLimit
    }

    /// Sets (nil: removes) a function's reservation.
    public func reserve(_ function: String, _ count: Int?) {
        state.withLock { $0.reservations[function] = count }
    }

    public func reservation(_ function: String) -> Int? {
        state.withLock { $0.reservations[function] }
    }

    /// The sum of every reservation but `function`'s.
    public func reservedByOthers(than function: String?) -> Int {
        state.withLock { s in s.reservations.filter { $0.key != function }.values.reduce(0, +) }
    }

    /// Admits an invocation of `function` or throws the 429 AWS answers.
    public func enter(_ function: String) throws(AWSError) {
        let decision = state.withLock { s -> ReservedConcurrencyPolicy.Decision in
            let reserved = s.reservations[function]
            let pool = accountLimit - s.reservations.values.reduce(0, +)
            let decision = ReservedConcurrencyPolicy.admit(reserved: reserved, inFlight: s.inFlight[function] ?? 0,
                                                           unreservedInFlight: s.unreservedInFlight, unreservedPool: pool)
            if decision == .admit {
                s.inFlight[function, default: 0] += 1
                if reserved == nil { s.unreservedInFlight += 1 }
            }
            return decision
        }
        switch decision {
        case .admit: return
        case .throttleReserved:
            throw AWSError.tooManyRequests("Rate Exceeded.", reason: "ReservedFunctionConcurrentInvocationLimitExceeded")
        case .throttleUnreserved:
            throw AWSError.tooManyRequests("Rate Exceeded.", reason: "ConcurrentInvocationLimitExceeded")
        }
    }

    /// Ends an admitted invocation.
    public func leave(_ function: String) {
        state.withLock { s in
            let left = (s.inFlight[function] ?? 1) - 1
            s.inFlight[function] = left > 0 ? left : nil
            if s.reservations[function] == nil { s.unreservedInFlight = max(0, s.unreservedInFlight - 1) }
        }
    }
}

/// Whether an invocation may start, given the function's reservation. Pure.
public enum ReservedConcurrencyPolicy {
    public enum Decision: Equatable, Sendable {
        case admit, throttleReserved, throttleUnreserved
    }

    public static func admit(reserved: Int?, inFlight: Int, unreservedInFlight: Int, unreservedPool: Int) -> Decision {
        if let reserved { return inFlight < reserved ? .admit : .throttleReserved }
        return unreservedInFlight < unreservedPool ? .admit : .throttleUnreserved
    }

    /// AWS keeps at least 100 of an account's 1,000 concurrent executions unreserved; Petrel
    /// keeps the same tenth of its own `--concurrency-limit`.
    public static func minimumUnreserved(accountLimit: Int) -> Int {
        accountLimit / 10
    }
}
