import Foundation
import PetrelFunctions
import PetrelSandbox

/// The warm pool: blank runtime processes, sandboxed and started ahead of need, that wait in
/// `GET /runtime/petrel/assignment`. A cold start takes one, links the function's code into
/// its task folder, gives its cgroup the function's limits and answers the assignment with the
/// function's environment; the runtime then loads the handler as after a normal start. A blank
/// serves one function once and is never returned to the pool.
extension Invoker {
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

    /// The spec of a blank's process: the runtime alone, an empty task root and /opt.
    func blankSpec(_ order: LaunchOrder, key: BlankKey, port: Int) -> InstanceSpec {
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

    /// Turns a blank (the machine has made it an instance of `function`, starting its Init
    /// now) into one: off the lock, it gets the function's limits and code, then the runtime
    /// gets its assignment.
    func assign(_ link: InstanceLink, to function: FunctionRecord) {
        let id = link.id
        let initTimeout = configuration.initTimeout
        Task.detached {
            do {
                link.launched?.resize(function.settings.memorySize)
                let layout = self.launcher.layout(codeDirectory: CodeSlot(workDirectory: link.workDirectory).task,
                                                  runtimeDirectory: self.configuration.runtimeDirectory, workDirectory: link.workDirectory)
                let inputs = RuntimeEnvironment.Inputs(function: function, layout: layout, runtimeAPI: "127.0.0.1:\(link.port ?? 0)",
                                                       logStreamName: link.logStream, account: self.configuration.account,
                                                       endpoint: self.configuration.publicEndpoint,
                                                       interpreter: try self.interpreterPath(for: function))
                let body = RuntimeEnvironment.assignment(self.environment(inputs, function: function, instanceID: id))
                let code = self.codeDirectory(function)
                CodeAccess.makeReadable(code)
                let layers = try self.configuration.optDirectory(function)
                try CodeSlot(workDirectory: link.workDirectory).fill(code: code, layers: layers)
                // What the blank wrote before it served the function is not the function's.
                link.openOutput()
                link.setAssignment(body)
                self.send { machine in machine.assignmentPrepared(id) }
            } catch {
                let now = Moment.now
                self.send { machine in machine.assignmentFailed(id, reason: "\(error)", at: now) }
            }
            try? await Task.sleep(for: initTimeout)
            self.send { machine in machine.initTimedOut(id) }
        }
    }

    /// The pool's blanks by key, with the memory they hold.
    public func warmPoolStatus() async -> [WarmPoolEntry] {
        let waiting = state.withLock { s in
            s.machine.blanks.values.filter { !$0.assigned }.map { (key: $0.key, ready: $0.ready, link: s.links[$0.id]) }
        }
        var rows: [BlankKey: WarmPoolEntry] = [:]
        for blank in waiting {
            var row = rows[blank.key] ?? WarmPoolEntry(runtime: blank.key.family == .node ? "nodejs" : "python",
                                                       memoryMB: blank.key.family == .node ? blank.key.memoryMB : nil,
                                                       ready: 0, starting: 0, residentBytes: 0,
                                                       interpreter: interpreters.installed.first { $0.path == blank.key.interpreter }?.label)
            if blank.ready { row.ready += 1 } else { row.starting += 1 }
            row.residentBytes += blank.link?.launched?.currentMemory() ?? 0
            rows[blank.key] = row
        }
        return rows.values.sorted { ($0.runtime, $0.memoryMB ?? 0, $0.interpreter ?? "") < ($1.runtime, $1.memoryMB ?? 0, $1.interpreter ?? "") }
    }
}
