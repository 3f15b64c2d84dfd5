#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The sandbox's /etc: one directory holding copies of the pieces of the host's /etc that
/// programs need (`SystemMounts.etc`) plus the sandbox's own passwd and group, shown with a
/// single bind mount. Sixteen separate binds cost bubblewrap about 6 ms per start; one costs
/// nothing measurable.
///
/// The copy is remade when a source changes (a new resolv.conf, a certificate added): each
/// launch compares the sources' modification times and sizes with the copy's, about 20 µs.
/// Instances started earlier keep the copy they were started with.
final class EtcSnapshot: Sendable {
    private struct State {
        var directory: String?
        var signature: [String]
        var generation: Int
    }

    private let base: String
    private let instanceUsers: Range<Int>?
    private let state = Mutex(State(directory: nil, signature: [], generation: 0))

    init(base: String = NSTemporaryDirectory() + "petrel-etc-\(getpid())", instanceUsers: Range<Int>? = nil) {
        self.base = base
        self.instanceUsers = instanceUsers
    }

    /// The current copy, made or remade as needed.
    func directory() throws -> String {
        let signature = Self.signature()
        return try state.withLock { state in
            if let directory = state.directory, state.signature == signature { return directory }
            state.generation += 1
            let directory = base + "/\(state.generation)"
            try Self.build(into: directory, instanceUsers: instanceUsers)
            state.directory = directory
            state.signature = signature
            return directory
        }
    }

    /// What identifies the sources' current content (pure enough: lstat/stat only).
    static func signature() -> [String] {
        SystemMounts.etc.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return path + ":missing" }
            return "\(path):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size):\(info.st_ino)"
        }
    }

    static func build(into directory: String, instanceUsers: Range<Int>? = nil) throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: directory)
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o755])
        for source in SystemMounts.etc {
            let name = String(source.dropFirst("/etc/".count))
            let target = directory + "/" + name
            switch HostScan.entry(source) {
            case .missing:
                continue
            case .symlink(let destination) where destination.hasPrefix("/usr/"):
                // Resolves inside the sandbox too (/usr is shown).
                try manager.createSymbolicLink(atPath: target, withDestinationPath: destination)
            case .symlink, .file:
                // Follow links that point where the sandbox cannot see (/run/…/resolv.conf).
                var info = stat()
                if stat(source, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                    try copyTree(source, to: target)
                } else {
                    try copyFile(source, to: target)
                }
            case .directory:
                try copyTree(source, to: target)
            }
        }
        try BubblewrapCommand.passwd(instanceUsers: instanceUsers).write(toFile: directory + "/passwd", atomically: false, encoding: .utf8)
        try BubblewrapCommand.group.write(toFile: directory + "/group", atomically: false, encoding: .utf8)
        chmod(directory + "/passwd", 0o644)
        chmod(directory + "/group", 0o644)
    }

    static func copyFile(_ source: String, to target: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.write(to: URL(fileURLWithPath: target))
        chmod(target, 0o644)
    }

    /// Copies a directory, keeping symbolic links as links; skips `private` (TLS keys).
    static func copyTree(_ source: String, to target: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for entry in try manager.contentsOfDirectory(atPath: source) where entry != "private" {
            let from = source + "/" + entry
            let to = target + "/" + entry
            switch HostScan.entry(from) {
            case .missing: continue
            case .symlink(let destination): try manager.createSymbolicLink(atPath: to, withDestinationPath: destination)
            case .file: try copyFile(from, to: to)
            case .directory: try copyTree(from, to: to)
            }
        }
    }
}
