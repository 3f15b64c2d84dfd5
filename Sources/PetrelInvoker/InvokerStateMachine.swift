import Foundation
import PetrelFunctions

/// A moment as the invoker's events carry it: the monotonic instant (durations, timeouts,
/// idle times) and the wall clock (log timestamps, the runtime's deadline).
struct Moment: Sendable {
    var instant: ContinuousClock.Instant
    var wall: Date

    static var now: Moment { Moment(instant: .now, wall: Date()) }
}

/// The invoker's bookkeeping as a pure state machine, in the style of SwiftNIO's protocol
/// state machines: it owns the instances, each revision's queue and idle list, the warm pool's
/// blanks, provisioned concurrency and the account's running count. Each mutating method takes
/// one event and returns the actions to perform; it never blocks, sleeps, reads a file or
/// resumes anything. `Invoker` holds it under a lock and performs the actions after releasing
/// the lock, so a process's I/O never runs inside the shared section.
struct InvokerStateMachine {
    struct Limits: Sendable {
        var concurrencyLimit: Int
        /// Memory the instances may reserve in all, by their MemorySize (MB).
        var memoryBudgetMB: Int = .max
        var keepAlive: Duration = .seconds(300)
        /// An idle instance is frozen once it has waited this long for work.
        var freezeDelay: Duration = .milliseconds(20)
        /// Whole seconds a runtime may take to initialise (for the INIT_REPORT line).
        var initTimeoutSeconds: Int = 10
        /// How fast one function may add instances (nil: as fast as the host allows).
        var scalingRate: ScalingRate? = .aws
    }

    struct PoolKey: Hashable, Sendable {
        var name: String
        var version: String
        var revisionID: String

        init(_ function: FunctionRecord) {
            name = function.name
            version = function.version
            revisionID = function.revisionId
        }
    }

    struct Pool {
        var queue: [Invocation] = []
        /// Idle instances, least recently used first.
        var idle: [String] = []
        var starting: Set<String> = []
        /// Instances that answered and are on their way back to `GET /next`: they take
        /// queued work within microseconds, so they count as arriving capacity.
        var returning: Set<String> = []

        var arriving: Int { starting.count + returning.count }
    }

    enum Phase: String, Sendable {
        case starting, idle, busy, dead
    }

    struct Instance {
        let id: String
        let key: PoolKey
        let function: FunctionRecord
        let spawnedAt: ContinuousClock.Instant
        var phase: Phase = .starting
        /// Retiring instances finish what their revision has queued, then stop.
        var retiring = false
        /// Its process is launched (a blank's is from the start).
        var attached = false
        var current: Invocation?
        var dispatchedAt = Moment(instant: .now, wall: Date(timeIntervalSince1970: 0))
        var idleSince: ContinuousClock.Instant
        var initDuration: Duration?
        var reportedInit = false
        /// How many invocations it was handed: a freeze ordered at sequence n is skipped once
        /// the instance has taken invocation n+1 (see `InstanceLink`).
        var sequence = 0
        /// A freeze was ordered since its last invocation. True until its first invocation:
        /// an instance that never ran one keeps its Init CPU burst and is not frozen.
        var frozen = true
    }

    /// A blank (pre-warmed) runtime of the warm pool (see `Invoker+WarmPool`).
    struct Blank {
        let id: String
        let key: BlankKey
        /// Its process is launched and its Runtime API port known.
        var attached = false
        /// Parked in `GET /assignment` (at least once).
        var ready = false
        var parked = false
        /// Taken by a function: waits for its assignment to be delivered.
        var assigned = false
        var assignmentPrepared = false
    }

    /// An invocation handed to an instance.
    struct Dispatch: Sendable {
        var invocation: Invocation
        var at: Moment
        /// The instance's invocation count, this one included.
        var sequence: Int
    }

    /// An invocation that ended on an instance: what its log and result need.
    struct Completion: Sendable {
        var instanceID: String
        var invocation: Invocation
        var function: FunctionRecord
        var dispatchedAt: Moment
        var duration: Duration
        var outcome: InvocationOutcome
        var extraLines: [String]
        /// The Init Duration its REPORT shows (the first invocation after a cold start), else nil.
        var initDuration: Duration?
        /// Its log tail starts with what the runtime logged while it initialised.
        var includesInitOutput: Bool
        /// The version had provisioned concurrency when the invocation finished (billed at its price).
        var onProvisionedConcurrency = false
    }

