/// bubblewrap's argument list for one instance: pure, so every choice here is unit-tested.
public enum BubblewrapCommand {
    public static let taskRoot = "/var/task"
    public static let runtimeRoot = "/var/runtime"
    public static let tmp = "/tmp"
    public static let hostname = "petrel"

    /// Descriptors (in the child) through which bubblewrap reports the sandbox's pid once its
    /// namespaces exist, and waits before running the instance: the time to set up the
    /// network relay of `network: .none`.
    public struct Handshake: Sendable, Equatable {
        public var infoFD: Int32
        public var blockFD: Int32
        public init(infoFD: Int32 = 3, blockFD: Int32 = 4) {
            self.infoFD = infoFD
            self.blockFD = blockFD
        }
    }

    /// util-linux's setpriv, which drops the sandbox's root to the function's user.
    public static let setpriv = "/usr/bin/setpriv"

    /// The command that removes PWD from the environment before the instance's argv runs.
    public static let unsetPWD = ["/usr/bin/env", "-u", "PWD"]

    /// The layout every sandboxed instance sees.
    public static let layout = InstanceLayout(taskRoot: taskRoot, runtimeRoot: runtimeRoot, tmp: tmp)

    /// Files the sandbox gets in place of the host's, as (host file, path inside).
    public struct IdentityFiles: Sendable, Equatable {
        public var passwd: String
        public var group: String
        public init(passwd: String, group: String) {
            self.passwd = passwd
            self.group = group
        }
    }

    /// Arguments after the `bwrap` executable, ending with `--` and the instance's argv.
    public static func arguments(spec: InstanceSpec, system: [SandboxMount], identity: IdentityFiles?,
                                 options: SandboxOptions, interpreter: SandboxMount? = nil,
                                 handshake: Handshake? = nil) -> [String] {
        var arguments = [
            "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        ]
        if options.network == .none { arguments.append("--unshare-net") }
        // As root bubblewrap keeps every capability unless told otherwise. To become the
        // function's user, setpriv needs setuid/setgid, which it then drops with root.
        arguments += ["--cap-drop", "ALL"]
        if options.runAsUser != nil { arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] }
        arguments += ["--hostname", hostname]

        var mounts = system
        if let identity {
            mounts += [.readOnly(host: identity.passwd, inside: "/etc/passwd"), .readOnly(host: identity.group, inside: "/etc/group")]
        }
        mounts += options.extraReadOnlyPaths.map { SandboxMount.readOnly(host: $0, inside: $0) }
        if let interpreter { mounts.append(interpreter) }
        mounts += [.readOnly(host: spec.runtimeDirectory, inside: runtimeRoot),
                   .readOnly(host: spec.codeDirectory, inside: taskRoot)]
        if let opt = spec.optDirectory { mounts.append(.readOnly(host: opt, inside: "/opt")) }
        // bubblewrap makes missing parents of mount points mode 0700, which the function's
        // user could not cross: make them 0755 first.
        for directory in parentDirectories(of: mounts.map(\.inside) + ["/proc", "/dev", tmp]) {
            arguments += ["--perms", "0755", "--dir", directory]
        }
        for mount in system { arguments += mount.bubblewrapArguments }
        arguments += ["--proc", "/proc", "--dev", "/dev"]
        arguments += ["--perms", "1777"]
        arguments += SandboxMount.tmpfs(path: tmp, sizeBytes: max(spec.ephemeralStorageMB, 1) * 1024 * 1024)
            .bubblewrapArguments
        for mount in mounts.dropFirst(system.count) { arguments += mount.bubblewrapArguments }
        if let handshake {
            arguments += ["--info-fd", String(handshake.infoFD), "--block-fd", String(handshake.blockFD)]
        }
        // bubblewrap's root is a writable tmpfs: make it read-only so /tmp is the only place to write.
        arguments += ["--remount-ro", "/", "--chdir", taskRoot, "--"]
        if let uid = options.runAsUser {
            arguments += [setpriv, "--reuid=\(uid)", "--regid=\(options.runAsGroup)", "--clear-groups",
                          "--inh-caps=-all", "--no-new-privs", "--"]
        }
        // bubblewrap always sets PWD; Lambda's environment has none, so drop it unless asked for.
        if spec.environment["PWD"] == nil { arguments += unsetPWD }
        return arguments + spec.arguments
    }

    /// The directories above the mount points that are not mount points themselves, parents
    /// first (pure).
    static func parentDirectories(of mountPoints: [String]) -> [String] {
        let points = Set(mountPoints)
        var parents: [String] = []
        var seen = Set<String>()
        for point in mountPoints {
            let components = point.split(separator: "/").dropLast()
            var path = ""
            for component in components {
                path += "/" + component
                if !points.contains(path) && seen.insert(path).inserted { parents.append(path) }
            }
        }
        return parents.sorted { $0.split(separator: "/").count < $1.split(separator: "/").count || ($0.split(separator: "/").count == $1.split(separator: "/").count && $0 < $1) }
    }

    /// An interpreter installed outside the system directories (pyenv's python under
    /// /root/.pyenv/versions/3.11.7/bin) is shown with its installation prefix, read-only at the
    /// same path, and nothing else of where it lives. `resolved` is the executable's real path.
    public static func interpreterMount(executable: String, resolved: String) -> SandboxMount? {
        guard executable.hasPrefix("/") else { return nil }
        let shown = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", taskRoot + "/", runtimeRoot + "/"]
        if shown.contains(where: { executable.hasPrefix($0) && resolved.hasPrefix($0) }) { return nil }
        let parts = resolved.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 2] == "bin" else {
            let directory = "/" + parts.dropLast().joined(separator: "/")
            return directory == "/" ? nil : .readOnly(host: directory, inside: directory)
        }
        let prefix = "/" + parts.dropLast(2).joined(separator: "/")
        return prefix == "/" ? nil : .readOnly(host: prefix, inside: prefix)
    }

    /// bubblewrap exits with 128+n when its child dies of signal n; turn that back into the
    /// signal, so a function killed for memory reads "signal: killed" as on AWS. (A function
    /// that itself exits with 129–192 is reported as killed by that signal: bubblewrap does
    /// not tell the two apart.)
    public static func termination(of bubblewrap: TerminationStatus) -> TerminationStatus {
        if case .exited(let code) = bubblewrap, code > 128, code <= 128 + 64 { return .signaled(code - 128) }
        return bubblewrap
    }

    /// /etc/passwd and /etc/group of the sandbox: the user the instance runs as and nobody else.
    public static let passwd = """
        root:x:0:0:root:/tmp:/bin/sh
        sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

        """

    /// The passwd with every per-instance uid named sbx_user1051 as well, so `id`, Node's
    /// `os.userInfo()` and Python's `getpass.getuser()` work whichever uid an instance has.
    /// (About 50 bytes a uid; getpwuid reads 4,096 lines in well under a millisecond.)
    public static func passwd(instanceUsers: Range<Int>?) -> String {
        guard let users = instanceUsers, !users.isEmpty else { return passwd }
        var lines = passwd.split(separator: "\n").map(String.init)
        let extra = users.map { "sbx_user1051:x:\($0):990::/home/sbx_user1051:/sbin/nologin" }
        lines.insert(contentsOf: extra, at: 2)
        return lines.joined(separator: "\n") + "\n"
    }
    public static let group = """
        root:x:0:
        sbx_user1051:x:990:
        nogroup:x:65534:

        """
}
