#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Starts every instance inside bubblewrap: its own mount, PID, IPC and UTS namespaces, the
/// code read-only at /var/task, the runtime read-only at /var/runtime, a private /tmp of
/// EphemeralStorage size, the host's system directories read-only and nothing else of the host.
/// With a `CgroupDriver` the instance also gets its cgroup (memory, CPU, pids, freezer), joined
/// before bubblewrap starts.
public struct BubblewrapLauncher: InstanceLauncher {
    public let bubblewrapPath: String
    public let options: SandboxOptions
    public let cgroups: CgroupDriver?
    public let isolationSummary: String
    public let isolationReport: IsolationReport?
    let system: [SandboxMount]
    /// /usr, /bin, /lib…, without /etc: that comes from `etc`, in one mount.
    let systemWithoutEtc: [SandboxMount]
    let etc: EtcSnapshot
    /// Interpreters outside /usr found on the server's PATH, shown in every sandbox.
    let interpreters: [SandboxMount]
    let hostCores: Int
    /// A uid per instance (root only): see `InstanceUsers`.
    let users: InstanceUserPool?

    public init(bubblewrapPath: String, options: SandboxOptions = SandboxOptions(), cgroups: CgroupDriver? = nil,
                report: IsolationReport? = nil) {
        self.bubblewrapPath = bubblewrapPath
        self.options = Self.effective(options)
        self.cgroups = cgroups
        self.isolationReport = report
        self.isolationSummary = report?.summary
            ?? "isolation: bubblewrap\(cgroups.map { " + cgroup \($0.version.rawValue)" } ?? "")"
        self.system = HostScan.systemMounts()
        self.systemWithoutEtc = HostScan.systemMounts(etc: false)
        self.users = self.options.instanceUsers.map(InstanceUserPool.init)  // nil unless root: see effective
        self.etc = EtcSnapshot(instanceUsers: self.users != nil ? self.options.instanceUsers : nil)
        self.interpreters = HostScan.interpreterMounts()
        // The network-none handshake writes to a pipe bubblewrap may already have closed:
        // that must fail with EPIPE, not kill the server. (Children get SIGPIPE back: spawn
        // resets it to the default.)
        if options.network == .none { signal(SIGPIPE, SIG_IGN) }
        self.hostCores = ProcessInfo.processInfo.activeProcessorCount
    }

    public func layout(codeDirectory: String, runtimeDirectory: String, workDirectory: String) -> InstanceLayout {
        BubblewrapCommand.layout
    }

    /// The options this host can honour: switching user needs root and setpriv (without root,
    /// bubblewrap already runs the function as the caller's own user).
    static func effective(_ options: SandboxOptions) -> SandboxOptions {
        var options = options
        if geteuid() != 0 || access(BubblewrapCommand.setpriv, X_OK) != 0 { options.runAsUser = nil }
        if options.runAsUser == nil || options.instanceUsers?.isEmpty == true { options.instanceUsers = nil }
        return options
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func launch(_ spec: InstanceSpec) throws -> LaunchedInstance {
        guard let users else { return try launch(spec, uid: options.runAsUser, giveBack: {}) }
        let user = try users.take()
        do {
            return try launch(spec, uid: user.uid, giveBack: user.giveBack)
        } catch {
            user.giveBack()
            throw error
        }
    }

    func launch(_ spec: InstanceSpec, uid: Int?, giveBack: @escaping @Sendable () -> Void) throws -> LaunchedInstance {
        try FileManager.default.createDirectory(atPath: spec.workDirectory, withIntermediateDirectories: true)
        // One bind of a prepared /etc (with passwd and group); if it cannot be made, one bind
        // per piece of /etc and the identity files in the work directory.
        var system = systemWithoutEtc
        var identityFiles: BubblewrapCommand.IdentityFiles?
        if let etcDirectory = try? etc.directory() {
            system.append(.readOnly(host: etcDirectory, inside: "/etc"))
        } else {
            system = self.system
            let files = BubblewrapCommand.IdentityFiles(passwd: spec.workDirectory + "/passwd", group: spec.workDirectory + "/group")
            try BubblewrapCommand.passwd(instanceUsers: users != nil ? uid.map { $0..<($0 + 1) } : nil)
                .write(toFile: files.passwd, atomically: false, encoding: .utf8)
            try BubblewrapCommand.group.write(toFile: files.group, atomically: false, encoding: .utf8)
            identityFiles = files
        }
        let identity = identityFiles
        if options.runAsUser != nil { CodeAccess.makeReadable(spec.codeDirectory) }
        let limits = CgroupLimits.forFunction(memoryMB: spec.memoryMB, pidsMax: options.pidsMax, hostCores: hostCores)
        let cgroup = try cgroups?.makeInstance(instanceID: spec.instanceID, limits: limits)
        let interpreter = spec.arguments.first.flatMap { executable in
            BubblewrapCommand.interpreterMount(executable: executable, resolved: Self.realPath(executable))
        }
        let handshake = options.network == .none ? try BubblewrapHandshake() : nil
        var shown = options
        shown.runAsUser = uid
        shown.extraReadOnlyPaths += interpreters.compactMap { mount -> String? in
            guard case .readOnly(let host, _) = mount, mount != interpreter else { return nil }
            return host
        }
        let sandboxed = [bubblewrapPath] + BubblewrapCommand.arguments(
            spec: spec, system: system, identity: identity, options: shown, interpreter: interpreter,
            handshake: handshake.map { _ in BubblewrapCommand.Handshake() })
        let lifeline = try Lifeline()
        let arguments = CgroupEntry.arguments(procsFiles: cgroup?.procsFiles ?? [], openFilesMax: options.openFilesMax,
                                              command: sandboxed, lifeline: true, freezerState: cgroup?.thawFile)
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(arguments: arguments, environment: spec.environment,
                                             outputPath: spec.outputPath, mapStatus: BubblewrapCommand.termination,
                                             descriptors: (handshake?.childDescriptors ?? [:]).merging(lifeline.childDescriptors) { $1 })
            lifeline.closeChildEnd()
        } catch {
            lifeline.closeChildEnd()
            lifeline.release()
            handshake?.closeChildEnds()
            handshake?.closeParentEnds()
            cgroup?.destroy()
            throw error
        }
        var started: NetworkRelay?
        if let handshake {
            handshake.closeChildEnds()
            do {
                let pid = try handshake.sandboxPID()
                started = try NetworkRelay.start(pid: pid, ports: NetworkRelay.ports(environment: spec.environment))
                handshake.release()
            } catch {
                handshake.closeParentEnds()
                process.signalGroup(SIGKILL)
                cgroup?.destroy()
                lifeline.release()
                throw error
            }
        }
        let relay = started
        // With a uid of its own, only the instance's sockets reach its Runtime API (and, with
        // network none, the server's relay that carries them).
        let peers = users == nil ? RuntimeAPIPeers.anyone
            : .instance(uid: uid, relayedBy: options.network == .none ? UInt32(geteuid()) : nil)
        return .contained(process: process, cgroup: cgroup, lifeline: lifeline, pidsMax: options.pidsMax, hostCores: hostCores,
                          runtimeAPIPeers: peers) {
            giveBack()
            relay?.stop()
            if let identity {
                try? FileManager.default.removeItem(atPath: identity.passwd)
                try? FileManager.default.removeItem(atPath: identity.group)
            }
        }
    }
}
