/// What the host allowed at start and what is therefore in force: logged as one line, served
/// as JSON by the admin endpoint.
public struct IsolationReport: Sendable, Codable, Equatable {
    public struct Bubblewrap: Sendable, Codable, Equatable {
        public var path: String?
        public var version: String?
        /// A trial sandbox started and exited cleanly.
        public var works: Bool
        public var problem: String?

        public init(path: String? = nil, version: String? = nil, works: Bool = false, problem: String? = nil) {
            self.path = path
            self.version = version
            self.works = works
            self.problem = problem
        }
    }

    public struct Cgroups: Sendable, Codable, Equatable {
        /// "v1" or "v2": the hierarchy instances are put in; nil when none is usable.
        public var version: CgroupDriver.Version?
        /// Controllers in use, sorted (v2 counts its built-in freezer as "freezer").
        public var controllers: [String]
        /// controller → directory of this server's instance cgroups.
        public var groupDirectories: [String: String]
        public var mounts: CgroupMounts
        public var problem: String?

        public init(version: CgroupDriver.Version? = nil, controllers: [String] = [], groupDirectories: [String: String] = [:],
                    mounts: CgroupMounts = CgroupMounts(), problem: String? = nil) {
            self.version = version
            self.controllers = controllers
            self.groupDirectories = groupDirectories
            self.mounts = mounts
            self.problem = problem
        }

        public var driver: CgroupDriver? {
            guard let version, !controllers.isEmpty else { return nil }
            return CgroupDriver(version: version, groupDirectories: groupDirectories, controllers: Set(controllers))
        }
    }

    public enum Mode: String, Sendable, Codable, Equatable {
        case bubblewrapAndCgroups = "bubblewrap+cgroups"
        case bubblewrap
        case cgroups
        case plain
    }

    public var runningAsRoot: Bool
    public var userNamespaces: Bool
    public var bubblewrap: Bubblewrap
    public var cgroups: Cgroups
    public var network: SandboxOptions.Network
    public var mode: Mode
    public var inForce: [String]
    public var missing: [String]
    public var summary: String

    /// Decides the mode and words the summary from the facts found (pure: unit-tested).
    public init(runningAsRoot: Bool, userNamespaces: Bool, bubblewrap: Bubblewrap, cgroups: Cgroups,
                options: SandboxOptions) {
        self.runningAsRoot = runningAsRoot
        self.userNamespaces = userNamespaces
        self.bubblewrap = bubblewrap
        self.cgroups = cgroups
        self.network = options.network

        let useBubblewrap = options.useBubblewrap && bubblewrap.works
        let controllers = Set(options.useCgroups ? cgroups.controllers : [])
        let useCgroups = cgroups.version != nil && !controllers.isEmpty
        switch (useBubblewrap, useCgroups) {
        case (true, true): mode = .bubblewrapAndCgroups
        case (true, false): mode = .bubblewrap
        case (false, true): mode = .cgroups
        case (false, false): mode = .plain
        }

        var inForce: [String] = []
        var missing: [String] = []
        let ownUsers = useBubblewrap && runningAsRoot && options.runAsUser != nil && options.instanceUsers?.isEmpty == false
        if useBubblewrap {
            let user = !runningAsRoot ? "as the server's user"
                : ownUsers ? options.instanceUsers.map { "each as a uid of its own (\($0.lowerBound)-\($0.upperBound - 1))" }!
                : options.runAsUser.map { "as uid \($0)" } ?? "as root without capabilities"
            inForce.append("bubblewrap\(bubblewrap.version.map { " " + $0 } ?? "") (mount/pid/ipc/uts namespaces, \(user), read-only code, private /tmp capped, network \(options.network.rawValue))")
        } else if !options.useBubblewrap {
            missing.append("namespaces (bubblewrap turned off)")
        } else {
            missing.append("namespaces and /tmp cap (\(bubblewrap.problem ?? "bubblewrap does not work here"))")
        }
        if options.network == .none && !useBubblewrap {
            missing.append("network none (needs bubblewrap)")
        }
        // The Runtime API serves only its instance's uid: other functions cannot take its
        // invocations (docs/isolation.md). Without a uid per instance the kernel cannot tell.
        if ownUsers {
            inForce.append("Runtime API private to its instance")
        } else {
            let why = !useBubblewrap ? "needs bubblewrap" : !runningAsRoot ? "needs root"
                : options.runAsUser == nil ? "needs setpriv" : "uids per instance turned off"
            missing.append("Runtime API private to its instance (\(why): any function can call any instance's Runtime API)")
        }
        let limitNames: [(String, String)] = [("memory", "memory limit"), ("cpu", "CPU quota"), ("pids", "pids limit"),
                                              ("freezer", "freezer")]
        if useCgroups {
            let have = limitNames.filter { controllers.contains($0.0) }.map(\.1)
            inForce.append("cgroup \(cgroups.version!.rawValue) (\(have.joined(separator: ", ")))")
        }
        for (controller, name) in limitNames where !(useCgroups && controllers.contains(controller)) {
            if !options.useCgroups {
                missing.append("\(name) (cgroups turned off)")
            } else {
                missing.append("\(name) (\(cgroups.problem ?? "no writable \(controller) cgroup"))")
            }
        }
        inForce.append("open files capped")
        self.inForce = inForce
        self.missing = missing
        self.summary = "isolation: \(mode.rawValue): " + inForce.joined(separator: " + ")
            + (missing.isEmpty ? "; nothing missing" : "; missing: " + missing.joined(separator: "; "))
    }
}
