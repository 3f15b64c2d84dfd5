/// What the server asks of the sandbox. Everything has a default that serves a laptop; the
/// launcher factory (`Launchers.best`) then grants what the host allows and says what it could not.
public struct SandboxOptions: Sendable, Codable, Equatable {
    /// Whether functions share the host's network (as on AWS) or get none at all.
    public enum Network: String, Sendable, Codable, Equatable {
        /// The host's network namespace: the function reaches Petrel's endpoint and the outside.
        case shared
        /// A network namespace of its own with only a loopback interface (`bwrap --unshare-net`).
        case none
    }

    public var network: Network
    /// Use bubblewrap when it works here. Off: processes see the host's filesystem.
    public var useBubblewrap: Bool
    /// Use cgroups for memory, CPU, pids and freezing when the host lets us.
    public var useCgroups: Bool
    /// bubblewrap's executable; nil looks in /usr/bin, /usr/local/bin, /bin.
    public var bubblewrapPath: String?
    /// Directory name, under the server's own cgroup, that holds the instances' cgroups.
    public var cgroupGroupName: String
    /// Host paths shown read-only at the same place inside the sandbox (e.g. an interpreter
    /// installed outside /usr).
    public var extraReadOnlyPaths: [String]
    /// pids.max of each instance: a fork bomb stops here.
    public var pidsMax: Int
    /// RLIMIT_NOFILE (soft and hard) of each instance.
    public var openFilesMax: Int
    /// The uid and gid the function runs as inside the sandbox when Petrel runs as root
    /// (Lambda's sbx_user1051): never root, so it cannot write root-owned files such as
    /// /proc/sys nor pass as root to host services over abstract unix sockets. nil keeps root
    /// (without capabilities).
    public var runAsUser: Int?
    public var runAsGroup: Int
    /// With `runAsUser` set, each live instance runs as a uid of its own from this range
    /// instead (named sbx_user1051 too, group `runAsGroup`), so the kernel tells instances
    /// apart: its Runtime API admits only its own instance's sockets (`RuntimeAPIPeers`).
    /// nil: every instance runs as `runAsUser`, and any function can call any Runtime API.
    public var instanceUsers: Range<Int>?

    /// 4,096 uids from 1,000,000: above the ranges hosts hand to people and system services.
    public static let defaultInstanceUsers = 1_000_000..<1_004_096

    public init(network: Network = .shared, useBubblewrap: Bool = true, useCgroups: Bool = true,
                bubblewrapPath: String? = nil, cgroupGroupName: String = "petrel",
                extraReadOnlyPaths: [String] = [], pidsMax: Int = 1024, openFilesMax: Int = 1024,
                runAsUser: Int? = 993, runAsGroup: Int = 990, instanceUsers: Range<Int>? = SandboxOptions.defaultInstanceUsers) {
        self.network = network
        self.useBubblewrap = useBubblewrap
        self.useCgroups = useCgroups
        self.bubblewrapPath = bubblewrapPath
        self.cgroupGroupName = cgroupGroupName
        self.extraReadOnlyPaths = extraReadOnlyPaths
        self.pidsMax = pidsMax
        self.openFilesMax = openFilesMax
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.instanceUsers = instanceUsers
    }
}