    /// Invocations that waited for an instance that failed to start.
    struct StartFailure: Sendable {
        var instanceID: String
        var key: PoolKey
        var failed: [Invocation]
        var outcome: InvocationOutcome
        /// The INIT_REPORT line, written to the instance's log after its output so far; nil
        /// when the process never ran.
        var reportLine: String?
        /// The failed invocations' log tail.
        var tailLines: [String]
        /// The tail starts with the instance's output (an init error's stack trace).
        var outputInTail: Bool
    }

    enum Action: Sendable {
        /// Hand the invocation to the instance's `GET /next`.
        case resume(instanceID: String, Dispatch)
        /// Answer the instance's `GET /next` with nothing: its connection closes.
        case release(instanceID: String)
        case launch(instanceID: String, FunctionRecord)
        case launchBlank(instanceID: String, BlankKey)
        /// Give a blank the function: its code, limits and environment.
        case assign(blankID: String, FunctionRecord)
        /// Kill everything of the instance (idempotent).
        case kill(instanceID: String)
        case freeze(instanceID: String, sequence: Int)
        case complete(Completion)
        /// The instance finished its Init: its output so far goes to its log.
        case initialised(instanceID: String)
        /// The instance exited idle: what it wrote last goes to its log.
        case flushOutput(instanceID: String)
        case startFailed(StartFailure)
        case deliverAssignment(blankID: String)
        case releaseAssignment(blankID: String)
        case watch(Invocation, deadline: ContinuousClock.Instant)
        case unwatch(Invocation)
        case throttled(function: String, version: String)
        case concurrency(function: String, running: Int)
        case error(String)
    }

    /// What `invocationArrived` decided.
    enum Admission: Equatable {
        case accepted
        /// The account's concurrency (or the host's memory) is used up.
        case throttled
        /// The function is adding instances faster than its scaling rate; retry after the seconds.
        case scalingRateExceeded(retryAfterSeconds: Int)
    }

    let limits: Limits
    /// The key of the blanks that can serve a function (nil: it starts from scratch).
    let blankKey: @Sendable (FunctionRecord) -> BlankKey?
    let newID: @Sendable () -> String

    private(set) var instances: [String: Instance] = [:]
    private(set) var pools: [PoolKey: Pool] = [:]
    /// Invocations accepted and not yet finished, across the account.
    private(set) var executions = 0
    /// Instances running an invocation, per function.
    private(set) var running: [String: Int] = [:]
    /// Provisioned concurrency: how many initialised instances to keep for a version.
    private(set) var provisioned: [PoolKey: Int] = [:]
    private(set) var blanks: [String: Blank] = [:]
    private(set) var warmPool: WarmPoolPolicy
    /// Each function's scaling-rate bucket (`Limits.scalingRate`).
    private(set) var scaling: [String: ScalingRate.Bucket] = [:]

    init(limits: Limits, warmPool: WarmPoolPolicy, blankKey: @escaping @Sendable (FunctionRecord) -> BlankKey?,
         newID: @escaping @Sendable () -> String = { ReportLines.randomHex(bytes: 16) }) {
        self.limits = limits
        self.warmPool = warmPool
        self.blankKey = blankKey
        self.newID = newID
    }

    // MARK: Invocations

    /// An invocation arrived: dispatch it to an idle instance, queue it (starting an instance
    /// if none is on its way), or refuse it.
    mutating func invocationArrived(_ invocation: Invocation, at now: Moment) -> (Admission, [Action]) {
        let function = invocation.request.function
        let key = PoolKey(function)
        var pool = pools[key, default: Pool()]
        let fits = pool.idle.isEmpty && executions < limits.concurrencyLimit && pool.queue.count + 1 > pool.arriving
            ? memoryFits(function) : true
        let placement = SchedulingPolicy.place(idle: pool.idle, queued: pool.queue.count, starting: pool.arriving,
                                               concurrentExecutions: executions, limit: limits.concurrencyLimit,
                                               memoryFits: fits)
        var actions: [Action] = []
        switch placement {
        case .throttle:
            return (.throttled, [.throttled(function: key.name, version: key.version)])
        case .dispatch(let instanceID):
            pool.idle.removeAll { $0 == instanceID }
            pools[key] = pool
            executions += 1
            dispatch(invocation, to: instanceID, at: now, into: &actions)
        case .queue:
            pool.queue.append(invocation)
            pools[key] = pool
            executions += 1
        case .queueAndStart:
            if let rate = limits.scalingRate {
                var bucket = scaling[key.name]
                let allowed = rate.take(&bucket, now: now.instant)
                scaling[key.name] = bucket
                guard allowed else {
                    return (.scalingRateExceeded(retryAfterSeconds: rate.retryAfterSeconds(bucket, now: now.instant)),
                            [.throttled(function: key.name, version: key.version)])
                }
            }
            pool.queue.append(invocation)
            pools[key] = pool
            executions += 1
            startInstance(for: function, at: now, into: &actions)
        }
        return (.accepted, actions)
    }

