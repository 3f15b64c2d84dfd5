import Foundation
import Logging
import NIOCore
import NIOPosix
import PetrelCore
import PetrelFunctions
import PetrelLogs
import PetrelSandbox

/// Runs invocations on instances: keeps a queue and a warm pool per function revision,
/// starts instances as concurrency needs, enforces timeouts and the account's concurrency
/// limit, reaps idle instances, and writes each invocation's log with START/END/REPORT.
///
/// Instances pull work: a runtime's `GET /next` takes the head of its revision's queue or
/// waits (frozen) as an idle instance. All decisions come from `SchedulingPolicy`.
public actor Invoker {
    let configuration: InvokerConfiguration
    let launcher: any InstanceLauncher
    let logs: LogStore
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    /// Which interpreter runs which runtime here, found once at start.
    public nonisolated let interpreters: RuntimeInterpreters
    let observer: (any InvocationObserver)?

    var instances: [String: Instance] = [:]
    var pools: [PoolKey: Pool] = [:]
    /// Invocations accepted and not yet finished, across the account.
    var executions = 0
    /// Instances running an invocation, per function.
    var running: [String: Int] = [:]
    /// Provisioned concurrency: how many initialised instances to keep for a version.
    var provisioned: [PoolKey: Int] = [:]
    /// The warm pool's blank instances (see Invoker+WarmPool), and what it keeps.
    var blanks: [String: Blank] = [:]
    var warmPool: WarmPoolPolicy
    /// Running invocations' timeouts, watched by one loop in `run()`.
    let deadlines = Deadlines()
    /// Wakes the loop that freezes instances idle for `freezeDelay`.
    let idleSignal = WakeSignal()
    /// An idle instance is frozen once it has waited this long for work: a client calling in
    /// a loop finds it still thawed, and a timer left running gets at most this much time.
    static let freezeDelay: Duration = .milliseconds(20)
    let launchOrders: AsyncStream<LaunchOrder>
    let launchContinuation: AsyncStream<LaunchOrder>.Continuation

    struct PoolKey: Hashable {
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
        let logStream: String
        let workDirectory: String
        let reader: OutputReader
        let spawnedAt: ContinuousClock.Instant
        var phase: Phase = .starting
        /// Retiring instances finish what their revision has queued, then stop.
        var retiring = false
        var launched: LaunchedInstance?
        var waiter: CheckedContinuation<RuntimeInvocation?, Never>?
        var current: Invocation?
        var dispatchedAt: ContinuousClock.Instant = .now
        var dispatchedWall = Date()
        var idleSince: ContinuousClock.Instant = .now
        var initDuration: Duration?
        var reportedInit = false
        /// What the runtime logged while it initialised: the first invocation's log tail
        /// starts with it, as on AWS (`Loading function`).
        var initEvents: [PetrelLogs.LogEvent] = []
        /// Frozen, or not yet thawed once (the first thaw also ends the Init CPU burst).
        var thawNeeded = true
    }

    struct LaunchOrder: Sendable {
        enum Purpose: Sendable {
            case function(FunctionRecord, logStream: String)
            case blank(BlankKey)
        }
        var instanceID: String
        var purpose: Purpose
        var workDirectory: String
    }

    init(configuration: InvokerConfiguration, launcher: any InstanceLauncher, logs: LogStore, logger: Logger,
         eventLoopGroup: any EventLoopGroup, interpreters: RuntimeInterpreters,
         observer: (any InvocationObserver)?) {
        self.configuration = configuration
        self.launcher = launcher
        self.logs = logs
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.interpreters = interpreters
        self.observer = observer
        self.warmPool = configuration.warmPool
        var defaults: [RuntimeFamily: String] = [:]
        for interpreter in interpreters.installed where defaults[interpreter.family] == nil {
            defaults[interpreter.family] = interpreter.path
        }
        self.warmPool.useDefaultInterpreters(defaults)
        (launchOrders, launchContinuation) = AsyncStream.makeStream(of: LaunchOrder.self)
    }

    /// Builds an invoker, resolving the interpreters' paths once.
    public static func make(configuration: InvokerConfiguration, launcher: any InstanceLauncher, logs: LogStore,
                            logger: Logger, observer: (any InvocationObserver)? = nil,
                            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> Invoker {
        let interpreters = RuntimeInterpreters(installed: await InterpreterDiscovery.discover(runtimeDirectory: configuration.runtimeDirectory),
                                               allowsFallback: configuration.runtimeFallback)
        try? FileManager.default.removeItem(atPath: configuration.workDirectory)
        try? FileManager.default.createDirectory(atPath: configuration.workDirectory, withIntermediateDirectories: true)
        return Invoker(configuration: configuration, launcher: launcher, logs: logs, logger: logger,
                       eventLoopGroup: eventLoopGroup, interpreters: interpreters, observer: observer)
    }

    // MARK: Invoking

    /// Runs one invocation to its end: success, function error, timeout or crash. Throws only
    /// when the invocation is refused (throttled).
    public nonisolated func invoke(_ request: InvocationRequest) async throws -> InvocationResult {
        let invocation = Invocation(request)
        try await enqueue(invocation)
        // The timeout's clock starts when an instance takes it (see `dispatch` and `deadlines`).
        return await invocation.result()
    }

    func enqueue(_ invocation: Invocation) throws {
        let key = PoolKey(invocation.request.function)
        var pool = pools[key, default: Pool()]
        let placement = SchedulingPolicy.place(idle: pool.idle, queued: pool.queue.count, starting: pool.arriving,
                                               concurrentExecutions: executions, limit: configuration.concurrencyLimit,
                                               memoryFits: memoryFits(invocation.request.function))
        switch placement {
        case .throttle:
            observer?.invocationThrottled(function: key.name, version: key.version)
            throw AWSError.tooManyRequests("Rate Exceeded.", reason: "ConcurrentInvocationLimitExceeded")
        case .dispatch(let instanceID):
            pool.idle.removeAll { $0 == instanceID }
            pools[key] = pool
            executions += 1
            let waiter = instances[instanceID]?.waiter
            instances[instanceID]?.waiter = nil
            let work = dispatch(invocation, to: instanceID)
            waiter?.resume(returning: work)
        case .queue:
            pool.queue.append(invocation)
            pools[key] = pool
            executions += 1
        case .queueAndStart:
            pool.queue.append(invocation)
            pools[key] = pool
            executions += 1
            startInstance(for: invocation.request.function)
        }
    }

    /// Whether one more instance of `function` fits the memory budget, counting idle
    /// instances of other functions as evictable. O(instances), paid only on a cold start path.
    func memoryFits(_ function: FunctionRecord) -> Bool {
        guard configuration.memoryBudgetMB != .max else { return true }
        var reserved = 0, evictable = 0
        for instance in instances.values where instance.phase != .dead {
            reserved += instance.function.settings.memorySize
            if instance.phase == .idle, instance.key.name != function.name { evictable += instance.function.settings.memorySize }
        }
        return SchedulingPolicy.memoryFits(needMB: function.settings.memorySize, reservedMB: reserved, evictableMB: evictable,
                                           budgetMB: configuration.memoryBudgetMB)
    }

    /// Evicts idle instances of other functions, least recently used first, until `function`
    /// fits the memory budget.
    func makeRoom(for function: FunctionRecord) {
        guard configuration.memoryBudgetMB != .max else { return }
        var reserved = instances.values.filter { $0.phase != .dead }.reduce(0) { $0 + $1.function.settings.memorySize }
        let victims = instances.values.filter { $0.phase == .idle && $0.key.name != function.name }.sorted { $0.idleSince < $1.idleSince }
        for victim in victims where reserved + function.settings.memorySize > configuration.memoryBudgetMB {
            reserved -= victim.function.settings.memorySize
            terminate(victim.id)
        }
    }

    /// Marks the instance busy with `invocation` and returns what its runtime receives.
    func dispatch(_ invocation: Invocation, to instanceID: String) -> RuntimeInvocation {
        let now = ContinuousClock.now
        let wall = Date()
        instances[instanceID]?.phase = .busy
        instances[instanceID]?.current = invocation
        instances[instanceID]?.dispatchedAt = now
        instances[instanceID]?.dispatchedWall = wall
        if instances[instanceID]?.thawNeeded == true {
            instances[instanceID]?.launched?.thaw()
            instances[instanceID]?.thawNeeded = false
        }
        let request = invocation.request
        deadlines.add(invocation, at: now + .seconds(request.function.settings.timeout))
        running[request.function.name, default: 0] += 1
        observer?.concurrencyChanged(function: request.function.name, running: running[request.function.name]!)
        let deadline = Int64((wall.timeIntervalSince1970 + Double(request.function.settings.timeout)) * 1000)
        return RuntimeInvocation(requestID: request.requestID, payload: request.payload, deadlineMs: deadline,
                                 functionArn: request.invokedFunctionArn, traceID: Self.traceID(wall),
                                 clientContext: request.clientContext, cognitoIdentity: request.cognitoIdentity)
    }

    static func traceID(_ date: Date) -> String {
        let time = String(UInt32(date.timeIntervalSince1970), radix: 16)
        let random = ReportLines.randomHex(bytes: 20)
        return "Root=1-\(time)-\(random.prefix(24));Parent=\(random.suffix(16));Sampled=0;Lineage=1:0"
    }

    /// The timeout ran out: the instance is killed and the caller told.
    func expire(_ invocation: Invocation) {
        guard let instance = instances.values.first(where: { $0.current === invocation }) else { return }
        let seconds = invocation.request.function.settings.timeout
        finish(instance.id, outcome: .timedOut(seconds),
               extraLines: [ReportLines.timedOut(requestID: invocation.id, seconds: seconds, at: Date())], kill: true)
    }

    // MARK: Finishing

    /// Ends the instance's current invocation: collects its output, writes its log with
    /// START/END/REPORT, and completes it for the caller.
    func finish(_ instanceID: String, outcome: InvocationOutcome, extraLines: [String] = [], kill: Bool = false) {
        guard let instance = instances[instanceID], let invocation = instance.current else { return }
        let duration = instance.dispatchedAt.duration(to: .now)
        let initDuration = instance.reportedInit ? nil : instance.initDuration
        let billed = InvocationBill.billedMilliseconds(duration: duration, initDuration: initDuration)
        let peak = instance.launched?.peakMemory() ?? 0
        let memoryMB = (peak + 1_048_575) / 1_048_576
        let now = Date()
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        let requestID = invocation.id
        var events = [LogEvent(timestamp: Int64(instance.dispatchedWall.timeIntervalSince1970 * 1000),
                               message: ReportLines.start(requestID: requestID, version: instance.function.version))]
        events += instance.reader.read(now: now)
        events += extraLines.map { LogEvent(timestamp: millis, message: $0) }
        events.append(LogEvent(timestamp: millis, message: ReportLines.end(requestID: requestID)))
        events.append(LogEvent(timestamp: millis, message: ReportLines.report(
            requestID: requestID, duration: duration, billedMilliseconds: billed,
            memorySizeMB: instance.function.settings.memorySize, maxMemoryUsedMB: memoryMB, initDuration: initDuration)))
        logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream, events: events)

        deadlines.remove(invocation)
        instances[instanceID]?.current = nil
        instances[instanceID]?.reportedInit = true
        executions -= 1
        let name = instance.function.name
        running[name] = max(0, (running[name] ?? 1) - 1)
        observer?.invocationFinished(function: name, version: instance.function.version, duration: duration, failed: {
            if case .success = outcome { return false }
            return true
        }())
        let settings = instance.function.settings
        observer?.invocationBilled(InvocationBill(function: name, version: instance.function.version,
                                                  architecture: settings.architectures.first ?? "x86_64", memorySizeMB: settings.memorySize,
                                                  ephemeralStorageMB: settings.ephemeralStorageMB, billedMilliseconds: billed))
        let initEvents = instance.reportedInit ? [] : instance.initEvents
        instances[instanceID]?.initEvents = []
        let tail = invocation.request.wantsLogTail ? (initEvents + events).map(\.message).joined(separator: "\n") + "\n" : ""
        if kill {
            terminate(instanceID)
        } else {
            pools[instance.key]?.returning.insert(instanceID)
        }
        invocation.complete(InvocationResult(requestID: requestID, outcome: outcome, executedVersion: instance.function.version,
                                             logTail: tail, duration: duration, billedMilliseconds: billed, maxMemoryUsedMB: memoryMB))
    }

    /// Fails invocations that waited for an instance that will never come: as many from the
    /// head of the queue as there are no other starting instances to take them.
    func failUncovered(_ key: PoolKey, excluding instanceID: String, outcome: InvocationOutcome, logLines: [String]) {
        guard var pool = pools[key] else { return }
        pool.starting.remove(instanceID)
        pool.returning.remove(instanceID)
        let uncovered = max(0, pool.queue.count - pool.arriving)
        let failed = pool.queue.prefix(uncovered)
        pool.queue.removeFirst(uncovered)
        pools[key] = pool
        for invocation in failed {
            executions -= 1
            observer?.invocationFinished(function: key.name, version: key.version, duration: .zero, failed: true)
            let tail = invocation.request.wantsLogTail ? logLines.joined(separator: "\n") + "\n" : ""
            invocation.complete(InvocationResult(requestID: invocation.id, outcome: outcome, executedVersion: key.version,
                                                 logTail: tail, duration: .zero, billedMilliseconds: 0, maxMemoryUsedMB: 0))
        }
    }

    // MARK: Retiring and reaping

    /// Stops every instance of a function: idle ones now, busy ones when they finish. Called
    /// when its code or configuration changes or it is deleted.
    /// `version` nil retires every version (the function was deleted) and forgets its
    /// provisioned concurrency.
    public func retire(functionName: String, version: String? = nil) {
        for (id, instance) in instances where instance.key.name == functionName && (version == nil || instance.key.version == version) {
            instances[id]?.retiring = true
            if instance.phase == .idle { terminate(id) }
        }
        if version == nil {
            for key in provisioned.keys where key.name == functionName { provisioned.removeValue(forKey: key) }
        }
    }

    /// Kills an instance; its supervisor then reports the exit.
    func terminate(_ instanceID: String) {
        guard var instance = instances[instanceID], instance.phase != .dead else { return }
        instance.phase = .dead
        let waiter = instance.waiter
        instance.waiter = nil
        instances[instanceID] = instance
        pools[instance.key]?.idle.removeAll { $0 == instanceID }
        pools[instance.key]?.returning.remove(instanceID)
        instance.launched?.destroy()
        waiter?.resume(returning: nil)
    }

    func reapIdle() {
        var kept: [PoolKey: Int] = [:]
        let idle = instances.values.filter { $0.phase == .idle }.map { (id: $0.id, since: $0.idleSince) }
        for id in SchedulingPolicy.expired(idleSince: idle, now: ContinuousClock.now, keepAlive: configuration.keepAlive) {
            guard let key = instances[id]?.key else { continue }
            // Provisioned instances stay, however long they idle.
            if let target = provisioned[key], kept[key, default: 0] < target {
                kept[key, default: 0] += 1
                continue
            }
            logger.debug("Reaping idle instance \(id)")
            terminate(id)
        }
    }

    // MARK: Provisioned concurrency

    /// Keeps `count` initialised instances of this function version (0 stops keeping them).
    /// Instances of older revisions of the same version are no longer kept.
    public func provision(_ function: FunctionRecord, count: Int) {
        let key = PoolKey(function)
        for old in provisioned.keys where old.name == key.name && old.version == key.version && old != key {
            provisioned.removeValue(forKey: old)
        }
        if count > 0 { provisioned[key] = count } else { provisioned.removeValue(forKey: key) }
        replenish(key, function: function)
    }

    /// How many provisioned instances of the version are initialised (idle or busy).
    public func provisionedAvailable(_ function: FunctionRecord) -> Int {
        let key = PoolKey(function)
        let ready = instances.values.filter { $0.key == key && ($0.phase == .idle || $0.phase == .busy) }.count
        return min(ready, provisioned[key] ?? 0)
    }

    /// Starts instances until the version has its provisioned number (starting ones count).
    func replenish(_ key: PoolKey, function: FunctionRecord) {
        guard let target = provisioned[key] else { return }
        let present = instances.values.filter { $0.key == key && $0.phase != .dead && !$0.retiring }.count
        for _ in 0..<max(0, target - present) { startInstance(for: function) }
    }

    /// Counts of instances by phase, for status pages and metrics.
    public func instanceCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for instance in instances.values { counts[instance.phase.rawValue, default: 0] += 1 }
        counts["queued"] = pools.values.reduce(0) { $0 + $1.queue.count }
        return counts
    }
}
