#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Finds out, once at start, what isolation the host allows: does a trial bubblewrap sandbox
/// run, which cgroup hierarchy can this process create groups in, with which controllers.
/// It creates this server's cgroup group (`<own cgroup>/<name>/<pid>`) and sweeps the groups of
/// servers that are gone.
public enum IsolationProbe {
    public static func run(options: SandboxOptions = SandboxOptions()) -> IsolationReport {
        let root = geteuid() == 0
        let bubblewrap = options.useBubblewrap ? probeBubblewrap(options: options, root: root)
                                               : IsolationReport.Bubblewrap(problem: "turned off")
        let cgroups = options.useCgroups ? probeCgroups(options: options)
                                         : IsolationReport.Cgroups(problem: "turned off")
        return IsolationReport(runningAsRoot: root, userNamespaces: userNamespacesAllowed(),
                               bubblewrap: bubblewrap, cgroups: cgroups, options: BubblewrapLauncher.effective(options))
    }

    static func userNamespacesAllowed() -> Bool {
        let max = CgroupFiles.readInt("/proc/sys/user/max_user_namespaces") ?? 0
        let unprivileged = CgroupFiles.readInt("/proc/sys/kernel/unprivileged_userns_clone") ?? 1
        return max > 0 && unprivileged != 0
    }

    // MARK: bubblewrap