    /// `GET /next`: the instance wants work. It gets the head of its revision's queue, or
    /// parks idle (no action), or is released when it retires or is gone.
    mutating func runtimeAskedForWork(_ id: String, at now: Moment) -> [Action] {
        guard let instance = instances[id], instance.phase != .dead else { return [.release(instanceID: id)] }
        var actions: [Action] = []
        if let stale = instance.current {
            // The runtime asked for more work without answering: a failed answer.
            finish(id, outcome: .functionError(Self.errorDocument(
                type: "Runtime.InvalidResponse",
                message: "RequestId: \(stale.id) The runtime asked for the next invocation before answering this one.")),
                   at: now, into: &actions)
        }
        pools[instance.key]?.returning.remove(id)
        if instance.phase == .starting {
            instances[id]?.initDuration = instance.spawnedAt.duration(to: now.instant)
            pools[instance.key]?.starting.remove(id)
            actions.append(.initialised(instanceID: id))
        }
        if var pool = pools[instance.key], !pool.queue.isEmpty {
            let invocation = pool.queue.removeFirst()
            pools[instance.key] = pool
            dispatch(invocation, to: id, at: now, into: &actions)
            return actions
        }
        if instance.retiring {
            terminate(id, into: &actions)
            return actions
        }
        instances[id]?.phase = .idle
        instances[id]?.idleSince = now.instant
        // Initialised ahead of need (provisioned, or its invocation went elsewhere): no
        // invocation waited for its init, so none reports an Init Duration.
        instances[id]?.reportedInit = true
        pools[instance.key, default: Pool()].idle.append(id)
        return actions
    }

    /// The runtime answered (`/response`, `/error`, or a too-large response). Nil when the
    /// request id is not the instance's current invocation.
    /// The invocation instance `id` is running, if any.
    func currentInvocation(_ id: String) -> Invocation? { instances[id]?.current }

    mutating func runtimeAnswered(_ id: String, requestID: String, outcome: InvocationOutcome, at now: Moment) -> [Action]? {
        guard instances[id]?.current?.id == requestID else { return nil }
        var actions: [Action] = []
        finish(id, outcome: outcome, at: now, into: &actions)
        return actions
    }

    /// The invocation's timeout ran out: its instance is killed and the caller told.
    mutating func deadlineReached(_ invocation: Invocation, at now: Moment) -> [Action] {
        guard let instance = instances.values.first(where: { $0.current === invocation }) else { return [] }
        let seconds = invocation.request.function.settings.timeout
        var actions: [Action] = []
        finish(instance.id, outcome: .timedOut(seconds),
               extraLines: [ReportLines.timedOut(requestID: invocation.id, seconds: seconds, at: now.wall)],
               kill: true, at: now, into: &actions)
        return actions
    }

    // MARK: Instance lifecycle

    /// The instance's process is running (its Runtime API is up). False: it was stopped while
    /// it started, and the caller kills the process.
    mutating func launched(_ id: String) -> Bool {
        if blanks[id] != nil, instances[id] == nil {
            blanks[id]?.attached = true
            return true
        }
        guard instances[id]?.phase == .starting else { return false }
        instances[id]?.attached = true
        return true
    }

    /// The process could not be started at all.
    mutating func launchFailed(_ id: String, reason: String, at now: Moment) -> [Action] {
        var actions: [Action] = [.error("Could not start an instance: \(reason)")]
        if blankExited(id, into: &actions) { return actions }
        guard let instance = instances.removeValue(forKey: id) else { return actions }
        let document = Self.errorDocument(type: "Runtime.StartError", message: "Petrel could not start the runtime: \(reason)")
        failUncovered(instance.key, excluding: id, outcome: .functionError(document), reportLine: nil,
                      tailLines: ["[petrel] Could not start the runtime: \(reason)"], outputInTail: false, into: &actions)
        return actions
    }

