import Foundation

/// Starts an instance as a plain child process: no namespaces, no cgroups. Used where the
/// host allows nothing better, and said so at start.
public struct PlainLauncher: InstanceLauncher {
    public init() {}

    public var isolationSummary: String { "isolation: none (plain processes; no namespaces, no cgroup limits)" }

    public func layout(codeDirectory: String, runtimeDirectory: String, workDirectory: String) -> InstanceLayout {
        InstanceLayout(taskRoot: codeDirectory, runtimeRoot: runtimeDirectory, tmp: workDirectory + "/tmp")
    }

    public func launch(_ spec: InstanceSpec) throws -> LaunchedInstance {
        try FileManager.default.createDirectory(atPath: spec.workDirectory + "/tmp", withIntermediateDirectories: true)
        let process = try ChildProcess.spawn(arguments: spec.arguments, environment: spec.environment,
                                             workingDirectory: spec.codeDirectory, outputPath: spec.outputPath)
        return LaunchedInstance(
            process: process,
            peakMemory: { ProcessMemory.peakResidentBytes(pid: process.pid) },
            destroy: { process.signalGroup(SIGKILL) }
        )
    }
}

/// Reads a process's memory figures from /proc.
public enum ProcessMemory {
    /// VmHWM: the peak resident set size of one process, in bytes.
    public static func peakResidentBytes(pid: Int32) -> Int? {
        field("VmHWM", pid: pid)
    }

    public static func residentBytes(pid: Int32) -> Int? {
        field("VmRSS", pid: pid)
    }

    static func field(_ name: String, pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
