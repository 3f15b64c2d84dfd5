import Foundation
import Logging
import NIOCore
import NIOPosix
import PetrelCore
import PetrelFunctions
import PetrelLogs
import PetrelSandbox
import Synchronization

/// Runs invocations on instances: keeps a queue and a warm pool per function revision,
/// starts instances as concurrency needs, enforces timeouts and the account's concurrency
/// limit, reaps idle instances, and writes each invocation's log with START/END/REPORT.
///
/// Every decision is `InvokerStateMachine`'s. The invoker is its executor: it holds the
/// machine under one lock, feeds it events, and performs the actions it returns after the
/// lock is released, on the task that sent the event: an instance's answer is logged, its
/// output read and its memory measured on the instance's own Runtime API connection. It owns
/// the continuations of runtimes parked in `GET /next` and blanks parked in
/// `GET /runtime/petrel/assignment`.
public final class Invoker: Sendable {
    typealias Machine = InvokerStateMachine
    typealias Action = InvokerStateMachine.Action

    let configuration: InvokerConfiguration
    let launcher: any InstanceLauncher
    let logs: LogStore
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    /// Which interpreter runs which runtime here, found once at start.
    public let interpreters: RuntimeInterpreters
    let observer: (any InvocationObserver)?
    /// Running invocations' timeouts, watched by one loop in `run()`.
    let deadlines = Deadlines()
    /// Wakes the loop that freezes instances idle for `freezeDelay`.
    let idleSignal = WakeSignal()
    /// An idle instance is frozen once it has waited this long for work: a client calling in
    /// a loop finds it still thawed, and a timer left running gets at most this much time.
    static let freezeDelay: Duration = .milliseconds(20)
    let launchOrders: AsyncStream<LaunchOrder>
    let launchContinuation: AsyncStream<LaunchOrder>.Continuation
    let state: Mutex<Locked>

    /// What the lock protects: the machine, and the per-instance objects and continuations
    /// the executor keeps beside it.
    struct Locked {
        var machine: Machine
        var links: [String: InstanceLink] = [:]
        var waiters: [String: CheckedContinuation<Machine.Dispatch?, Never>] = [:]
        var assignmentWaiters: [String: CheckedContinuation<Data?, Never>] = [:]
        /// Hand-offs that arrived before their runtime parked (between the event that
        /// parked it and its continuation being stored).
        var early: [String: Handoff] = [:]
        var earlyAssignments: [String: Bool] = [:]
    }

    struct Handoff: Sendable {
        var dispatch: Machine.Dispatch?
    }

    struct LaunchOrder: Sendable {
        enum Purpose: Sendable {
            case function(FunctionRecord)
            case blank(BlankKey)
        }
        var link: InstanceLink
        var purpose: Purpose
        var instanceID: String { link.id }
        var workDirectory: String { link.workDirectory }
    }

    /// What to do once the lock is released.
    enum Effect: Sendable {
        case resume(CheckedContinuation<Machine.Dispatch?, Never>, Machine.Dispatch?)
        case assignment(CheckedContinuation<Data?, Never>, InstanceLink?, deliver: Bool)
        case perform(Action, InstanceLink?)
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
        var warmPool = configuration.warmPool
        var defaults: [RuntimeFamily: String] = [:]
        for interpreter in interpreters.installed where defaults[interpreter.family] == nil {
            defaults[interpreter.family] = interpreter.path
        }
        warmPool.useDefaultInterpreters(defaults)
        let limits = Machine.Limits(concurrencyLimit: configuration.concurrencyLimit, memoryBudgetMB: configuration.memoryBudgetMB,
                                    keepAlive: configuration.keepAlive, freezeDelay: Self.freezeDelay,
                                    initTimeoutSeconds: Int(configuration.initTimeout.components.seconds),
                                    scalingRate: configuration.scalingRate.map { ScalingRate(burst: $0, window: .seconds(10)) })
        let machine = Machine(limits: limits, warmPool: warmPool, blankKey: { function in
            guard let interpreter = try? Self.interpreterPath(for: function, interpreters) else { return nil }
            return BlankKey.serving(function.settings, interpreter: interpreter)
        })
        state = Mutex(Locked(machine: machine))
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
    public func invoke(_ request: InvocationRequest) async throws -> InvocationResult {
        // Reserved concurrency is checked first: a function at its reservation is refused
        // with its own reason, whatever the account's pool holds.
        let reserved = configuration.reservedConcurrency
        do {
            try reserved?.enter(request.function.name)
        } catch {
            observer?.invocationThrottled(function: request.function.name, version: request.function.version)
            throw error
        }
        defer { reserved?.leave(request.function.name) }
        let invocation = Invocation(request)
        let now = Moment.now
        let admission = send { machine in machine.invocationArrived(invocation, at: now) }
        switch admission {
        case .accepted:
            break
        case .throttled:
            throw AWSError.tooManyRequests("Rate Exceeded.", reason: "ConcurrentInvocationLimitExceeded")
        case .scalingRateExceeded(let seconds):
            throw AWSError.tooManyRequests("Rate Exceeded. The function is adding instances faster than its scaling rate allows; retry in \(seconds) s.",
                                           reason: "FunctionInvocationRateLimitExceeded")
        }
        // The timeout's clock starts when an instance takes it (see the machine's `dispatch`).
        return await invocation.result()
    }