    /// `POST /init/error`: the function could not load. The invocations waiting for this
    /// instance get the error; the instance stops. Nil when the instance is not initialising.
    mutating func initFailed(_ id: String, document: Data, errorType: String, at now: Moment) -> [Action]? {
        guard let instance = instances[id], instance.phase == .starting else { return nil }
        let line = "INIT_REPORT Init Duration: \(ReportLines.milliseconds(instance.spawnedAt.duration(to: now.instant))) ms\tPhase: init\tStatus: error\tError Type: \(errorType)"
        var actions: [Action] = []
        failUncovered(instance.key, excluding: id, outcome: .functionError(document), reportLine: line,
                      tailLines: [line], outputInTail: true, into: &actions)
        terminate(id, into: &actions)
        return actions
    }

    /// The instance did not finish its Init in time.
    mutating func initTimedOut(_ id: String) -> [Action] {
        guard let instance = instances[id], instance.phase == .starting else { return [] }
        let line = "INIT_REPORT Init Duration: \(limits.initTimeoutSeconds * 1000).00 ms\tPhase: init\tStatus: timeout"
        var actions: [Action] = []
        failUncovered(instance.key, excluding: id, outcome: .timedOut(limits.initTimeoutSeconds), reportLine: line,
                      tailLines: [line], outputInTail: false, into: &actions)
        terminate(id, into: &actions)
        return actions
    }

    /// The process is gone: finish what it was running and forget it; queued invocations
    /// that counted on it get instances of their own.
    mutating func instanceExited(_ id: String, status: String, at now: Moment) -> [Action] {
        var actions: [Action] = []
        if blankExited(id, into: &actions) { return actions }
        guard let instance = instances[id] else { return actions }
        if let invocation = instance.current {
            finish(id, outcome: .exited(status), extraLines: [ReportLines.exited(requestID: invocation.id, status: status)],
                   at: now, into: &actions)
        } else if instance.phase == .starting {
            let line = "INIT_REPORT Init Duration: \(ReportLines.milliseconds(instance.spawnedAt.duration(to: now.instant))) ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError"
            let requestID = pools[instance.key]?.queue.first?.id ?? ""
            failUncovered(instance.key, excluding: id, outcome: .exited(status), reportLine: line,
                          tailLines: [line, ReportLines.exited(requestID: requestID, status: status)], outputInTail: false,
                          into: &actions)
        } else {
            actions.append(.flushOutput(instanceID: id))
        }
        actions.append(.release(instanceID: id))
        instances.removeValue(forKey: id)
        pools[instance.key]?.idle.removeAll { $0 == id }
        pools[instance.key]?.starting.remove(id)
        pools[instance.key]?.returning.remove(id)
        if let pool = pools[instance.key] {
            // Invocations still queued need instances of their own.
            for _ in 0..<max(0, pool.queue.count - pool.arriving) {
                startInstance(for: instance.function, at: now, into: &actions)
            }
            replenish(instance.key, function: instance.function, at: now, into: &actions)
            if let pool = pools[instance.key], pool.queue.isEmpty, pool.idle.isEmpty, pool.arriving == 0,
               provisioned[instance.key] == nil, !instances.values.contains(where: { $0.key == instance.key }) {
                pools.removeValue(forKey: instance.key)
            }
        }
        return actions
    }

    /// Stops every instance of a function: idle ones now, busy ones when they finish.
    /// `version` nil retires every version (the function was deleted) and forgets its
    /// provisioned concurrency.
    mutating func retire(functionName: String, version: String?) -> [Action] {
        var actions: [Action] = []
        for (id, instance) in instances where instance.key.name == functionName && (version == nil || instance.key.version == version) {
            instances[id]?.retiring = true
            if instance.phase == .idle { terminate(id, into: &actions) }
        }
        if version == nil {
            for key in provisioned.keys where key.name == functionName { provisioned.removeValue(forKey: key) }
        }
        return actions
    }

