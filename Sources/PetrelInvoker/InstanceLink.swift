import Foundation
import PetrelFunctions
import PetrelLogs
import PetrelSandbox
import Synchronization

/// One instance's I/O side, used by whichever task performs the state machine's actions for
/// it (mostly the instance's own Runtime API connection): its process handle, its output
/// file and log stream, the output of its Init, its freezer, and a warm-pool blank's
/// assignment. None of this is touched inside the invoker's shared lock.
final class InstanceLink: Sendable {
    let id: String
    let workDirectory: String
    private let state: Mutex<State>

    private struct State {
        var launched: LaunchedInstance?
        var port: Int?
        var function: FunctionRecord?
        var logStream = ""
        var reader: OutputReader?
        /// What the runtime logged while it initialised: the first invocation's log tail
        /// starts with it, as on AWS (`Loading function`).
        var initEvents: [LogEvent] = []
        var assignment: Data?
        /// Frozen, or not yet thawed once (the first thaw also ends the Init CPU burst).
        var needsThaw = true
        /// The invocation the instance last started (its sequence number).
        var started = 0
    }

    init(id: String, workDirectory: String, function: FunctionRecord?, logStream: String) {
        self.id = id
        self.workDirectory = workDirectory
        state = Mutex(State(function: function, logStream: logStream))
    }

    var outputPath: String { "\(workDirectory)/output.log" }

    var launched: LaunchedInstance? { state.withLock { $0.launched } }
    var port: Int? { state.withLock { $0.port } }
    var logStream: String { state.withLock { $0.logStream } }
    var function: FunctionRecord? { state.withLock { $0.function } }

    func attach(_ launched: LaunchedInstance, port: Int) {
        state.withLock {
            $0.launched = launched
            $0.port = port
        }
    }

    /// A blank now serves `function` under `logStream`.
    func becomes(_ function: FunctionRecord, logStream: String) {
        state.withLock {
            $0.function = function
            $0.logStream = logStream
        }
    }

    /// Starts reading the output file from its current end (see `OutputReader`).
    func openOutput() {
        let reader = OutputReader(path: outputPath)
        state.withLock { $0.reader = reader }
    }

    /// Everything new in the output file.
    func readOutput(now: Date = Date()) -> [LogEvent] {
        state.withLock { $0.reader?.read(now: now) ?? [] }
    }

    func addInitEvents(_ events: [LogEvent]) {
        state.withLock { $0.initEvents += events }
    }

    /// The Init output, once (the first invocation's tail).
    func takeInitEvents() -> [LogEvent] {
        state.withLock { s in
            defer { s.initEvents = [] }
            return s.initEvents
        }
    }

    func peakMemoryBytes() -> Int {
        launched?.peakMemory() ?? 0
    }

    /// Thaws the instance for invocation `sequence` if it is frozen (or never thawed).
    func startInvocation(_ sequence: Int) {
        state.withLock { s in
            s.started = max(s.started, sequence)
            if s.needsThaw {
                s.launched?.thaw()
                s.needsThaw = false
            }
        }
    }

    /// Freezes the instance, unless it has started an invocation after `sequence` (a freeze
    /// ordered while idle that arrives after the next invocation's thaw is stale).
    func freeze(ifStillAt sequence: Int) {
        state.withLock { s in
            guard s.started == sequence, !s.needsThaw else { return }
            s.launched?.freeze()
            s.needsThaw = true
        }
    }

    func setAssignment(_ data: Data) {
        state.withLock { $0.assignment = data }
    }

    func takeAssignment() -> Data? {
        state.withLock { s in
            defer { s.assignment = nil }
            return s.assignment
        }
    }

    func destroy() {
        launched?.destroy()
    }
}
