#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The cgroup (v2) or cgroups (v1, one per controller) of one instance: its peak memory, its
/// freezer, and the way to kill all it started.
public final class InstanceCgroup: Sendable {
    public let version: CgroupDriver.Version
    /// controller → directory (v2: "" → directory).
    public let directories: [String: String]
    public let controllers: Set<String>
    /// The CPU quota to apply when the Init burst ends (at the first thaw); nil once applied.
    private let steadyCPU: Mutex<CgroupSetting?>
    /// The peak read just before the cgroup was removed, so REPORT can still show it.
    private let finalPeak = Mutex<Int?>(nil)

    init(version: CgroupDriver.Version, directories: [String: String], controllers: Set<String>,
         steadyCPU: CgroupSetting? = nil) {
        self.version = version
        self.directories = directories
        self.controllers = controllers
        self.steadyCPU = Mutex(steadyCPU)
    }

    /// Ends the Init phase's CPU burst: from now on the instance gets its memory-proportional
    /// share. Called by the first `thaw`, which the invoker calls as each invocation starts.
    public func endInitBurst() {
        guard let setting = steadyCPU.withLock({ value -> CgroupSetting? in defer { value = nil }; return value }),
              let directory = directories[setting.controller ?? ""] else { return }
        try? CgroupFiles.write(setting.value, to: directory + "/" + setting.file)
    }

    private var uniqueDirectories: [String] { Set(directories.values).sorted() }

    /// The files a process writes its pid into to join every hierarchy of this instance.
    public var procsFiles: [String] { uniqueDirectories.map { $0 + "/cgroup.procs" } }

    private var memoryDirectory: String? { directories[version == .v1 ? "memory" : ""] }

    /// Peak memory use of everything in the cgroup since it was made, in bytes.
    public func peakMemoryBytes() -> Int? {
        guard controllers.contains("memory"), let directory = memoryDirectory else { return nil }
        return CgroupFiles.readInt(directory + (version == .v1 ? "/memory.max_usage_in_bytes" : "/memory.peak"))
            ?? finalPeak.withLock { $0 }
    }

    /// Memory the cgroup is charged for now, in bytes.
    public func currentMemoryBytes() -> Int? {
        guard controllers.contains("memory"), let directory = memoryDirectory else { return nil }
        return CgroupFiles.readInt(directory + (version == .v1 ? "/memory.usage_in_bytes" : "/memory.current"))
    }

    /// Gives a pre-warmed instance the limits of the function it now serves: its memory, the
    /// Init burst, and the CPU share the burst ends in.
    public func reconfigure(_ limits: CgroupLimits) {
        var settings = version == .v1 ? limits.v1Settings(controllers: controllers) : limits.v2Settings(controllers: controllers)
        // v1's memsw may never be below memory: when the limit grows, memsw must grow first.
        if let memsw = settings.first(where: { $0.file == "memory.memsw.limit_in_bytes" }) { settings.insert(memsw, at: 0) }
        try? CgroupFiles.apply(settings, in: directories)
        steadyCPU.withLock { $0 = limits.steadyCPUSetting(version: version, controllers: controllers) }
    }

    /// How many times the kernel's OOM killer killed a process of this cgroup.
    public func oomKills() -> Int? {
        guard controllers.contains("memory"), let directory = memoryDirectory else { return nil }
        let file = version == .v1 ? "/memory.oom_control" : "/memory.events"
        return CgroupFiles.read(directory + file).flatMap { CgroupFiles.keyedValue("oom_kill", in: $0) }
    }

    public var canFreeze: Bool { controllers.contains("freezer") }

    /// The file that thaws the cgroup (v1 `freezer.state`, v2 `cgroup.freeze`), for the
    /// lifeline watcher.
    public var thawFile: String? {
        guard canFreeze else { return nil }
        switch version {
        case .v1: return directories["freezer"].map { $0 + "/freezer.state" }
        case .v2: return directories[""].map { $0 + "/cgroup.freeze" }
        }
    }

    /// Stops every process of the instance between invocations. Does not wait for the kernel
    /// to finish freezing: the runtime is parked in `GET /next`, and the invoke path must not
    /// block on it (a thaw that follows at once simply cancels the freeze).
    public func freeze() { setFrozen(true, wait: false) }

    public func thaw() {
        endInitBurst()
        setFrozen(false, wait: false)
    }

    /// With `wait`, returns once the kernel reports the state (or after a second, if a
    /// process is stuck in the kernel).
    private func setFrozen(_ frozen: Bool, wait: Bool = true) {
        guard canFreeze else { return }
        switch version {
        case .v1:
            guard let directory = directories["freezer"] else { return }
            let wanted = frozen ? "FROZEN" : "THAWED"
            try? CgroupFiles.write(wanted, to: directory + "/freezer.state")
            if wait { waitUntil { CgroupFiles.read(directory + "/freezer.state")?.hasPrefix(wanted) ?? true } }
        case .v2:
            guard let directory = directories[""] else { return }
            try? CgroupFiles.write(frozen ? "1" : "0", to: directory + "/cgroup.freeze")
            let wanted = frozen ? 1 : 0
            if wait { waitUntil {
                CgroupFiles.read(directory + "/cgroup.events").flatMap { CgroupFiles.keyedValue("frozen", in: $0) } ?? wanted == wanted
            } }
        }
    }

    /// The processes in the instance's cgroup.
    public func pids() -> [pid_t] {
        Array(Set(procsFiles.flatMap { CgroupFiles.pids(in: $0) })).sorted()
    }

    /// Kills every process of the instance, then removes its cgroup. Idempotent.
    public func destroy() {
        killAll()
        remove()
    }

    /// Kills every process now and removes the cgroup on a background thread, once the kernel
    /// has let the processes go: the caller (the invoker's actor) is held only for the kill.
    public func destroyInBackground() {
        killAll()
        let thread = Thread { self.remove() }
        thread.stackSize = 64 * 1024
        thread.start()
    }

    private func remove() {
        waitUntil { self.pids().isEmpty }
        if let peak = peakMemoryBytes() { finalPeak.withLock { $0 = max($0 ?? 0, peak) } }
        for directory in uniqueDirectories.reversed() {
            waitUntil { rmdir(directory) == 0 || errno == ENOENT }
        }
    }

    private func killAll() {
        if version == .v2, let directory = directories[""],
           (try? CgroupFiles.write("1", to: directory + "/cgroup.kill")) != nil {
            return
        }
        // v1 (or a v2 kernel before 5.14): freeze so nothing forks while we kill, kill every
        // pid, thaw so the kills take effect. Without a freezer, repeat until nothing is left.
        for _ in 0..<50 {
            setFrozen(true)
            let pids = pids()
            for pid in pids { kill(pid, SIGKILL) }
            setFrozen(false)
            if pids.isEmpty { return }
            usleep(1000)
        }
    }

    /// Polls `condition` (every 0.1 ms, then every millisecond) for at most `limit`.
    private func waitUntil(limit: Duration = .seconds(1), _ condition: () -> Bool) {
        let deadline = ContinuousClock.now + limit
        var polls = 0
        while !condition() {
            if ContinuousClock.now >= deadline { return }
            // The freezer usually settles within microseconds: poll fast first.
            usleep(polls < 20 ? 100 : 1000)
            polls += 1
        }
    }
}