    /// Periodic work: reaps instances idle past the keep-alive (provisioned ones stay).
    mutating func reapIdle(at now: Moment) -> [Action] {
        var kept: [PoolKey: Int] = [:]
        var actions: [Action] = []
        let idle = instances.values.filter { $0.phase == .idle }.sorted { $0.idleSince < $1.idleSince }
            .map { (id: $0.id, since: $0.idleSince) }
        for id in SchedulingPolicy.expired(idleSince: idle, now: now.instant, keepAlive: limits.keepAlive) {
            guard let key = instances[id]?.key else { continue }
            if let target = provisioned[key], kept[key, default: 0] < target {
                kept[key, default: 0] += 1
                continue
            }
            terminate(id, into: &actions)
        }
        return actions
    }

    /// Freezes the instances idle for `freezeDelay`. `waiting` is true while others are idle
    /// and not yet frozen (the caller looks again after `freezeDelay`).
    mutating func freezeIdle(at now: Moment) -> (waiting: Bool, actions: [Action]) {
        var waiting = false
        var actions: [Action] = []
        for (id, instance) in instances where instance.phase == .idle && !instance.frozen {
            if instance.idleSince.duration(to: now.instant) >= limits.freezeDelay {
                instances[id]?.frozen = true
                actions.append(.freeze(instanceID: id, sequence: instance.sequence))
            } else {
                waiting = true
            }
        }
        return (waiting, actions)
    }

    // MARK: Provisioned concurrency

    /// Keeps `count` initialised instances of this function version (0 stops keeping them).
    /// Instances of older revisions of the same version are no longer kept.
    mutating func provision(_ function: FunctionRecord, count: Int, at now: Moment) -> [Action] {
        let key = PoolKey(function)
        for old in provisioned.keys where old.name == key.name && old.version == key.version && old != key {
            provisioned.removeValue(forKey: old)
        }
        if count > 0 { provisioned[key] = count } else { provisioned.removeValue(forKey: key) }
        var actions: [Action] = []
        replenish(key, function: function, at: now, into: &actions)
        return actions
    }

    /// How many provisioned instances of the version are initialised (idle or busy).
    func provisionedAvailable(_ function: FunctionRecord) -> Int {
        let key = PoolKey(function)
        let ready = instances.values.filter { $0.key == key && ($0.phase == .idle || $0.phase == .busy) }.count
        return min(ready, provisioned[key] ?? 0)
    }

