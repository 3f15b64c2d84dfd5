#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import PetrelSandbox
import Testing

/// Launch-to-exit time of `node -e 0` (and `/bin/true`) with each rung of the ladder.
/// Run with `PETREL_SANDBOX_BENCH=20 swift test --filter LaunchCostBenchmark`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PETREL_SANDBOX_BENCH"] != nil))
struct LaunchCostBenchmark {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["PETREL_SANDBOX_BENCH"] ?? "") ?? 20 }

    /// CPU time (user + system) of all reaped descendants, in milliseconds: unlike wall time,
    /// it does not depend on how busy the host is.
    static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }

    /// One launch-to-exit: wall time and CPU time in milliseconds.
    func once(_ launcher: any InstanceLauncher, _ arguments: [String], root: String, memoryMB: Int) async throws -> (wall: Double, cpu: Double) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let work = root + "/w-" + id
        let spec = InstanceSpec(instanceID: "bench-" + id, codeDirectory: root + "/code",
                                runtimeDirectory: root + "/runtime", workDirectory: work,
                                arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
                                outputPath: "/dev/null", memoryMB: memoryMB, ephemeralStorageMB: 512)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let cpuBefore = Self.childrenCPU()
        let start = ContinuousClock.now
        let instance = try launcher.launch(spec)
        _ = await instance.process.waitForExit()
        let elapsed = ContinuousClock.now - start
        let cpu = Self.childrenCPU() - cpuBefore
        instance.destroy()
        return (Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000, cpu)
    }

    /// How long destroy() holds its caller (the invoker actor) for a running, frozen instance.
    @Test func destroyCost() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        var times: [Double] = []
        for _ in 0..<Self.rounds {
            let running = try harness.shell("sleep 100 & exec sleep 101")
            try await Task.sleep(for: .milliseconds(50))
            running.instance.freeze()
            let start = ContinuousClock.now
            running.instance.destroy()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            _ = await running.instance.process.waitForExit()
        }
        let sorted = times.sorted()
        print(String(format: "destroy p50 %.2f ms (p90 %.2f, n=%d) [%@]", sorted[sorted.count / 2], sorted[sorted.count * 9 / 10],
                     sorted.count, SandboxHarness.report.mode.rawValue))
    }

    @Test func launchCost() async throws {
        let report = SandboxHarness.report
        let driver = report.cgroups.driver
        let bwrap = report.bubblewrap.path ?? "/usr/bin/bwrap"
        let ladder: [(String, any InstanceLauncher)] = [
            ("plain", ProcessLauncher(cgroups: nil)),
            ("cgroups only", ProcessLauncher(cgroups: driver)),
            ("bubblewrap only", BubblewrapLauncher(bubblewrapPath: bwrap, cgroups: nil)),
            ("bubblewrap+cgroups", BubblewrapLauncher(bubblewrapPath: bwrap, cgroups: driver)),
        ]
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        // 3,538 MB gets two full cores: the CPU quota does not slow start-up, so the figures
        // show the sandbox's own cost. Rungs run interleaved so a busy host skews them alike.
        for memoryMB in [3538, 128] {
            for command in [["/bin/true"], ["/usr/bin/node", "-e", "0"]] {
                var times = Array(repeating: [Double](), count: ladder.count)
                var cpus = Array(repeating: [Double](), count: ladder.count)
                for _ in 0..<Self.rounds {
                    for (index, rung) in ladder.enumerated() {
                        let result = try await once(rung.1, command, root: harness.root, memoryMB: memoryMB)
                        times[index].append(result.wall)
                        cpus[index].append(result.cpu)
                    }
                }
                for (index, rung) in ladder.enumerated() {
                    let sorted = times[index].sorted()
                    let cpu = cpus[index].sorted()
                    print("launch p50 \(rung.0) | \(command.joined(separator: " ")) | \(memoryMB) MB | "
                        + String(format: "%.2f ms (p90 %.2f, n=%d), CPU p50 %.2f ms", sorted[sorted.count / 2],
                                 sorted[sorted.count * 9 / 10], sorted.count, cpu[cpu.count / 2]))
                }
            }
        }
    }
}
