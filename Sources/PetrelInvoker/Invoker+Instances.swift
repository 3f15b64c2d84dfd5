import Foundation
import NIOPosix
import PetrelCore
import PetrelFunctions
import PetrelLogs
import PetrelSandbox

extension Invoker {
    /// Runs the invoker's background work until cancelled: starting and supervising
    /// instances, and reaping idle ones. On cancellation every instance is killed.
    public func run() async {
        send { machine in machine.fillWarmPool() }
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    let now = Moment.now
                    self.send { machine in machine.reapIdle(at: now) }
                }
            }
            group.addTask {
                await self.deadlines.run { invocation in
                    let now = Moment.now
                    self.send { machine in machine.deadlineReached(invocation, at: now) }
                }
            }
            group.addTask { await self.freezeIdleInstances() }
            for await order in launchOrders {
                group.addTask { await self.supervise(order) }
            }
            group.cancelAll()
        }
    }

    /// Freezes instances once they have idled for `freezeDelay`, until cancelled.
    func freezeIdleInstances() async {
        while !Task.isCancelled {
            await idleSignal.wait(timeout: .seconds(1))
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.freezeDelay)
                let now = Moment.now
                let waiting: Bool = send { machine in machine.freezeIdle(at: now) }
                if !waiting { break }
            }
        }
    }

    public func shutdown() {
        launchContinuation.finish()
    }

    func codeDirectory(_ function: FunctionRecord) -> String {
        // The code store's layout: <data>/code/<digest>/ (see CodeStore).
        "\(configuration.codeRoot)/\(function.codeDigest)"
    }

    /// Starts one instance's process and Runtime API, and watches it until it exits. Its
    /// folders are made here, and the (blocking) launch runs on the thread pool, so neither
    /// holds up the invoker or an event loop.
    func supervise(_ order: LaunchOrder) async {
        let id = order.instanceID
        defer {
            state.withLock { s in
                if s.links[id] === order.link { s.links.removeValue(forKey: id) }
                s.early.removeValue(forKey: id)
                s.earlyAssignments.removeValue(forKey: id)
            }
            try? FileManager.default.removeItem(atPath: order.workDirectory)
        }
        do {
            try FileManager.default.createDirectory(atPath: order.workDirectory, withIntermediateDirectories: true)
            if case .blank = order.purpose { try CodeSlot(workDirectory: order.workDirectory).create() }
        } catch {
            launchFailed(id, reason: "its work folder could not be made: \(error)")
            return
        }
        if case .function = order.purpose { order.link.openOutput() }
        let server: RuntimeAPIServer
        do {
            server = try await RuntimeAPIServer.bind(group: eventLoopGroup)
        } catch {
            launchFailed(id, reason: "Could not open the Runtime API: \(error)")
            return
        }
        let spec: InstanceSpec
        do {
            switch order.purpose {
            case .function(let function):
                spec = try functionSpec(order, function: function, logStream: order.link.logStream, port: server.port)
            case .blank(let key):
                spec = blankSpec(order, key: key, port: server.port)
            }
        } catch {
            try? await server.channel.channel.close()
            launchFailed(id, reason: (error as? InterpreterMissing)?.message ?? "its layers could not be prepared: \(error)")
            return
        }
        let launched: LaunchedInstance
        do {
            let launcher = launcher
            launched = try await NIOThreadPool.singleton.runIfActive { try launcher.launch(spec) }
        } catch {
            try? await server.channel.channel.close()
            launchFailed(id, reason: "\(error)")
            return
        }
        order.link.attach(launched, port: server.port)
        if !state.withLock({ $0.machine.launched(id) }) { launched.destroy() }
        let backend = InstanceBackend(invoker: self, link: order.link)
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
                    if !Task.isCancelled { self.send { machine in machine.initTimedOut(id) } }
                    return nil
                }
            }
            for await result in group {
                guard let status = result else { continue }
                // Report the exit first: it releases a runtime parked in GET /next, so the
                // Runtime API server can close.
                launched.destroy()
                let now = Moment.now
                send { machine in machine.instanceExited(id, status: status.description, at: now) }
                group.cancelAll()
            }
        }
    }

    func launchFailed(_ id: String, reason: String) {
        let now = Moment.now
        send { machine in machine.launchFailed(id, reason: reason, at: now) }
    }

    func functionSpec(_ order: LaunchOrder, function: FunctionRecord, logStream: String, port: Int) throws -> InstanceSpec {
        let codeDirectory = codeDirectory(function)
        let optDirectory = try configuration.optDirectory(function)
        let layout = launcher.layout(codeDirectory: codeDirectory, runtimeDirectory: configuration.runtimeDirectory,
                                     workDirectory: order.workDirectory)
        let inputs = RuntimeEnvironment.Inputs(function: function, layout: layout, runtimeAPI: "127.0.0.1:\(port)",
                                               logStreamName: logStream, account: configuration.account,
                                               endpoint: configuration.publicEndpoint,
                                               interpreter: try interpreterPath(for: function),
                                               bootstrapInLayers: optDirectory.map { FileManager.default.isExecutableFile(atPath: $0 + "/bootstrap") } ?? false
                                                   && !FileManager.default.isExecutableFile(atPath: codeDirectory + "/bootstrap"))
        return InstanceSpec(instanceID: order.instanceID, codeDirectory: codeDirectory,
                            runtimeDirectory: configuration.runtimeDirectory, workDirectory: order.workDirectory,
                            arguments: RuntimeEnvironment.arguments(inputs), environment: environment(inputs, function: function, instanceID: order.instanceID),
                            outputPath: "\(order.workDirectory)/output.log", memoryMB: function.settings.memorySize,
                            ephemeralStorageMB: function.settings.ephemeralStorageMB, optDirectory: optDirectory)
    }

    /// The environment of an instance of `function`: the runtime's variables, then the extra
    /// ones the configuration adds per instance (`InvokerConfiguration.instanceEnvironment`).
    /// Both the launch path and a warm-pool assignment build it here.
    func environment(_ inputs: RuntimeEnvironment.Inputs, function: FunctionRecord, instanceID: String) -> [String: String] {
        var variables = RuntimeEnvironment.variables(inputs)
        for (name, value) in configuration.instanceEnvironment(function, instanceID) { variables[name] = value }
        return variables
    }

    /// The executable that runs `function`'s runtime ("" for a custom runtime); throws when
    /// this machine has none for it (the function was created before its interpreter went).
    func interpreterPath(for function: FunctionRecord) throws -> String {
        try Self.interpreterPath(for: function, interpreters)
    }

    static func interpreterPath(for function: FunctionRecord, _ interpreters: RuntimeInterpreters) throws -> String {
        switch interpreters.resolve(function.settings.runtime) {
        case .exact(let interpreter), .fallback(let interpreter, _): return interpreter.path
        case .custom: return ""
        case .missing: throw InterpreterMissing(message: interpreters.missingMessage(function.settings.runtime))
        }
    }

    /// The line a function's log starts with when its runtime runs on another interpreter
    /// than the one it names (`--runtime-fallback`), or nil.
    func fallbackNotice(for function: FunctionRecord) -> String? {
        guard case .fallback(let interpreter, let wanted) = interpreters.resolve(function.settings.runtime) else { return nil }
        return "INIT_START Runtime: \(function.settings.runtime) runs on \(interpreter.label) (\(interpreter.path)): \(interpreter.family.languageName) \(wanted) is not installed on this machine and petrel was started with --runtime-fallback"
    }
}

