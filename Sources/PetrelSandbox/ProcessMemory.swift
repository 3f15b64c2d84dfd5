import Foundation

/// Reads a process's memory figures from /proc.
public enum ProcessMemory {
    /// VmHWM: the peak resident set size of one process, in bytes.
    public static func peakResidentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst("VmHWM:".count).filter(\.isNumber)).map { $0 * 1024 }
        }
        return nil
    }
}
