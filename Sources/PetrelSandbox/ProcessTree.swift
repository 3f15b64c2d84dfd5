#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

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

/// An instance's peak resident memory, read after every invocation. The chain of processes
/// that starts an instance (trampoline, bubblewrap, interpreter) does not change once the
/// interpreter runs, so the tree is walked once and its pids reused: the invoke path reads
/// a few status files instead of walking /proc each time. Processes the function forks later
/// are counted by the memory cgroup's peak.
final class PeakResidentReader: Sendable {
    private let root: pid_t
    private let pids = Mutex<[pid_t]?>(nil)

    init(root: pid_t) {
        self.root = root
    }

    func read() -> Int? {
        known().compactMap { ProcessMemory.peakResidentBytes(pid: $0) }.max()
    }

    /// The resident memory of the chain now, summed (for status pages).
    func residentNow() -> Int? {
        let sizes = known().compactMap { ProcessMemory.residentBytes(pid: $0) }
        return sizes.isEmpty ? nil : sizes.reduce(0, +)
    }

    private func known() -> [pid_t] {
        pids.withLock { cached in
            if let cached, cached.count > 1 { return cached }
            // Walk until the wrapper has started the interpreter (more than the root alone).
            let tree = [root] + ProcessTree.descendants(of: root)
            cached = tree
            return tree
        }
    }
}
