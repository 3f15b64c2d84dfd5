/// The invoker's decisions, as pure functions of its state: where an invocation goes, when
/// to start or evict an instance, which idle instances to reap. `InvokerStateMachine` applies
/// them to its state.
enum SchedulingPolicy {
    enum Placement: Equatable {
        /// Hand it to this idle instance now.
        case dispatch(instanceID: String)
        /// Queue it and start a new instance for it.
        case queueAndStart
        /// Queue it: an instance already starting will take it.
        case queue
        /// Refuse it: the account's concurrency is used up.
        case throttle
    }

    /// - Parameters:
    ///   - idle: this revision's idle instances, most recently used last.
    ///   - queued: invocations of this revision already waiting for an instance.
    ///   - starting: instances of this revision starting up or returning to `GET /next` after
    ///     an answer (each will take one queued invocation).
    ///   - concurrentExecutions: invocations running or waiting, across the account.
    ///   - memoryFits: whether one more instance of this function fits the host's memory
    ///     budget (after evicting idle instances of other functions). When it does not, the
    ///     machine is at its concurrency for this function: the invocation is throttled as AWS
    ///     throttles at the account's limit, rather than queued without bound.
    static func place(idle: [String], queued: Int, starting: Int, concurrentExecutions: Int, limit: Int,
                      memoryFits: Bool = true) -> Placement {
        if let instance = idle.last { return .dispatch(instanceID: instance) }
        if concurrentExecutions >= limit { return .throttle }
        guard queued + 1 > starting else { return .queue }
        return memoryFits ? .queueAndStart : .throttle
    }

    /// Whether an instance of `needMB` fits the budget once idle instances are evicted.
    static func memoryFits(needMB: Int, reservedMB: Int, evictableMB: Int, budgetMB: Int) -> Bool {
        reservedMB - evictableMB + needMB <= budgetMB
    }

    /// Whether starting one more instance needs an idle instance of another function evicted
    /// first, to stay within the account's cap on instances.
    static func mustEvict(totalInstances: Int, limit: Int) -> Bool {
        totalInstances >= limit
    }

    /// Idle instances whose keep-alive has run out.
    static func expired<Instant: InstantProtocol>(idleSince: [(id: String, since: Instant)], now: Instant,
                                                  keepAlive: Instant.Duration) -> [String] {
        idleSince.filter { $0.since.duration(to: now) >= keepAlive }.map(\.id)
    }

    /// Billed duration: AWS rounds up to the next whole millisecond, at least 1 ms.
    static func billedMilliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return max(1, Int((nanos + 999_999) / 1_000_000))
    }
}
