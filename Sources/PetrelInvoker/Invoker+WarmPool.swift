import Foundation
import PetrelFunctions
import PetrelSandbox

/// The warm pool: blank runtime processes, sandboxed and started ahead of need, that wait in
/// `GET /runtime/petrel/assignment`. A cold start takes one, links the function's code into
/// its task folder, gives its cgroup the function's limits and answers the assignment with the
/// function's environment; the runtime then loads the handler as after a normal start. A blank
/// serves one function once and is never returned to the pool.
extension Invoker {
    struct Blank {
        let id: String
        let key: BlankKey
        let workDirectory: String
        var launched: LaunchedInstance?
        /// The Runtime API port, known once the process is launched.
        var port: Int?
        /// Parked in `GET /assignment`.
        var ready = false
        var waiter: CheckedContinuation<Data?, Never>?
        /// Taken by a function: waits for its assignment to be delivered.
        var assigned = false
        var assignment: Data?
    }

    /// One row of `petrel status`: the blanks of one key.
    public struct WarmPoolEntry: Sendable, Equatable, Codable {
        public var runtime: String
        public var memoryMB: Int?
        public var ready: Int
        public var starting: Int
        public var residentBytes: Int
        /// The interpreter the blanks run on, with its version: `Python 3.12.1`.
        public var interpreter: String?
    }

    /// Starts blanks until every key has its target, and stops blanks of keys no longer served.
    func fillWarmPool() {
        let waiting = blanks.values.filter { !$0.assigned }
        for key in warmPool.unwanted(present: waiting.map(\.key)) {
            for blank in waiting where blank.key == key { stopBlank(blank.id) }
        }
        let present = waiting.reduce(into: [BlankKey: Int]()) { $0[$1.key, default: 0] += 1 }
        for (key, missing) in warmPool.shortfall(present: present) {
            for _ in 0..<missing { startBlank(key) }
        }
    }

    private func startBlank(_ key: BlankKey) {
        let id = Self.newInstanceID()
        let workDirectory = "\(configuration.workDirectory)/\(id)"
        do {
            try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
            try CodeSlot(workDirectory: workDirectory).create()
        } catch {
            logger.error("Could not prepare a warm-pool instance: \(error)")
            return
        }
        blanks[id] = Blank(id: id, key: key, workDirectory: workDirectory)
        launchContinuation.yield(LaunchOrder(instanceID: id, purpose: .blank(key), workDirectory: workDirectory))
    }

    /// The spec of a blank's process: the runtime alone, an empty task root and /opt.
    nonisolated func blankSpec(_ order: LaunchOrder, key: BlankKey, port: Int) -> InstanceSpec {
        let slot = CodeSlot(workDirectory: order.workDirectory)
        let layout = launcher.layout(codeDirectory: slot.task, runtimeDirectory: configuration.runtimeDirectory,
                                     workDirectory: order.workDirectory)
        return InstanceSpec(instanceID: order.instanceID, codeDirectory: slot.task,
                            runtimeDirectory: configuration.runtimeDirectory, workDirectory: order.workDirectory,
                            arguments: RuntimeEnvironment.interpreterArguments(family: key.family, memoryMB: key.launchMemoryMB,
                                                                               interpreter: key.interpreter, runtimeRoot: layout.runtimeRoot),
                            environment: RuntimeEnvironment.blankVariables(family: key.family, layout: layout, runtimeAPI: "127.0.0.1:\(port)",
                                                                              endpoint: configuration.publicEndpoint),
                            outputPath: "\(order.workDirectory)/output.log", memoryMB: key.launchMemoryMB,
                            ephemeralStorageMB: WarmPoolPolicy.defaultEphemeralStorageMB, optDirectory: slot.opt)
    }

    /// A blank that can serve `function` now (launched; ready ones first), taken out of the pool.
    func takeBlank(for function: FunctionRecord) -> Blank? {
        guard warmPool.isEnabled, let interpreter = try? interpreterPath(for: function),
              let key = BlankKey.serving(function.settings, interpreter: interpreter) else { return nil }
        let candidates = blanks.values.filter { $0.key == key && !$0.assigned && $0.port != nil }
        guard let blank = candidates.first(where: \.ready) ?? candidates.first else {
            warmPool.missed(key)
            fillWarmPool()
            return nil
        }
        blanks[blank.id]?.assigned = true
        return blank
    }

