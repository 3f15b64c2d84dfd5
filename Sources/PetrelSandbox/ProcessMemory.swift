#if canImport(Glibc)
import Glibc
#endif

/// Reads a process's memory figures from /proc/<pid>/status. It runs after every invocation,
/// so it reads into a stack buffer and scans bytes instead of building strings.
public enum ProcessMemory {
    /// VmHWM: the peak resident set size of one process, in bytes.
    public static func peakResidentBytes(pid: Int32) -> Int? {
        kilobytes(of: "VmHWM:", pid: pid).map { $0 * 1024 }
    }

    /// VmRSS: the resident set size of one process now, in bytes.
    public static func residentBytes(pid: Int32) -> Int? {
        kilobytes(of: "VmRSS:", pid: pid).map { $0 * 1024 }
    }

    static func kilobytes(of field: StaticString, pid: Int32) -> Int? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> Int? in
            var filled = 0
            while filled < buffer.count {
                let count = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if count <= 0 { break }
                filled += count
            }
            return value(of: field, in: UnsafeBufferPointer(rebasing: buffer[..<filled]))
        }
    }

    /// The number after `field` at the start of a line of `text` (pure).
    static func value(of field: StaticString, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let name = UnsafeBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount)
        var lineStart = 0
        while lineStart + name.count <= text.count {
            if zip(name.indices, lineStart...).allSatisfy({ name[$0] == text[$1] }) {
                var index = lineStart + name.count
                var number = 0
                var digits = 0
                while index < text.count, text[index] != UInt8(ascii: "\n") {
                    let byte = text[index]
                    if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                        number = number * 10 + Int(byte - UInt8(ascii: "0"))
                        digits += 1
                    } else if digits > 0 {
                        break
                    }
                    index += 1
                }
                return digits > 0 ? number : nil
            }
            guard let newline = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            lineStart = newline + 1
        }
        return nil
    }
}