/// One instance's Runtime API calls, forwarded to the invoker. They run on the instance's
/// own connection: the work an answer causes (reading the output, the peak memory, the log)
/// and a frozen instance's thaw happen here, not in a shared section.
struct InstanceBackend: RuntimeAPIBackend {
    let invoker: Invoker
    let link: InstanceLink

    func next() async -> RuntimeInvocation? {
        guard let dispatch = await invoker.next(link.id) else { return nil }
        link.startInvocation(dispatch.sequence)
        return Invoker.runtimeInvocation(dispatch)
    }
    func respond(requestID: String, body: Data) async -> RuntimeAPIReply {
        invoker.respond(link.id, requestID: requestID, body: body)
    }
    func error(requestID: String, body: Data, errorType: String?) async -> RuntimeAPIReply {
        invoker.fail(link.id, requestID: requestID, body: body)
    }
    func initError(body: Data, errorType: String?) async -> RuntimeAPIReply {
        invoker.initError(link.id, body: body, errorType: errorType)
    }
    func responseTooLarge(requestID: String) async -> RuntimeAPIReply {
        invoker.responseTooLarge(link.id, requestID: requestID)
    }
    func responseStream(requestID: String) async -> ResponseStream? {
        invoker.responseStream(link.id, requestID: requestID)
    }
    func assignment() async -> Data? { await invoker.awaitAssignment(link.id) }
}

struct InterpreterMissing: Error {
    var message: String
}