    /// Turns a blank into an instance of `function`: it starts its Init now. The code is linked
    /// in off the actor; the runtime gets its assignment when that is done.
    func assign(_ blank: Blank, to function: FunctionRecord) {
        let logStream = register(instanceID: blank.id, function: function, workDirectory: blank.workDirectory)
        instances[blank.id]?.launched = blank.launched
        blank.launched?.resize(function.settings.memorySize)
        let layout = launcher.layout(codeDirectory: CodeSlot(workDirectory: blank.workDirectory).task,
                                     runtimeDirectory: configuration.runtimeDirectory, workDirectory: blank.workDirectory)
        let inputs = RuntimeEnvironment.Inputs(function: function, layout: layout, runtimeAPI: "127.0.0.1:\(blank.port ?? 0)",
                                               logStreamName: logStream, account: configuration.account,
                                               endpoint: configuration.publicEndpoint, interpreter: blank.key.interpreter,
                                               credentials: configuration.instanceEnvironment(function))
        let environment = RuntimeEnvironment.variables(inputs)
        let code = codeDirectory(function)
        let configuration = configuration
        let initTimeout = configuration.initTimeout
        Task.detached {
            do {
                let body = RuntimeEnvironment.assignment(environment)
                CodeAccess.makeReadable(code)
                let layers = try configuration.optDirectory(function)
                try CodeSlot(workDirectory: blank.workDirectory).fill(code: code, layers: layers)
                await self.deliver(body, to: blank.id)
            } catch {
                await self.launchFailed(blank.id, reason: "its code could not be given to a warm instance: \(error)")
                await self.stopBlank(blank.id)
            }
            try? await Task.sleep(for: initTimeout)
            await self.initTimedOut(blank.id)
        }
        fillWarmPool()
    }

    private func deliver(_ assignment: Data, to id: String) {
        guard var blank = blanks[id] else { return }
        if let waiter = blank.waiter {
            blanks.removeValue(forKey: id)
            waiter.resume(returning: assignment)
        } else {
            blank.assignment = assignment
            blanks[id] = blank
        }
    }

    /// `GET /runtime/petrel/assignment`: the environment of the function this blank now serves,
    /// once it has one; nil ends the process (the pool no longer needs it).
    func awaitAssignment(_ id: String) async -> Data? {
        guard var blank = blanks[id], blank.waiter == nil else { return nil }
        if let assignment = blank.assignment {
            blanks.removeValue(forKey: id)
            return assignment
        }
        if !blank.ready {
            blank.ready = true
            warmPool.becameReady(blank.key.family)
        }
        blanks[id] = blank
        return await withCheckedContinuation { continuation in
            blanks[id]?.waiter = continuation
        }
    }

    /// Records a blank's launched process; false if it was stopped while starting.
    func attachBlank(_ id: String, _ launched: LaunchedInstance, port: Int) -> Bool {
        guard blanks[id] != nil else { return false }
        blanks[id]?.launched = launched
        blanks[id]?.port = port
        return true
    }

    /// A blank's process ended. Returns true when it was still only a blank (nothing else to do).
    func blankExited(_ id: String) -> Bool {
        guard let blank = blanks.removeValue(forKey: id) else { return false }
        blank.waiter?.resume(returning: nil)
        if blank.assigned { return false }
        if !blank.ready, warmPool.diedBeforeReady(blank.key.family) {
            logger.error("Warm-pool \(blank.key.family.rawValue) runtimes keep exiting before they are ready; no more are started. See \(blank.workDirectory)/output.log of the next one, or start petrel with --warm-pool \(blank.key.family == .node ? "nodejs" : "python")=0.")
        }
        fillWarmPool()
        return true
    }

    func stopBlank(_ id: String) {
        guard let blank = blanks.removeValue(forKey: id) else { return }
        blank.launched?.destroy()
        blank.waiter?.resume(returning: nil)
    }

    /// The pool's blanks by key, with the memory they hold.
    public func warmPoolStatus() -> [WarmPoolEntry] {
        var rows: [BlankKey: WarmPoolEntry] = [:]
        for blank in blanks.values where !blank.assigned {
            var row = rows[blank.key] ?? WarmPoolEntry(runtime: blank.key.family == .node ? "nodejs" : "python",
                                                       memoryMB: blank.key.family == .node ? blank.key.memoryMB : nil,
                                                       ready: 0, starting: 0, residentBytes: 0,
                                                       interpreter: interpreters.installed.first { $0.path == blank.key.interpreter }?.label)
            if blank.ready { row.ready += 1 } else { row.starting += 1 }
            row.residentBytes += blank.launched?.currentMemory() ?? 0
            rows[blank.key] = row
        }
        return rows.values.sorted { ($0.runtime, $0.memoryMB ?? 0, $0.interpreter ?? "") < ($1.runtime, $1.memoryMB ?? 0, $1.interpreter ?? "") }
    }
}
