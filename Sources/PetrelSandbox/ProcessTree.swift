#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A process and its descendants, read from /proc/<pid>/task/<tid>/children.
enum ProcessTree {
    static func descendants(of pid: pid_t) -> [pid_t] {
        var result: [pid_t] = []
        var queue = [pid]
        while let next = queue.popLast(), result.count < 4096 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? []
            for task in tasks {
                let children = (try? String(contentsOfFile: "/proc/\(next)/task/\(task)/children", encoding: .utf8)) ?? ""
                for child in children.split(separator: " ").compactMap({ pid_t($0) }) {
                    result.append(child)
                    queue.append(child)
                }
            }
        }
        return result
    }

    /// The largest VmHWM among a process and its descendants: without a memory cgroup, the
    /// best figure for an interpreter started through a wrapper such as bubblewrap.
    static func peakResidentBytes(root: pid_t) -> Int? {
        ([root] + descendants(of: root)).compactMap { ProcessMemory.peakResidentBytes(pid: $0) }.max()
    }
}
