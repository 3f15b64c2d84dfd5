#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Starts instances as host processes (no namespaces: they see host paths) but, when a
/// `CgroupDriver` is given, inside a cgroup with the instance's memory, CPU and pids limits
/// and a freezer; always with RLIMIT_NOFILE lowered. The rung below bubblewrap.
public struct ProcessLauncher: InstanceLauncher {
    public let options: SandboxOptions
    public let cgroups: CgroupDriver?
    public let isolationSummary: String
    public let isolationReport: IsolationReport?
    let hostCores: Int

    public init(options: SandboxOptions = SandboxOptions(), cgroups: CgroupDriver?, report: IsolationReport? = nil) {
        self.options = options
        self.cgroups = cgroups
        self.isolationReport = report
        self.isolationSummary = report?.summary
            ?? (cgroups.map { "isolation: cgroup \($0.version.rawValue) only (no namespaces)" } ?? "isolation: none")
        self.hostCores = ProcessInfo.processInfo.activeProcessorCount
    }

    public func layout(codeDirectory: String, runtimeDirectory: String, workDirectory: String) -> InstanceLayout {
        InstanceLayout(taskRoot: codeDirectory, runtimeRoot: runtimeDirectory, tmp: workDirectory + "/tmp")
    }

    public func launch(_ spec: InstanceSpec) throws -> LaunchedInstance {
        let tmp = spec.workDirectory + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let limits = CgroupLimits.forFunction(memoryMB: spec.memoryMB, pidsMax: options.pidsMax, hostCores: hostCores)
        let cgroup = try cgroups?.makeInstance(instanceID: spec.instanceID, limits: limits)
        let lifeline = try Lifeline()
        let arguments = CgroupEntry.arguments(procsFiles: cgroup?.procsFiles ?? [], openFilesMax: options.openFilesMax,
                                              command: spec.arguments, lifeline: true, freezerState: cgroup?.thawFile)
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(arguments: arguments, environment: spec.environment,
                                             workingDirectory: spec.codeDirectory, outputPath: spec.outputPath,
                                             descriptors: lifeline.childDescriptors)
            lifeline.closeChildEnd()
        } catch {
            lifeline.closeChildEnd()
            lifeline.release()
            cgroup?.destroy()
            throw error
        }
        return .contained(process: process, cgroup: cgroup, lifeline: lifeline, pidsMax: options.pidsMax, hostCores: hostCores) {
            try? FileManager.default.removeItem(atPath: tmp)
        }
    }
}