    // MARK: The executor

    /// Feeds the machine one event under the lock, then performs its actions.
    func send(_ event: (inout Machine) -> [Action]) {
        let effects = state.withLock { s in
            let actions = event(&s.machine)
            return Self.apply(actions, to: &s, configuration: configuration)
        }
        perform(effects)
    }

    func send<T>(_ event: (inout Machine) -> (T, [Action])) -> T {
        let (value, effects) = state.withLock { s in
            let (value, actions) = event(&s.machine)
            return (value, Self.apply(actions, to: &s, configuration: configuration))
        }
        perform(effects)
        return value
    }

    /// Under the lock: finds the continuations and per-instance objects the actions need.
    /// `caller`'s own hand-off (the runtime asking right now) is returned in `immediate`.
    static func apply(_ actions: [Action], to s: inout Locked, configuration: InvokerConfiguration,
                      caller: String? = nil, immediate: inout Handoff?, immediateAssignment: inout Bool?) -> [Effect] {
        var effects: [Effect] = []
        effects.reserveCapacity(actions.count)
        for action in actions {
            switch action {
            case .resume(let id, let dispatch):
                handOff(Handoff(dispatch: dispatch), to: id, in: &s, caller: caller, immediate: &immediate, effects: &effects)
            case .release(let id):
                handOff(Handoff(dispatch: nil), to: id, in: &s, caller: caller, immediate: &immediate, effects: &effects)
            case .deliverAssignment(let id), .releaseAssignment(let id):
                var deliver = false
                if case .deliverAssignment = action { deliver = true }
                if id == caller {
                    immediateAssignment = deliver
                } else if let waiter = s.assignmentWaiters.removeValue(forKey: id) {
                    effects.append(.assignment(waiter, s.links[id], deliver: deliver))
                } else {
                    s.earlyAssignments[id] = deliver
                }
            case .launch(let id, let function):
                let link = InstanceLink(id: id, workDirectory: "\(configuration.workDirectory)/\(id)", function: function,
                                        logStream: RuntimeEnvironment.logStreamName(version: function.version, instanceID: id, date: Date()))
                s.links[id] = link
                effects.append(.perform(action, link))
            case .launchBlank(let id, _):
                let link = InstanceLink(id: id, workDirectory: "\(configuration.workDirectory)/\(id)", function: nil, logStream: "")
                s.links[id] = link
                effects.append(.perform(action, link))
            case .assign(let id, let function):
                let link = s.links[id]
                link?.becomes(function, logStream: RuntimeEnvironment.logStreamName(version: function.version, instanceID: id, date: Date()))
                effects.append(.perform(action, link))
            case .kill(let id), .freeze(let id, _), .initialised(let id), .flushOutput(let id):
                effects.append(.perform(action, s.links[id]))
            case .complete(let completion):
                effects.append(.perform(action, s.links[completion.instanceID]))
            case .startFailed(let failure):
                effects.append(.perform(action, s.links[failure.instanceID]))
            case .watch, .unwatch, .throttled, .concurrency, .error:
                effects.append(.perform(action, nil))
            }
        }
        return effects
    }

    static func apply(_ actions: [Action], to s: inout Locked, configuration: InvokerConfiguration) -> [Effect] {
        var immediate: Handoff?
        var assignment: Bool?
        return apply(actions, to: &s, configuration: configuration, immediate: &immediate, immediateAssignment: &assignment)
    }

