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

    static func systemMounts() -> [SandboxMount] {
        var scan: [String: HostEntry] = [:]
        for path in SystemMounts.topLevel + SystemMounts.etc { scan[path] = entry(path) }
        return SystemMounts.mounts(scan: scan)
    }

    static func findExecutable(_ name: String, in directories: [String] = ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin"]) -> String? {
        directories.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }
}
