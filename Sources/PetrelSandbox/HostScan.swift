#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Looks at the host paths the sandbox may show (the I/O half of `SystemMounts`).
enum HostScan {
    static func entry(_ path: String) -> HostEntry {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return .missing }
            // A dangling link (resolv.conf pointing at a stopped resolver) cannot be bound.
            return access(path, F_OK) == 0 ? .symlink(target: target) : .missing
        case S_IFDIR: return .directory
        default: return .file
        }
    }

    /// Mounts of the host's system directories; with `etc` also one bind per piece of /etc.
    static func systemMounts(etc: Bool = true) -> [SandboxMount] {
        var scan: [String: HostEntry] = [:]
        for path in SystemMounts.topLevel + (etc ? SystemMounts.etc : []) { scan[path] = entry(path) }
        return SystemMounts.mounts(scan: scan)
    }

    /// Mounts for the language interpreters on the server's PATH that live outside the system
    /// directories (pyenv's python, an nvm node): the invoker runs functions with them, and a
    /// custom runtime's bootstrap may call them by their host path. Resolved once, at start.
    static func interpreterMounts() -> [SandboxMount] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init)
        var mounts: [SandboxMount] = []
        for name in ["python3", "node"] {
            guard let found = findExecutable(name, in: directories) else { continue }
            var resolved = BubblewrapLauncher.realPath(found)
            if name == "python3", let asked = try? IsolationProbe.runQuietly([found, "-c", "import sys; print(sys.executable)"]),
               asked.status == 0 {
                let executable = asked.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if executable.hasPrefix("/") { resolved = BubblewrapLauncher.realPath(executable) }
            }
            if let mount = BubblewrapCommand.interpreterMount(executable: resolved, resolved: resolved), !mounts.contains(mount) {
                mounts.append(mount)
            }
        }
        return mounts
    }

    static func findExecutable(_ name: String, in directories: [String] = ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin"]) -> String? {
        directories.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }
}