    /// Counts of instances by phase, plus queued invocations.
    func instanceCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for instance in instances.values { counts[instance.phase.rawValue, default: 0] += 1 }
        counts["queued"] = pools.values.reduce(0) { $0 + $1.queue.count }
        return counts
    }

    // MARK: Inside

    private mutating func dispatch(_ invocation: Invocation, to id: String, at now: Moment, into actions: inout [Action]) {
        guard var instance = instances[id] else { return }
        instance.phase = .busy
        instance.current = invocation
        instance.dispatchedAt = now
        instance.sequence += 1
        instance.frozen = false
        instances[id] = instance
        let function = invocation.request.function
        actions.append(.watch(invocation, deadline: now.instant + .seconds(function.settings.timeout)))
        running[function.name, default: 0] += 1
        actions.append(.concurrency(function: function.name, running: running[function.name]!))
        actions.append(.resume(instanceID: id, Dispatch(invocation: invocation, at: now, sequence: instance.sequence)))
    }

    /// Ends the instance's current invocation; it returns for more work unless `kill`.
    private mutating func finish(_ id: String, outcome: InvocationOutcome, extraLines: [String] = [], kill: Bool = false,
                                 at now: Moment, into actions: inout [Action]) {
        guard let instance = instances[id], let invocation = instance.current else { return }
        let duration = instance.dispatchedAt.instant.duration(to: now.instant)
        actions.append(.unwatch(invocation))
        instances[id]?.current = nil
        instances[id]?.reportedInit = true
        executions -= 1
        let name = instance.function.name
        running[name] = max(0, (running[name] ?? 1) - 1)
        actions.append(.concurrency(function: name, running: running[name]!))
        actions.append(.complete(Completion(
            instanceID: id, invocation: invocation, function: instance.function, dispatchedAt: instance.dispatchedAt,
            duration: duration, outcome: outcome, extraLines: extraLines,
            initDuration: instance.reportedInit ? nil : instance.initDuration, includesInitOutput: !instance.reportedInit,
            onProvisionedConcurrency: provisioned[instance.key] != nil)))
        if kill {
            terminate(id, into: &actions)
        } else {
            pools[instance.key]?.returning.insert(id)
        }
    }

    /// Fails invocations that waited for an instance that will never come: as many from the
    /// head of the queue as there are no other arriving instances to take them.
    private mutating func failUncovered(_ key: PoolKey, excluding id: String, outcome: InvocationOutcome, reportLine: String?,
                                        tailLines: [String], outputInTail: Bool, into actions: inout [Action]) {
        var failed: [Invocation] = []
        if var pool = pools[key] {
            pool.starting.remove(id)
            pool.returning.remove(id)
            let uncovered = max(0, pool.queue.count - pool.arriving)
            failed = Array(pool.queue.prefix(uncovered))
            pool.queue.removeFirst(uncovered)
            pools[key] = pool
        }
        executions -= failed.count
        actions.append(.startFailed(StartFailure(instanceID: id, key: key, failed: failed, outcome: outcome, reportLine: reportLine,
                                                 tailLines: tailLines, outputInTail: outputInTail)))
    }

    /// Marks the instance dead and kills it; its supervisor then reports the exit.
    private mutating func terminate(_ id: String, into actions: inout [Action]) {
        guard var instance = instances[id], instance.phase != .dead else { return }
        instance.phase = .dead
        instances[id] = instance
        pools[instance.key]?.idle.removeAll { $0 == id }
        pools[instance.key]?.returning.remove(id)
        actions.append(.kill(instanceID: id))
        actions.append(.release(instanceID: id))
    }

    private mutating func startInstance(for function: FunctionRecord, at now: Moment, into actions: inout [Action]) {
        if SchedulingPolicy.mustEvict(totalInstances: instances.count, limit: limits.concurrencyLimit),
           let victim = instances.values.filter({ $0.phase == .idle }).min(by: { $0.idleSince < $1.idleSince }) {
            terminate(victim.id, into: &actions)
        }
        makeRoom(for: function, into: &actions)
        if let blank = takeBlank(for: function, into: &actions) {
            register(blank.id, function: function, attached: blank.attached, at: now)
            actions.append(.assign(blankID: blank.id, function))
            fillWarmPool(into: &actions)
            return
        }
        let id = newID()
        register(id, function: function, attached: false, at: now)
        actions.append(.launch(instanceID: id, function))
    }

    private mutating func register(_ id: String, function: FunctionRecord, attached: Bool, at now: Moment) {
        let key = PoolKey(function)
        instances[id] = Instance(id: id, key: key, function: function, spawnedAt: now.instant, attached: attached,
                                 idleSince: now.instant)
        pools[key, default: Pool()].starting.insert(id)
    }

    /// Starts instances until the version has its provisioned number (starting ones count).
    private mutating func replenish(_ key: PoolKey, function: FunctionRecord, at now: Moment, into actions: inout [Action]) {
        guard let target = provisioned[key] else { return }
        let present = instances.values.filter { $0.key == key && $0.phase != .dead && !$0.retiring }.count
        for _ in 0..<max(0, target - present) { startInstance(for: function, at: now, into: &actions) }
    }

    /// Whether one more instance of `function` fits the memory budget, counting idle
    /// instances of other functions as evictable. O(instances), paid only on a cold start path.
    func memoryFits(_ function: FunctionRecord) -> Bool {
        guard limits.memoryBudgetMB != .max else { return true }
        var reserved = 0, evictable = 0
        for instance in instances.values where instance.phase != .dead {
            reserved += instance.function.settings.memorySize
            if instance.phase == .idle, instance.key.name != function.name { evictable += instance.function.settings.memorySize }
        }
        return SchedulingPolicy.memoryFits(needMB: function.settings.memorySize, reservedMB: reserved, evictableMB: evictable,
                                           budgetMB: limits.memoryBudgetMB)
    }

    /// Evicts idle instances of other functions, least recently used first, until `function`
    /// fits the memory budget.
    private mutating func makeRoom(for function: FunctionRecord, into actions: inout [Action]) {
        guard limits.memoryBudgetMB != .max else { return }
        var reserved = instances.values.filter { $0.phase != .dead }.reduce(0) { $0 + $1.function.settings.memorySize }
        let victims = instances.values.filter { $0.phase == .idle && $0.key.name != function.name }.sorted { $0.idleSince < $1.idleSince }
        for victim in victims where reserved + function.settings.memorySize > limits.memoryBudgetMB {
            reserved -= victim.function.settings.memorySize
            terminate(victim.id, into: &actions)
        }
    }

    static func errorDocument(type: String, message: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["errorType": type, "errorMessage": message], options: [.sortedKeys])) ?? Data()
    }
}

