/// One thing placed in the sandbox's otherwise empty root.
public enum SandboxMount: Sendable, Equatable {
    /// A host path shown read-only at `inside`.
    case readOnly(host: String, inside: String)
    /// A symbolic link at `at` pointing to `target` (e.g. /lib → usr/lib on merged-/usr systems).
    case symlink(target: String, at: String)
    /// A private, writable tmpfs of at most `sizeBytes`.
    case tmpfs(path: String, sizeBytes: Int)

    /// Where it appears inside the sandbox.
    public var inside: String {
        switch self {
        case .readOnly(_, let inside): return inside
        case .symlink(_, let at): return at
        case .tmpfs(let path, _): return path
        }
    }

    var bubblewrapArguments: [String] {
        switch self {
        case .readOnly(let host, let inside): return ["--ro-bind", host, inside]
        case .symlink(let target, let at): return ["--symlink", target, at]
        case .tmpfs(let path, let size): return ["--size", String(size), "--tmpfs", path]
        }
    }
}

/// What the host looks like at a path the sandbox wants to show.
public enum HostEntry: Sendable, Equatable {
    case missing
    case directory
    case file
    case symlink(target: String)
}

/// The host's system files a runtime needs (the dynamic loader, libraries, interpreters, CA
/// certificates, name resolution), and nothing else of the host.
public enum SystemMounts {
    /// Top-level directories: on merged-/usr hosts most are symlinks into /usr.
    public static let topLevel = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

    /// Pieces of /etc that programs read to run and to reach the network. Not passwd, shadow,
    /// or anything of the host's users: the sandbox gets its own passwd and group.
    public static let etc = [
        "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
        "/etc/services", "/etc/protocols", "/etc/localtime", "/etc/ld.so.cache", "/etc/ld.so.conf",
        "/etc/ld.so.conf.d", "/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf",
        "/etc/pki", "/etc/crypto-policies", "/etc/alternatives", "/etc/mime.types",
    ]

    /// Mounts for the entries found on the host: directories and files read-only at the same
    /// place, top-level symlinks recreated (a bind of /lib would resolve it to /usr/lib anyway).
    public static func mounts(scan: [String: HostEntry]) -> [SandboxMount] {
        var mounts: [SandboxMount] = []
        for path in topLevel + etc {
            switch scan[path] ?? .missing {
            case .missing: continue
            case .directory, .file: mounts.append(.readOnly(host: path, inside: path))
            case .symlink(let target):
                if topLevel.contains(path) {
                    mounts.append(.symlink(target: target, at: path))
                } else {
                    mounts.append(.readOnly(host: path, inside: path))
                }
            }
        }
        return mounts
    }
}