    private static func handOff(_ handoff: Handoff, to id: String, in s: inout Locked, caller: String?, immediate: inout Handoff?,
                                effects: inout [Effect]) {
        if id == caller {
            immediate = handoff
        } else if let waiter = s.waiters.removeValue(forKey: id) {
            effects.append(.resume(waiter, handoff.dispatch))
        } else if handoff.dispatch != nil || s.links[id] != nil {
            s.early[id] = handoff
        }
    }

    func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .resume(let waiter, let dispatch):
                waiter.resume(returning: dispatch)
            case .assignment(let waiter, let link, let deliver):
                waiter.resume(returning: deliver ? link?.takeAssignment() : nil)
            case .perform(let action, let link):
                perform(action, link)
            }
        }
    }

    private func perform(_ action: Action, _ link: InstanceLink?) {
        switch action {
        case .resume, .release, .deliverAssignment, .releaseAssignment:
            break  // turned into continuations under the lock
        case .launch(_, let function):
            guard let link else { return }
            noteFallback(function, link: link)
            launchContinuation.yield(LaunchOrder(link: link, purpose: .function(function)))
        case .launchBlank(_, let key):
            guard let link else { return }
            launchContinuation.yield(LaunchOrder(link: link, purpose: .blank(key)))
        case .assign(_, let function):
            guard let link else { return }
            noteFallback(function, link: link)
            assign(link, to: function)
        case .kill:
            link?.destroy()
        case .freeze(_, let sequence):
            link?.freeze(ifStillAt: sequence)
        case .complete(let completion):
            complete(completion, link: link)
        case .initialised:
            guard let link, let function = link.function else { return }
            let output = link.readOutput()
            if !output.isEmpty {
                logs.append(group: "/aws/lambda/\(function.name)", stream: link.logStream, events: output)
                link.addInitEvents(output)
            }
        case .flushOutput:
            guard let link, let function = link.function else { return }
            let leftovers = link.readOutput()
            if !leftovers.isEmpty {
                logs.append(group: "/aws/lambda/\(function.name)", stream: link.logStream, events: leftovers)
            }
        case .startFailed(let failure):
            startFailed(failure, link: link)
        case .watch(let invocation, let deadline):
            deadlines.add(invocation, at: deadline)
        case .unwatch(let invocation):
            deadlines.remove(invocation)
        case .throttled(let function, let version):
            observer?.invocationThrottled(function: function, version: version)
        case .concurrency(let function, let running):
            observer?.concurrencyChanged(function: function, running: running)
        case .error(let message):
            logger.error("\(message)")
        }
    }

    /// Logs the invocation with START/END/REPORT and completes it for the caller.
    private func complete(_ c: Machine.Completion, link: InstanceLink?) {
        let peak = link?.peakMemoryBytes() ?? 0
        let memoryMB = (peak + 1_048_575) / 1_048_576
        let billed = InvocationBill.billedMilliseconds(duration: c.duration, initDuration: c.initDuration)
        let now = Date()
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        let requestID = c.invocation.id
        var events = [LogEvent(timestamp: Int64(c.dispatchedAt.wall.timeIntervalSince1970 * 1000),
                               message: ReportLines.start(requestID: requestID, version: c.function.version))]
        events += link?.readOutput(now: now) ?? []
        events += c.extraLines.map { LogEvent(timestamp: millis, message: $0) }
        events.append(LogEvent(timestamp: millis, message: ReportLines.end(requestID: requestID)))
        events.append(LogEvent(timestamp: millis, message: ReportLines.report(
            requestID: requestID, duration: c.duration, billedMilliseconds: billed,
            memorySizeMB: c.function.settings.memorySize, maxMemoryUsedMB: memoryMB, initDuration: c.initDuration)))
        logs.append(group: "/aws/lambda/\(c.function.name)", stream: link?.logStream ?? "", events: events)
        let failed: Bool = {
            if case .success = c.outcome { return false }
            return true
        }()
        observer?.invocationFinished(function: c.function.name, version: c.function.version, duration: c.duration, failed: failed)
        let settings = c.function.settings
        observer?.invocationBilled(InvocationBill(function: c.function.name, version: c.function.version,
                                                  architecture: settings.architectures.first ?? "x86_64", memorySizeMB: settings.memorySize,
                                                  ephemeralStorageMB: settings.ephemeralStorageMB, billedMilliseconds: billed,
                                                  onProvisionedConcurrency: c.onProvisionedConcurrency))
        let initEvents = link?.takeInitEvents() ?? []
        let tail = c.invocation.request.wantsLogTail
            ? ((c.includesInitOutput ? initEvents : []) + events).map(\.message).joined(separator: "\n") + "\n" : ""
        c.invocation.complete(InvocationResult(requestID: requestID, outcome: c.outcome, executedVersion: c.function.version,
                                               logTail: tail, duration: c.duration, billedMilliseconds: billed,
                                               maxMemoryUsedMB: memoryMB))
    }

    /// Fails the invocations that waited for an instance that did not start.
    private func startFailed(_ f: Machine.StartFailure, link: InstanceLink?) {
        var output: [PetrelLogs.LogEvent] = []
        if let reportLine = f.reportLine, let link {
            output = link.readOutput()
            let line = LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: reportLine)
            logs.append(group: "/aws/lambda/\(f.key.name)", stream: link.logStream, events: output + [line])
        }
        let lines = (f.outputInTail ? output.map(\.message) : []) + f.tailLines
        for invocation in f.failed {
            observer?.invocationFinished(function: f.key.name, version: f.key.version, duration: .zero, failed: true)
            let tail = invocation.request.wantsLogTail ? lines.joined(separator: "\n") + "\n" : ""
            invocation.complete(InvocationResult(requestID: invocation.id, outcome: f.outcome, executedVersion: f.key.version,
                                                 logTail: tail, duration: .zero, billedMilliseconds: 0, maxMemoryUsedMB: 0))
        }
    }

    /// The line a function's log starts with when its runtime runs on another interpreter.
    private func noteFallback(_ function: FunctionRecord, link: InstanceLink) {
        guard let notice = fallbackNotice(for: function) else { return }
        let event = LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: notice)
        logs.append(group: "/aws/lambda/\(function.name)", stream: link.logStream, events: [event])
        link.addInitEvents([event])
    }

    static func traceID(_ date: Date) -> String {
        let time = String(UInt32(date.timeIntervalSince1970), radix: 16)
        let random = ReportLines.randomHex(bytes: 20)
        return "Root=1-\(time)-\(random.prefix(24));Parent=\(random.suffix(16));Sampled=0;Lineage=1:0"
    }

    /// What the runtime receives for a dispatched invocation.
    static func runtimeInvocation(_ dispatch: Machine.Dispatch) -> RuntimeInvocation {
        let request = dispatch.invocation.request
        let wall = dispatch.at.wall
        let deadline = Int64((wall.timeIntervalSince1970 + Double(request.function.settings.timeout)) * 1000)
        return RuntimeInvocation(requestID: request.requestID, payload: request.payload, deadlineMs: deadline,
                                 functionArn: request.invokedFunctionArn, traceID: traceID(wall),
                                 clientContext: request.clientContext, cognitoIdentity: request.cognitoIdentity)
    }

    static func errorDocument(type: String, message: String) -> Data {
        Machine.errorDocument(type: type, message: message)
    }

    // MARK: Runtime API

    /// `GET /next`: the next queued invocation of this instance's revision, else wait idle.
    /// Nil closes the connection (the instance is retired or gone).
    func next(_ id: String) async -> Machine.Dispatch? {
        let now = Moment.now
        var immediate: Handoff?
        var unused: Bool?
        let effects = state.withLock { s in
            let actions = s.machine.runtimeAskedForWork(id, at: now)
            return Self.apply(actions, to: &s, configuration: configuration, caller: id,
                              immediate: &immediate, immediateAssignment: &unused)
        }
        perform(effects)
        if let immediate { return immediate.dispatch }
        idleSignal.signal()
        return await withCheckedContinuation { continuation in
            let early: Handoff? = state.withLock { s in
                if let early = s.early.removeValue(forKey: id) { return early }
                s.waiters[id] = continuation
                return nil
            }
            if let early { continuation.resume(returning: early.dispatch) }
        }
    }

    func answer(_ id: String, requestID: String, outcome: InvocationOutcome) -> RuntimeAPIReply {
        let now = Moment.now
        let handled: Bool = send { machine in
            guard let actions = machine.runtimeAnswered(id, requestID: requestID, outcome: outcome, at: now) else { return (false, []) }
            return (true, actions)
        }
        return handled ? .accepted : .invalidRequestID(requestID)
    }

    /// The caller's stream for a runtime that answers `requestID` in streaming mode; nil when the
    /// caller wants the response buffered (or the request is not the instance's to answer).
    func responseStream(_ id: String, requestID: String) -> ResponseStream? {
        guard let invocation = state.withLock({ $0.machine.currentInvocation(id) }), invocation.id == requestID else { return nil }
        return invocation.request.responseStream
    }

    func respond(_ id: String, requestID: String, body: Data) -> RuntimeAPIReply {
        answer(id, requestID: requestID, outcome: .success(body))
    }

    func fail(_ id: String, requestID: String, body: Data) -> RuntimeAPIReply {
        answer(id, requestID: requestID, outcome: .functionError(
            body.isEmpty ? Self.errorDocument(type: "Unknown", message: "Unknown application error occurred") : body))
    }

    func responseTooLarge(_ id: String, requestID: String) -> RuntimeAPIReply {
        let document = Self.errorDocument(type: "Function.ResponseSizeTooLarge",
                                          message: "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
        let reply = answer(id, requestID: requestID, outcome: .functionError(document))
        return reply == .accepted ? RuntimeAPIReply(status: 413, body: String(decoding: document, as: UTF8.self)) : reply
    }

    /// `POST /init/error`: the function could not load. The invocations waiting for this
    /// instance get the error; the instance stops.
    func initError(_ id: String, body: Data, errorType: String?) -> RuntimeAPIReply {
        let document = body.isEmpty ? Self.errorDocument(type: errorType ?? "Runtime.Unknown", message: "Init failed") : body
        let type = (try? JSONSerialization.jsonObject(with: document) as? [String: Any])?["errorType"] as? String ?? errorType ?? "Runtime.Unknown"
        let now = Moment.now
        let handled: Bool = send { machine in
            guard let actions = machine.initFailed(id, document: document, errorType: type, at: now) else { return (false, []) }
            return (true, actions)
        }
        return handled ? .accepted : RuntimeAPIReply(
            status: 403, body: #"{"errorMessage":"Init error is only accepted during initialisation","errorType":"InvalidStateTransition"}"#)
    }

    /// `GET /runtime/petrel/assignment`: the environment of the function this blank now serves,
    /// once it has one; nil ends the process (the pool no longer needs it).
    func awaitAssignment(_ id: String) async -> Data? {
        var unused: Handoff?
        var immediate: Bool?
        let (effects, link) = state.withLock { s in
            let actions = s.machine.blankAskedForAssignment(id)
            return (Self.apply(actions, to: &s, configuration: configuration, caller: id,
                               immediate: &unused, immediateAssignment: &immediate), s.links[id])
        }
        perform(effects)
        if let immediate { return immediate ? link?.takeAssignment() : nil }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Data?, Never>) in
            let early: Bool? = state.withLock { s in
                if let early = s.earlyAssignments.removeValue(forKey: id) { return early }
                s.assignmentWaiters[id] = continuation
                return nil
            }
            if let early { continuation.resume(returning: early ? link?.takeAssignment() : nil) }
        }
    }

    // MARK: Retiring, provisioning, status

    /// Stops every instance of a function: idle ones now, busy ones when they finish. Called
    /// when its code or configuration changes or it is deleted.
    /// `version` nil retires every version (the function was deleted) and forgets its
    /// provisioned concurrency.
    public func retire(functionName: String, version: String? = nil) async {
        send { machine in machine.retire(functionName: functionName, version: version) }
    }

    /// Keeps `count` initialised instances of this function version (0 stops keeping them).
    /// Instances of older revisions of the same version are no longer kept.
    public func provision(_ function: FunctionRecord, count: Int) async {
        let now = Moment.now
        send { machine in machine.provision(function, count: count, at: now) }
    }

    /// How many provisioned instances of the version are initialised (idle or busy).
    public func provisionedAvailable(_ function: FunctionRecord) async -> Int {
        state.withLock { $0.machine.provisionedAvailable(function) }
    }

    /// Counts of instances by phase, for status pages and metrics.
    public func instanceCounts() async -> [String: Int] {
        state.withLock { $0.machine.instanceCounts() }
    }
}