// MARK: The warm pool

extension InvokerStateMachine {
    /// Starts blanks until every key has its target, and stops blanks of keys no longer served.
    mutating func fillWarmPool() -> [Action] {
        var actions: [Action] = []
        fillWarmPool(into: &actions)
        return actions
    }

    private mutating func fillWarmPool(into actions: inout [Action]) {
        let waiting = blanks.values.filter { !$0.assigned }
        for key in warmPool.unwanted(present: waiting.map(\.key)) {
            for blank in waiting where blank.key == key { stopBlank(blank.id, into: &actions) }
        }
        let present = waiting.reduce(into: [BlankKey: Int]()) { $0[$1.key, default: 0] += 1 }
        for (key, missing) in warmPool.shortfall(present: present) {
            for _ in 0..<missing {
                let id = newID()
                blanks[id] = Blank(id: id, key: key)
                actions.append(.launchBlank(instanceID: id, key))
            }
        }
    }

    /// A blank that can serve `function` now (launched; ready ones first), taken out of the pool.
    private mutating func takeBlank(for function: FunctionRecord, into actions: inout [Action]) -> Blank? {
        guard warmPool.isEnabled, let key = blankKey(function) else { return nil }
        let candidates = blanks.values.filter { $0.key == key && !$0.assigned && $0.attached }
        guard let blank = candidates.first(where: \.ready) ?? candidates.first else {
            warmPool.missed(key)
            fillWarmPool(into: &actions)
            return nil
        }
        blanks[blank.id]?.assigned = true
        return blank
    }

    /// The assignment of a blank taken by a function is ready (its code is linked in).
    mutating func assignmentPrepared(_ id: String) -> [Action] {
        guard var blank = blanks[id] else { return [] }
        if blank.parked {
            blanks.removeValue(forKey: id)
            return [.deliverAssignment(blankID: id)]
        }
        blank.assignmentPrepared = true
        blanks[id] = blank
        return []
    }

    /// `GET /runtime/petrel/assignment`: the blank waits for a function (no action), gets its
    /// prepared assignment, or is released.
    mutating func blankAskedForAssignment(_ id: String) -> [Action] {
        guard var blank = blanks[id], !blank.parked else { return [.releaseAssignment(blankID: id)] }
        if blank.assignmentPrepared {
            blanks.removeValue(forKey: id)
            return [.deliverAssignment(blankID: id)]
        }
        if !blank.ready {
            blank.ready = true
            warmPool.becameReady(blank.key.family)
        }
        blank.parked = true
        blanks[id] = blank
        return []
    }

    /// Preparing a taken blank's code failed: it stops, and so does its instance.
    mutating func assignmentFailed(_ id: String, reason: String, at now: Moment) -> [Action] {
        var actions = launchFailed(id, reason: "its code could not be given to a warm instance: \(reason)", at: now)
        stopBlank(id, into: &actions)
        actions.append(.kill(instanceID: id))
        return actions
    }

    /// A blank's process ended. True when it was still only a blank (nothing else to do).
    private mutating func blankExited(_ id: String, into actions: inout [Action]) -> Bool {
        guard let blank = blanks.removeValue(forKey: id) else { return false }
        if blank.parked { actions.append(.releaseAssignment(blankID: id)) }
        if blank.assigned { return false }
        if !blank.ready, warmPool.diedBeforeReady(blank.key.family) {
            actions.append(.error("Warm-pool \(blank.key.family.rawValue) runtimes keep exiting before they are ready; no more are started. See the output.log of the next one, or start petrel with --warm-pool \(blank.key.family == .node ? "nodejs" : "python")=0."))
        }
        fillWarmPool(into: &actions)
        return true
    }

    private mutating func stopBlank(_ id: String, into actions: inout [Action]) {
        guard let blank = blanks.removeValue(forKey: id) else { return }
        actions.append(.kill(instanceID: id))
        if blank.parked { actions.append(.releaseAssignment(blankID: id)) }
    }
}