    static func probeBubblewrap(options: SandboxOptions, root: Bool) -> IsolationReport.Bubblewrap {
        guard let path = options.bubblewrapPath ?? HostScan.findExecutable("bwrap") else {
            return .init(problem: "bwrap not found: install the bubblewrap package")
        }
        var report = IsolationReport.Bubblewrap(path: path)
        if let output = try? runQuietly([path, "--version"]), output.status == 0 {
            report.version = output.text.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        // The same sandbox an instance gets, running /bin/sh -c true.
        let spec = InstanceSpec(instanceID: "probe", codeDirectory: "/usr/bin", runtimeDirectory: "/usr/bin",
                                workDirectory: "/", arguments: ["/bin/sh", "-c", "test -w /tmp && ! test -w /var/task"],
                                environment: [:], outputPath: "/dev/null", memoryMB: 128, ephemeralStorageMB: 1)
        let arguments = [path] + BubblewrapCommand.arguments(spec: spec, system: HostScan.systemMounts(), identity: nil,
                                                             options: BubblewrapLauncher.effective(options))
        do {
            let trial = try runQuietly(arguments)
            if trial.status == 0 {
                report.works = true
            } else {
                let reason = trial.text.trimmingCharacters(in: .whitespacesAndNewlines)
                report.problem = "a trial sandbox failed (\(reason.isEmpty ? "exit \(trial.status)" : reason))"
                    + (root || userNamespacesAllowed() ? "" : "; unprivileged user namespaces are off: run as root or enable them")
            }
        } catch {
            report.problem = "could not run \(path): \(error)"
        }
        return report
    }

    /// Runs a short command, returning its exit status and combined output.
    static func runQuietly(_ arguments: [String]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION"].contains($0.key) }
            .merging(["PATH": "/usr/bin:/bin"]) { current, _ in current }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: cgroups

    static let wantedV1 = ["memory", "cpu", "cpuacct", "pids", "freezer"]
    static let wantedV2 = ["memory", "cpu", "pids"]

    static func probeCgroups(options: SandboxOptions) -> IsolationReport.Cgroups {
        let mounts = CgroupMounts.parse(mountinfo: CgroupFiles.read("/proc/self/mountinfo") ?? "",
                                        selfCgroup: CgroupFiles.read("/proc/self/cgroup") ?? "")
        var problems: [String] = []
        if let own = mounts.v2 {
            switch setUpV2(own: own, name: options.cgroupGroupName) {
            case .success(let found):
                var report = found
                report.mounts = mounts
                return report
            case .failure(let error):
                problems.append(error.description)
            }
        }
        if !mounts.v1.isEmpty {
            var report = setUpV1(mounts: mounts, name: options.cgroupGroupName)
            report.mounts = mounts
            if report.version != nil { return report }
            problems.append(report.problem ?? "cgroup v1 not writable")
        }
        if mounts.v1.isEmpty && mounts.v2 == nil { problems.append("no cgroup filesystem mounted") }
        return IsolationReport.Cgroups(mounts: mounts, problem: problems.joined(separator: "; "))
    }

    /// `<pid namespace inode>-<pid>`: a server's pid means something only in its own pid
    /// namespace, so a server sweeps only the groups of its namespace (two containers sharing
    /// a cgroup tree never sweep each other's live instances).
    static func serverGroupName() -> String { ServerGroupName.make(namespace: pidNamespace(), pid: getpid()) }

    static func pidNamespace() -> String {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? ""
        return String(link.filter(\.isNumber))
    }

    /// v2: the server's own cgroup must delegate memory (and ideally cpu, pids) to it; the
    /// instance cgroups live in `<own>/<name>/<pid>/<instance>`.
    static func setUpV2(own: String, name: String) -> Result<IsolationReport.Cgroups, SandboxError> {
        let available = Set((CgroupFiles.read(own + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        let wanted = wantedV2.filter { available.contains($0) }
        guard wanted.contains("memory") else {
            return .failure(SandboxError("cgroup v2 at \(own) has no memory controller delegated (has: \(available.sorted().joined(separator: " ")))"))
        }
        let enable = wanted.map { "+" + $0 }.joined(separator: " ")
        let group = own + "/" + name
        let server = group + "/" + serverGroupName()
        do {
            let enabled = Set((CgroupFiles.read(own + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
            if !Set(wanted).isSubset(of: enabled) {
                do {
                    try CgroupFiles.write(enable, to: own + "/cgroup.subtree_control")
                } catch {
                    throw SandboxError("cgroup v2: cannot enable \(enable) below \(own) (it holds processes; run petrel in a cgroup of its own with Delegate=yes)")
                }
            }
            try CgroupFiles.makeDirectory(group)
            sweepStaleServers(version: .v2, groups: ["": group])
            try CgroupFiles.write(enable, to: group + "/cgroup.subtree_control")
            try CgroupFiles.makeDirectory(server)
            try CgroupFiles.write(enable, to: server + "/cgroup.subtree_control")
        } catch let error as SandboxError {
            return .failure(error)
        } catch {
            return .failure(SandboxError("cgroup v2: \(error)"))
        }
        var controllers = wanted
        if access(server + "/cgroup.freeze", F_OK) == 0 { controllers.append("freezer") }
        return .success(IsolationReport.Cgroups(version: .v2, controllers: controllers.sorted(),
                                                groupDirectories: ["": server]))
    }

    /// v1: one group per controller's hierarchy, beneath the server's own cgroup there.
    static func setUpV1(mounts: CgroupMounts, name: String) -> IsolationReport.Cgroups {
        var directories: [String: String] = [:]
        var problems: [String] = []
        for controller in wantedV1 {
            guard let own = mounts.v1[controller] else {
                problems.append("no \(controller) hierarchy mounted")
                continue
            }
            let group = own + "/" + name
            let server = group + "/" + serverGroupName()
            do {
                try CgroupFiles.makeDirectory(group)
                try CgroupFiles.makeDirectory(server)
                directories[controller] = server
            } catch {
                problems.append("\(controller): \(error)")
            }
        }
        guard !directories.isEmpty else {
            return IsolationReport.Cgroups(problem: "cgroup v1 not writable: " + problems.joined(separator: "; "))
        }
        sweepStaleServers(version: .v1, groups: directories.mapValues { ($0 as NSString).deletingLastPathComponent })
        // Prove the limits can be written, with a throw-away instance.
        let driver = CgroupDriver(version: .v1, groupDirectories: directories, controllers: Set(directories.keys))
        do {
            let trial = try driver.makeInstance(instanceID: "probe", limits: CgroupLimits.forFunction(memoryMB: 128, pidsMax: 16, hostCores: 1))
            trial.destroy()
        } catch {
            return IsolationReport.Cgroups(problem: "cgroup v1: \(error)")
        }
        return IsolationReport.Cgroups(version: .v1, controllers: directories.keys.sorted(), groupDirectories: directories,
                                       problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// Ends what servers that are gone left behind: their instances (which may be frozen, and
    /// so would never die on their own) are killed and their cgroups removed. A server group is
    /// stale when its name is the pid of no running process.
    static func sweepStaleServers(version: CgroupDriver.Version, groups: [String: String]) {
        var stale = Set<String>()
        for group in Set(groups.values) {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: group)) ?? [] {
                guard let pid = ServerGroupName.pid(of: entry, namespace: pidNamespace()), pid != getpid(),
                      kill(pid, 0) != 0, errno == ESRCH else { continue }
                stale.insert(entry)
            }
        }
        for server in stale {
            let serverDirectories = groups.mapValues { $0 + "/" + server }
            var instances = Set<String>()
            for directory in Set(serverDirectories.values) {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                where FileManager.default.fileExists(atPath: directory + "/" + entry + "/cgroup.procs") {
                    instances.insert(entry)
                }
            }
            for instance in instances {
                let directories = serverDirectories.mapValues { $0 + "/" + instance }
                    .filter { FileManager.default.fileExists(atPath: $0.value) }
                let controllers = version == .v2 ? Set(["freezer"]) : Set(directories.keys)
                InstanceCgroup(version: version, directories: directories, controllers: controllers).destroy()
            }
            for directory in Set(serverDirectories.values) { rmdir(directory) }
        }
    }
}

/// Names of server groups (pure).
enum ServerGroupName {
    static func make(namespace: String, pid: pid_t) -> String {
        namespace.isEmpty ? String(pid) : "\(namespace)-\(pid)"
    }

    /// The pid a group name stands for, if it belongs to `namespace` (or has no namespace:
    /// groups made before names carried one).
    static func pid(of name: String, namespace: String) -> pid_t? {
        let parts = name.split(separator: "-")
        if parts.count == 1 { return pid_t(parts[0]) }
        guard parts.count == 2, parts[0] == namespace else { return nil }
        return pid_t(parts[1])
    }
}
