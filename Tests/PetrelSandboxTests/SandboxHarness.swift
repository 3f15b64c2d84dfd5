#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import PetrelSandbox

/// Launches real instances through the launcher the probe picks on this host, each with its own
/// code, runtime and work directories under a temporary directory.
struct SandboxHarness {
    static let report = IsolationProbe.run()

    static var hasBubblewrap: Bool { report.bubblewrap.works }
    static var hasCgroups: Bool { report.cgroups.driver != nil }
    static func has(_ controller: String) -> Bool { report.cgroups.controllers.contains(controller) }

    /// Prints why a test is skipped, so the skip is visible in the log.
    static func skip(_ what: String, because reason: String) -> Bool {
        print("SKIP \(what): \(reason) [\(report.summary)]")
        return true
    }

    let root: String
    let launcher: any InstanceLauncher

    init(options: SandboxOptions = SandboxOptions()) throws {
        root = NSTemporaryDirectory() + "petrel-sandbox-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root + "/code", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/runtime", withIntermediateDirectories: true)
        try "exports.handler = async () => 1\n".write(toFile: root + "/code/index.js", atomically: false, encoding: .utf8)
        try "secret of another function\n".write(toFile: root + "/other-code.js", atomically: false, encoding: .utf8)
        launcher = Launchers.make(report: Self.report, options: options)
    }

    struct Running {
        let instance: LaunchedInstance
        let spec: InstanceSpec
        var output: String { (try? String(contentsOfFile: spec.outputPath, encoding: .utf8)) ?? "" }

        /// Waits for the exit, killing the instance after `timeout`.
        func exit(within timeout: Duration = .seconds(20)) async -> TerminationStatus {
            let process = instance.process
            return await withTaskGroup(of: TerminationStatus?.self) { group in
                group.addTask { await process.waitForExit() }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return nil
                }
                let first = await group.next()!
                group.cancelAll()
                if let first { return first }
                instance.destroy()
                return await process.waitForExit()
            }
        }
    }

    func launch(_ arguments: [String], memoryMB: Int = 128, ephemeralStorageMB: Int = 16,
                environment: [String: String] = [:]) throws -> Running {
        let id = "test-" + UUID().uuidString.prefix(8).lowercased()
        let work = root + "/work-" + id
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let spec = InstanceSpec(instanceID: id, codeDirectory: root + "/code", runtimeDirectory: root + "/runtime",
                                workDirectory: work, arguments: arguments,
                                environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 },
                                outputPath: work + "/output", memoryMB: memoryMB, ephemeralStorageMB: ephemeralStorageMB)
        return Running(instance: try launcher.launch(spec), spec: spec)
    }

    func shell(_ script: String, memoryMB: Int = 128, ephemeralStorageMB: Int = 16) throws -> Running {
        try launch(["/bin/sh", "-c", script], memoryMB: memoryMB, ephemeralStorageMB: ephemeralStorageMB)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// CPU ticks of a process tree once they stop advancing (at most a second): a freeze in
/// progress has settled.
func settledTicks(_ pid: pid_t) async throws -> Int {
    var last = cpuTicks(tree: pid)
    for _ in 0..<20 {
        try await Task.sleep(for: .milliseconds(50))
        let now = cpuTicks(tree: pid)
        if now == last { return now }
        last = now
    }
    return last
}

/// CPU time (user+system, in clock ticks) of a process and all its descendants.
func cpuTicks(tree root: pid_t) -> Int {
    ([root] + ProcessTree.descendants(of: root)).reduce(0) { total, pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return total }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 0; utime and stime are fields 11 and 12.
        return total + (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }
}

func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    // A zombie is dead for our purposes.
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}
