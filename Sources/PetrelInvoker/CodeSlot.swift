#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The task and /opt folders of a blank instance. The sandbox shows them (read-only) from
/// the moment it starts, empty; when the instance is assigned a function, its code and merged
/// layers are hard-linked in, so the files appear inside without a new mount. Hard links
/// share the code store's inodes: no bytes are copied, and the sandbox's read-only view keeps
/// the function from changing them. (Across file systems the files are copied instead.)
struct CodeSlot: Sendable {
    let task: String
    let opt: String

    init(workDirectory: String) {
        task = workDirectory + "/task"
        opt = workDirectory + "/opt"
    }

    func create() throws {
        for directory in [task, opt] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Fills the slot with a function's code and, if any, its merged layers.
    func fill(code: String, layers: String?) throws {
        try Self.link(from: code, into: task)
        if let layers { try Self.link(from: layers, into: opt) }
    }

    /// Recreates `source`'s tree inside `destination` (which exists): directories made with
    /// the same mode, files hard-linked, symbolic links copied as links.
    static func link(from source: String, into destination: String) throws {
        var pending = [(source, destination)]
        while let (from, to) = pending.popLast() {
            for entry in try FileManager.default.contentsOfDirectory(atPath: from) {
                let path = from + "/" + entry
                let target = to + "/" + entry
                var info = stat()
                guard lstat(path, &info) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    guard mkdir(target, info.st_mode & 0o7777) == 0 || errno == EEXIST else { throw posixError(target) }
                    pending.append((path, target))
                case S_IFLNK:
                    let link = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                    guard symlink(link, target) == 0 else { throw posixError(target) }
                default:
                    if Glibc.link(path, target) != 0 {
                        guard errno == EXDEV else { throw posixError(target) }
                        try FileManager.default.copyItem(atPath: path, toPath: target)
                    }
                }
            }
        }
    }

    private static func posixError(_ path: String) -> Error {
        NSError(domain: NSPOSIXErrorDomain, code: Int(errno), userInfo: [NSFilePathErrorKey: path])
    }
}
