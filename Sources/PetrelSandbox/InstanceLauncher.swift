#if canImport(Glibc)
import Glibc
#endif

/// What an instance needs to start: the invoker fills it, a launcher turns it into a process.
public struct InstanceSpec: Sendable {
    /// Unique id of the instance (used for names of cgroups, work directories).
    public var instanceID: String
    /// Host path of the function's extracted code, shown to the function as its task root.
    public var codeDirectory: String
    /// Host path of the runtime files (the `Runtimes` resource folder).
    public var runtimeDirectory: String
    /// A host directory of this instance's own: its output file lives here; a launcher may
    /// put the instance's private /tmp here too.
    public var workDirectory: String
    /// argv; an entry may use the layout's paths (see `InstanceLayout`).
    public var arguments: [String]
    /// The complete environment of the process.
    public var environment: [String: String]
    /// Host file that receives the process's stdout and stderr.
    public var outputPath: String
    public var memoryMB: Int
    public var ephemeralStorageMB: Int
    /// Host folder of the function's layers, merged; shown read-only at /opt. Nil: no layers.
    public var optDirectory: String?

    public init(instanceID: String, codeDirectory: String, runtimeDirectory: String, workDirectory: String,
                arguments: [String], environment: [String: String], outputPath: String,
                memoryMB: Int, ephemeralStorageMB: Int, optDirectory: String? = nil) {
        self.instanceID = instanceID
        self.codeDirectory = codeDirectory
        self.runtimeDirectory = runtimeDirectory
        self.workDirectory = workDirectory
        self.arguments = arguments
        self.environment = environment
        self.outputPath = outputPath
        self.memoryMB = memoryMB
        self.ephemeralStorageMB = ephemeralStorageMB
        self.optDirectory = optDirectory
    }
}

/// Where things appear from inside the instance. A sandbox maps the code to /var/task; a
/// plain process sees host paths.
public struct InstanceLayout: Sendable, Equatable {
    public var taskRoot: String
    public var runtimeRoot: String
    public var tmp: String

    public init(taskRoot: String, runtimeRoot: String, tmp: String) {
        self.taskRoot = taskRoot
        self.runtimeRoot = runtimeRoot
        self.tmp = tmp
    }
}

/// Starts instance processes, with whatever isolation the host allows.
public protocol InstanceLauncher: Sendable {
    /// The paths the instance will see, for building its environment and argv.
    func layout(codeDirectory: String, runtimeDirectory: String, workDirectory: String) -> InstanceLayout
    func launch(_ spec: InstanceSpec) throws -> LaunchedInstance
    /// One line for the log at start: what isolation is in force and what is missing.
    var isolationSummary: String { get }
    /// What the host allowed at start, for the admin endpoint; nil for launchers made without
    /// a probe.
    var isolationReport: IsolationReport? { get }
}

extension InstanceLauncher {
    public var isolationReport: IsolationReport? { nil }
}

/// A started instance: its process plus the handles its isolation gives (cgroup, freezer).
public struct LaunchedInstance: Sendable {
    public let process: ChildProcess
    /// Peak resident memory in bytes, as the isolation measures it (cgroup peak, else VmHWM).
    public let peakMemory: @Sendable () -> Int?
    /// Stops the process from running between invocations (no-op without a freezer).
    public let freeze: @Sendable () -> Void
    public let thaw: @Sendable () -> Void
    /// Kills everything of the instance and releases its resources. Idempotent.
    public let destroy: @Sendable () -> Void
    /// Memory the instance holds now, in bytes (cgroup charge, else resident set).
    public let currentMemory: @Sendable () -> Int?
    /// Gives a pre-warmed instance the limits of a function of this many MB.
    public let resize: @Sendable (_ memoryMB: Int) -> Void
    /// Whose connections the instance's Runtime API may serve.
    public let runtimeAPIPeers: RuntimeAPIPeers

    public init(process: ChildProcess,
                peakMemory: @escaping @Sendable () -> Int?,
                freeze: @escaping @Sendable () -> Void = {},
                thaw: @escaping @Sendable () -> Void = {},
                currentMemory: @escaping @Sendable () -> Int? = { nil },
                resize: @escaping @Sendable (Int) -> Void = { _ in },
                runtimeAPIPeers: RuntimeAPIPeers = .anyone,
                destroy: @escaping @Sendable () -> Void) {
        self.process = process
        self.peakMemory = peakMemory
        self.freeze = freeze
        self.thaw = thaw
        self.currentMemory = currentMemory
        self.resize = resize
        self.runtimeAPIPeers = runtimeAPIPeers
        self.destroy = destroy
    }
}

extension LaunchedInstance {
    /// An instance held by a cgroup (or, without one, only by its process group): what every
    /// launcher returns. `release` frees what the launcher made besides the process, the
    /// cgroup and the lifeline (a relay, identity files, a /tmp folder).
    static func contained(process: ChildProcess, cgroup: InstanceCgroup?, lifeline: Lifeline, pidsMax: Int, hostCores: Int,
                          runtimeAPIPeers: RuntimeAPIPeers = .anyone,
                          release: @escaping @Sendable () -> Void) -> LaunchedInstance {
        let resident = PeakResidentReader(root: process.pid)
        let peak = PeakMemoryGauge(cgroup: cgroup, processes: resident)
        return LaunchedInstance(
            process: process,
            peakMemory: { peak.read() },
            freeze: { cgroup?.freeze() },
            thaw: { cgroup?.thaw() },
            currentMemory: { cgroup?.currentMemoryBytes() ?? resident.residentNow() },
            resize: { memoryMB in
                cgroup?.reconfigure(CgroupLimits.forFunction(memoryMB: memoryMB, pidsMax: pidsMax, hostCores: hostCores))
            },
            runtimeAPIPeers: runtimeAPIPeers,
            destroy: {
                process.signalGroup(SIGKILL)
                cgroup?.destroyInBackground()
                lifeline.release()
                release()
            }
        )
    }
}
