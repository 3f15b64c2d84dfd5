#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reading and writing cgroup control files with plain syscalls: each write is one write(2),
/// as the kernel expects, and errors keep their errno.
enum CgroupFiles {
    static func write(_ value: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError.cgroupWrite(path, value, errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SandboxError.cgroupWrite(path, value, errno: errno) }
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// A file holding one number (memory.peak, memory.max_usage_in_bytes…): read after every
    /// invocation, so with one read(2) into a stack buffer.
    static func readInt(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> Int? in
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            var value = 0
            var digits = 0
            for byte in buffer[..<count] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            }
            return digits > 0 ? value : nil
        }
    }

    /// The value of `key` in a flat-keyed file such as memory.events or memory.oom_control.
    static func keyedValue(_ key: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) }
        }
        return nil
    }

    static func pids(in procsFile: String) -> [pid_t] {
        (read(procsFile) ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Writes each setting into its controller's directory, in order; optional ones may fail.
    static func apply(_ settings: [CgroupSetting], in directories: [String: String]) throws {
        for setting in settings {
            guard let directory = directories[setting.controller ?? ""] else { continue }
            do {
                try write(setting.value, to: directory + "/" + setting.file)
            } catch where setting.optional {
                continue
            }
        }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SandboxError("Could not create cgroup \(path): \(String(cString: strerror(errno))). "
                + "Run petrel as root or in a cgroup delegated to it, or start it with cgroups off.")
        }
    }
}
