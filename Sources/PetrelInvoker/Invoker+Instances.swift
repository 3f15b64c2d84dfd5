import Foundation
import PetrelCore
import PetrelFunctions
import PetrelLogs
import PetrelSandbox

extension Invoker {
    /// Runs the invoker's background work until cancelled: starting and supervising
    /// instances, and reaping idle ones. On cancellation every instance is killed.
    public func run() async {
        fillWarmPool()
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    await self.reapIdle()
                }
            }
            group.addTask {
                await self.deadlines.run { invocation in await self.expire(invocation) }
            }
            group.addTask { await self.freezeIdleInstances() }
            for await order in launchOrders {
                group.addTask { await self.supervise(order) }
            }
            group.cancelAll()
        }
    }

    /// Freezes instances once they have idled for `freezeDelay`, until cancelled.
    nonisolated func freezeIdleInstances() async {
        while !Task.isCancelled {
            await idleSignal.wait(timeout: .seconds(1))
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.freezeDelay)
                if await !freezeIdle() { break }
            }
        }
    }

    /// Freezes the instances idle for `freezeDelay`; true while others are idle and thawed.
    func freezeIdle() -> Bool {
        let now = ContinuousClock.now
        var waiting = false
        for (id, instance) in instances where instance.phase == .idle && !instance.thawNeeded {
            if instance.idleSince.duration(to: now) >= Self.freezeDelay {
                instance.launched?.freeze()
                instances[id]?.thawNeeded = true
            } else {
                waiting = true
            }
        }
        return waiting
    }

    public nonisolated func shutdown() {
        launchContinuation.finish()
    }

    func startInstance(for function: FunctionRecord) {
        if SchedulingPolicy.mustEvict(totalInstances: instances.count, limit: configuration.concurrencyLimit),
           let victim = instances.values.filter({ $0.phase == .idle }).min(by: { $0.idleSince < $1.idleSince }) {
            terminate(victim.id)
        }
        makeRoom(for: function)
        if let blank = takeBlank(for: function) {
            assign(blank, to: function)
            return
        }
        let id = Self.newInstanceID()
        let workDirectory = "\(configuration.workDirectory)/\(id)"
        try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let logStream = register(instanceID: id, function: function, workDirectory: workDirectory)
        launchContinuation.yield(LaunchOrder(instanceID: id, purpose: .function(function, logStream: logStream),
                                             workDirectory: workDirectory))
    }

    /// Records a new instance of `function`, starting (its Init begins now); returns its log stream.
    func register(instanceID id: String, function: FunctionRecord, workDirectory: String) -> String {
        let key = PoolKey(function)
        let logStream = RuntimeEnvironment.logStreamName(version: function.version, instanceID: id, date: Date())
        instances[id] = Instance(id: id, key: key, function: function, logStream: logStream, workDirectory: workDirectory,
                                 reader: OutputReader(path: "\(workDirectory)/output.log"), spawnedAt: .now)
        pools[key, default: Pool()].starting.insert(id)
        if let notice = fallbackNotice(for: function) {
            let event = LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: notice)
            logs.append(group: "/aws/lambda/\(function.name)", stream: logStream, events: [event])
            instances[id]?.initEvents.append(event)
        }
        return logStream
    }

    static func newInstanceID() -> String {
        ReportLines.randomHex(bytes: 16)
    }

    nonisolated func codeDirectory(_ function: FunctionRecord) -> String {
        // The code store's layout: <data>/code/<digest>/ (see CodeStore).
        "\(configuration.codeRoot)/\(function.codeDigest)"
    }

    /// Starts one instance's process and Runtime API, and watches it until it exits.
    nonisolated func supervise(_ order: LaunchOrder) async {
        let server: RuntimeAPIServer
        do {
            server = try await RuntimeAPIServer.bind(group: eventLoopGroup)
        } catch {
            await launchFailed(order.instanceID, reason: "Could not open the Runtime API: \(error)")
            return
        }
        let spec: InstanceSpec
        do {
            switch order.purpose {
            case .function(let function, let logStream):
                spec = try functionSpec(order, function: function, logStream: logStream, port: server.port)
            case .blank(let key):
                spec = blankSpec(order, key: key, port: server.port)
            }
        } catch {
            try? await server.channel.channel.close()
            await launchFailed(order.instanceID, reason: (error as? InterpreterMissing)?.message ?? "its layers could not be prepared: \(error)")
            return
        }
        let launched: LaunchedInstance
        do {
            launched = try launcher.launch(spec)
        } catch {
            try? await server.channel.channel.close()
            await launchFailed(order.instanceID, reason: "\(error)")
            return
        }
        if await !attach(order.instanceID, launched, port: server.port) { launched.destroy() }
        let backend = InstanceBackend(invoker: self, instanceID: order.instanceID)
        let initTimeout = configuration.initTimeout
        await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask {
                await server.serve(backend, peers: launched.runtimeAPIPeers)
                return nil
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await launched.process.waitForExit()
                } onCancel: {
                    launched.destroy()
                }
            }
            if case .function = order.purpose {
                group.addTask {
                    try? await Task.sleep(for: initTimeout)
                    if !Task.isCancelled { await self.initTimedOut(order.instanceID) }
                    return nil
                }
            }
            for await result in group {
                guard let status = result else { continue }
                // Report the exit first: it releases a runtime parked in GET /next, so the
                // Runtime API server can close.
                launched.destroy()
                await exited(order.instanceID, status: status)
                group.cancelAll()
            }
        }
        try? FileManager.default.removeItem(atPath: order.workDirectory)
    }

    nonisolated func functionSpec(_ order: LaunchOrder, function: FunctionRecord, logStream: String, port: Int) throws -> InstanceSpec {
        let codeDirectory = codeDirectory(function)
        let optDirectory = try configuration.optDirectory(function)
        let layout = launcher.layout(codeDirectory: codeDirectory, runtimeDirectory: configuration.runtimeDirectory,
                                     workDirectory: order.workDirectory)
        let inputs = RuntimeEnvironment.Inputs(function: function, layout: layout, runtimeAPI: "127.0.0.1:\(port)",
                                               logStreamName: logStream, account: configuration.account,
                                               endpoint: configuration.publicEndpoint,
                                               interpreter: try interpreterPath(for: function),
                                               bootstrapInLayers: optDirectory.map { FileManager.default.isExecutableFile(atPath: $0 + "/bootstrap") } ?? false
                                                   && !FileManager.default.isExecutableFile(atPath: codeDirectory + "/bootstrap"),
                                               credentials: configuration.instanceEnvironment(function))
        return InstanceSpec(instanceID: order.instanceID, codeDirectory: codeDirectory,
                            runtimeDirectory: configuration.runtimeDirectory, workDirectory: order.workDirectory,
                            arguments: RuntimeEnvironment.arguments(inputs), environment: RuntimeEnvironment.variables(inputs),
                            outputPath: "\(order.workDirectory)/output.log", memoryMB: function.settings.memorySize,
                            ephemeralStorageMB: function.settings.ephemeralStorageMB, optDirectory: optDirectory)
    }

    /// The executable that runs `function`'s runtime ("" for a custom runtime); throws when
    /// this machine has none for it (the function was created before its interpreter went).
    nonisolated func interpreterPath(for function: FunctionRecord) throws -> String {
        switch interpreters.resolve(function.settings.runtime) {
        case .exact(let interpreter), .fallback(let interpreter, _): return interpreter.path
        case .custom: return ""
        case .missing: throw InterpreterMissing(message: interpreters.missingMessage(function.settings.runtime))
        }
    }

    /// The line a function's log starts with when its runtime runs on another interpreter
    /// than the one it names (`--runtime-fallback`), or nil.
    nonisolated func fallbackNotice(for function: FunctionRecord) -> String? {
        guard case .fallback(let interpreter, let wanted) = interpreters.resolve(function.settings.runtime) else { return nil }
        return "INIT_START Runtime: \(function.settings.runtime) runs on \(interpreter.label) (\(interpreter.path)): \(interpreter.family.languageName) \(wanted) is not installed on this machine and petrel was started with --runtime-fallback"
    }

    /// Records the launched process; false if the instance was killed while starting.
    func attach(_ instanceID: String, _ launched: LaunchedInstance, port: Int) -> Bool {
        if blanks[instanceID] != nil, instances[instanceID] == nil { return attachBlank(instanceID, launched, port: port) }
        guard instances[instanceID]?.phase == .starting else { return false }
        instances[instanceID]?.launched = launched
        return true
    }

    func launchFailed(_ instanceID: String, reason: String) {
        logger.error("Could not start an instance: \(reason)")
        if blankExited(instanceID) { return }
        guard let instance = instances.removeValue(forKey: instanceID) else { return }
        let document = Self.errorDocument(type: "Runtime.StartError", message: "Petrel could not start the runtime: \(reason)")
        failUncovered(instance.key, excluding: instanceID, outcome: .functionError(document),
                      logLines: ["[petrel] Could not start the runtime: \(reason)"])
    }

    func initTimedOut(_ instanceID: String) {
        guard let instance = instances[instanceID], instance.phase == .starting else { return }
        let seconds = Int(configuration.initTimeout.components.seconds)
        let line = "INIT_REPORT Init Duration: \(seconds * 1000).00 ms\tPhase: init\tStatus: timeout"
        logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream,
                    events: instance.reader.read() + [LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: line)])
        failUncovered(instance.key, excluding: instanceID, outcome: .timedOut(seconds), logLines: [line])
        terminate(instanceID)
    }

    /// The process is gone: finish what it was running and forget it.
    func exited(_ instanceID: String, status: TerminationStatus) {
        if blankExited(instanceID) { return }
        guard let instance = instances[instanceID] else { return }
        if let invocation = instance.current {
            finish(instanceID, outcome: .exited(status.description),
                   extraLines: [ReportLines.exited(requestID: invocation.id, status: status.description)])
        } else if instance.phase == .starting {
            let line = "INIT_REPORT Init Duration: \(ReportLines.milliseconds(instance.spawnedAt.duration(to: .now))) ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError"
            logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream,
                        events: instance.reader.read() + [LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: line)])
            let requestID = pools[instance.key]?.queue.first?.id ?? ""
            failUncovered(instance.key, excluding: instanceID, outcome: .exited(status.description),
                          logLines: [line, ReportLines.exited(requestID: requestID, status: status.description)])
        } else {
            let leftovers = instance.reader.read()
            if !leftovers.isEmpty {
                logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream, events: leftovers)
            }
        }
        instance.waiter?.resume(returning: nil)
        instances.removeValue(forKey: instanceID)
        pools[instance.key]?.idle.removeAll { $0 == instanceID }
        pools[instance.key]?.starting.remove(instanceID)
        pools[instance.key]?.returning.remove(instanceID)
        if let pool = pools[instance.key] {
            // Invocations still queued need instances of their own.
            for _ in 0..<max(0, pool.queue.count - pool.arriving) {
                startInstance(for: instance.function)
            }
            replenish(instance.key, function: instance.function)
            if pool.queue.isEmpty, pool.idle.isEmpty, pool.arriving == 0, provisioned[instance.key] == nil,
               !instances.values.contains(where: { $0.key == instance.key }) {
                pools.removeValue(forKey: instance.key)
            }
        }
    }

    static func errorDocument(type: String, message: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["errorType": type, "errorMessage": message], options: [.sortedKeys])) ?? Data()
    }

    // MARK: Runtime API

    /// `GET /next`: the next queued invocation of this instance's revision, else wait idle.
    func next(_ instanceID: String) async -> RuntimeInvocation? {
        guard var instance = instances[instanceID], instance.phase != .dead else { return nil }
        if let stale = instance.current {
            // The runtime asked for more work without answering: treat it as a failed answer.
            finish(instanceID, outcome: .functionError(Self.errorDocument(
                type: "Runtime.InvalidResponse", message: "RequestId: \(stale.id) The runtime asked for the next invocation before answering this one.")))
            instance = instances[instanceID]!
        }
        pools[instance.key]?.returning.remove(instanceID)
        if instance.phase == .starting {
            instances[instanceID]?.initDuration = instance.spawnedAt.duration(to: .now)
            pools[instance.key]?.starting.remove(instanceID)
            let initOutput = instance.reader.read()
            if !initOutput.isEmpty {
                logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream, events: initOutput)
                instances[instanceID]?.initEvents += initOutput
            }
        }
        if var pool = pools[instance.key], !pool.queue.isEmpty {
            let invocation = pool.queue.removeFirst()
            pools[instance.key] = pool
            return dispatch(invocation, to: instanceID)
        }
        if instance.retiring {
            terminate(instanceID)
            return nil
        }
        instances[instanceID]?.phase = .idle
        instances[instanceID]?.idleSince = .now
        // Initialised ahead of need (provisioned, or its invocation went elsewhere): no
        // invocation waited for its init, so none reports an Init Duration.
        instances[instanceID]?.reportedInit = true
        pools[instance.key, default: Pool()].idle.append(instanceID)
        idleSignal.signal()
        return await withCheckedContinuation { continuation in
            instances[instanceID]?.waiter = continuation
        }
    }

    func respond(_ instanceID: String, requestID: String, body: Data) -> RuntimeAPIReply {
        guard instances[instanceID]?.current?.id == requestID else { return .invalidRequestID(requestID) }
        finish(instanceID, outcome: .success(body))
        return .accepted
    }

    func fail(_ instanceID: String, requestID: String, body: Data) -> RuntimeAPIReply {
        guard instances[instanceID]?.current?.id == requestID else { return .invalidRequestID(requestID) }
        finish(instanceID, outcome: .functionError(body.isEmpty ? Self.errorDocument(type: "Unknown", message: "Unknown application error occurred") : body))
        return .accepted
    }

    func responseTooLarge(_ instanceID: String, requestID: String) -> RuntimeAPIReply {
        guard instances[instanceID]?.current?.id == requestID else { return .invalidRequestID(requestID) }
        let document = Self.errorDocument(type: "Function.ResponseSizeTooLarge",
                                          message: "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
        finish(instanceID, outcome: .functionError(document))
        return RuntimeAPIReply(status: 413, body: String(decoding: document, as: UTF8.self))
    }

    /// `POST /init/error`: the function could not load. The invocations waiting for this
    /// instance get the error; the instance stops.
    func initError(_ instanceID: String, body: Data, errorType: String?) -> RuntimeAPIReply {
        guard let instance = instances[instanceID], instance.phase == .starting else {
            return RuntimeAPIReply(status: 403, body: #"{"errorMessage":"Init error is only accepted during initialisation","errorType":"InvalidStateTransition"}"#)
        }
        let document = body.isEmpty ? Self.errorDocument(type: errorType ?? "Runtime.Unknown", message: "Init failed") : body
        let type = (try? JSONSerialization.jsonObject(with: document) as? [String: Any])?["errorType"] as? String ?? errorType ?? "Runtime.Unknown"
        let line = "INIT_REPORT Init Duration: \(ReportLines.milliseconds(instance.spawnedAt.duration(to: .now))) ms\tPhase: init\tStatus: error\tError Type: \(type)"
        let output = instance.reader.read()
        logs.append(group: "/aws/lambda/\(instance.function.name)", stream: instance.logStream,
                    events: output + [LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: line)])
        failUncovered(instance.key, excluding: instanceID, outcome: .functionError(document),
                      logLines: output.map(\.message) + [line])
        terminate(instanceID)
        return .accepted
    }
}

/// One instance's Runtime API calls, forwarded to the invoker.
struct InstanceBackend: RuntimeAPIBackend {
    let invoker: Invoker
    let instanceID: String

    func next() async -> RuntimeInvocation? { await invoker.next(instanceID) }
    func respond(requestID: String, body: Data) async -> RuntimeAPIReply {
        await invoker.respond(instanceID, requestID: requestID, body: body)
    }
    func error(requestID: String, body: Data, errorType: String?) async -> RuntimeAPIReply {
        await invoker.fail(instanceID, requestID: requestID, body: body)
    }
    func initError(body: Data, errorType: String?) async -> RuntimeAPIReply {
        await invoker.initError(instanceID, body: body, errorType: errorType)
    }
    func responseTooLarge(requestID: String) async -> RuntimeAPIReply {
        await invoker.responseTooLarge(instanceID, requestID: requestID)
    }
    func assignment() async -> Data? { await invoker.awaitAssignment(instanceID) }
}

struct InterpreterMissing: Error {
    var message: String
}
