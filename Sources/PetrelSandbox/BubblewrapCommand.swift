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
        // As root bubblewrap keeps every capability unless told otherwise.
        arguments += ["--cap-drop", "ALL", "--hostname", hostname]
        for mount in system { arguments += mount.bubblewrapArguments }
        arguments += ["--proc", "/proc", "--dev", "/dev"]
        arguments += SandboxMount.tmpfs(path: tmp, sizeBytes: max(spec.ephemeralStorageMB, 1) * 1024 * 1024)
            .bubblewrapArguments
        if let identity {
            arguments += ["--ro-bind", identity.passwd, "/etc/passwd", "--ro-bind", identity.group, "/etc/group"]
        }
        for path in options.extraReadOnlyPaths { arguments += ["--ro-bind", path, path] }
        if let interpreter { arguments += interpreter.bubblewrapArguments }
        arguments += ["--ro-bind", spec.runtimeDirectory, runtimeRoot]
        arguments += ["--ro-bind", spec.codeDirectory, taskRoot]
        if let opt = spec.optDirectory { arguments += ["--ro-bind", opt, "/opt"] }
        if let handshake {
            arguments += ["--info-fd", String(handshake.infoFD), "--block-fd", String(handshake.blockFD)]
        }
        // bubblewrap's root is a writable tmpfs: make it read-only so /tmp is the only place to write.
        arguments += ["--remount-ro", "/", "--chdir", taskRoot, "--"]
        // bubblewrap always sets PWD; Lambda's environment has none, so drop it unless asked for.
        if spec.environment["PWD"] == nil { arguments += unsetPWD }
        return arguments + spec.arguments
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
    public static let group = """
        root:x:0:
        sbx_user1051:x:990:
        nogroup:x:65534:

        """
}
