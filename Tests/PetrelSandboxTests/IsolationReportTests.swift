@testable import PetrelSandbox
import Foundation
import Testing

@Suite struct IsolationReportTests {
    let working = IsolationReport.Bubblewrap(path: "/usr/bin/bwrap", version: "0.8.0", works: true)
    let v1 = IsolationReport.Cgroups(version: .v1, controllers: ["cpu", "cpuacct", "freezer", "memory", "pids"],
                                     groupDirectories: ["memory": "/sys/fs/cgroup/memory/petrel/1"])

    @Test func everything() {
        let report = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: working, cgroups: v1,
                                     options: SandboxOptions())
        #expect(report.mode == .bubblewrapAndCgroups)
        #expect(report.missing.isEmpty)
        #expect(report.summary.hasPrefix("isolation: bubblewrap+cgroups: bubblewrap 0.8.0 (mount/pid/ipc/uts namespaces, each as a uid of its own (1000000-1004095),"))
        #expect(report.inForce.contains("Runtime API private to its instance"))
        #expect(report.summary.contains("cgroup v1 (memory limit, CPU quota, pids limit, freezer)"))
        #expect(report.summary.hasSuffix("; nothing missing"))
    }

    @Test func noBubblewrapDegradesToCgroups() {
        let broken = IsolationReport.Bubblewrap(problem: "bwrap not found: install the bubblewrap package")
        let report = IsolationReport(runningAsRoot: false, userNamespaces: false, bubblewrap: broken, cgroups: v1,
                                     options: SandboxOptions())
        #expect(report.mode == .cgroups)
        #expect(report.missing == ["namespaces and /tmp cap (bwrap not found: install the bubblewrap package)",
                                   "Runtime API private to its instance (needs bubblewrap: any function can call any instance's Runtime API)"])
    }

    @Test func noFreezerIsSaid() {
        var cgroups = v1
        cgroups.controllers = ["memory", "pids"]
        let report = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: working, cgroups: cgroups,
                                     options: SandboxOptions())
        #expect(report.mode == .bubblewrapAndCgroups)
        #expect(report.missing.count == 2)
        #expect(report.summary.contains("CPU quota (no writable cpu cgroup)"))
        #expect(report.summary.contains("freezer (no writable freezer cgroup)"))
    }

    @Test func nothingWorks() {
        let report = IsolationReport(runningAsRoot: false, userNamespaces: false,
                                     bubblewrap: .init(problem: "a trial sandbox failed"),
                                     cgroups: .init(problem: "cgroup v1 not writable"),
                                     options: SandboxOptions(network: .none))
        #expect(report.mode == .plain)
        #expect(report.missing.contains("network none (needs bubblewrap)"))
        #expect(report.missing.contains("memory limit (cgroup v1 not writable)"))
        #expect(report.cgroups.driver == nil)
    }

    @Test func turnedOff() {
        let report = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: working, cgroups: v1,
                                     options: SandboxOptions(useBubblewrap: false, useCgroups: false))
        #expect(report.mode == .plain)
        #expect(report.missing.first == "namespaces (bubblewrap turned off)")
        #expect(report.missing.contains("memory limit (cgroups turned off)"))
    }

    @Test func launcherFollowsTheMode() {
        let full = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: working, cgroups: v1,
                                   options: SandboxOptions())
        let launcher = Launchers.make(report: full, options: SandboxOptions())
        #expect(launcher is BubblewrapLauncher)
        #expect((launcher as? BubblewrapLauncher)?.cgroups?.version == .v1)
        #expect(launcher.isolationSummary == full.summary)
        #expect(launcher.isolationReport == full)

        let plain = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: .init(problem: "x"),
                                    cgroups: .init(problem: "y"), options: SandboxOptions())
        let fallback = Launchers.make(report: plain, options: SandboxOptions())
        #expect(fallback is ProcessLauncher)
        #expect((fallback as? ProcessLauncher)?.cgroups == nil)
        #expect(fallback.layout(codeDirectory: "/c", runtimeDirectory: "/r", workDirectory: "/w").tmp == "/w/tmp")
    }

    /// Whether a function can reach another instance's Runtime API, said either way.
    @Test(arguments: [
        (true, true, SandboxOptions(), "Runtime API private to its instance", true),
        (true, false, SandboxOptions(), "Runtime API private to its instance (needs bubblewrap: any function can call any instance's Runtime API)", false),
        (false, true, SandboxOptions(), "Runtime API private to its instance (needs root: any function can call any instance's Runtime API)", false),
        (true, true, SandboxOptions(runAsUser: nil), "Runtime API private to its instance (needs setpriv: any function can call any instance's Runtime API)", false),
        (true, true, SandboxOptions(instanceUsers: nil), "Runtime API private to its instance (uids per instance turned off: any function can call any instance's Runtime API)", false),
        (true, true, SandboxOptions(network: .none), "Runtime API private to its instance", true),
    ])
    func runtimeAPIPrivacyIsSaid(root: Bool, bubblewrap: Bool, options: SandboxOptions, line: String, inForce: Bool) {
        let report = IsolationReport(runningAsRoot: root, userNamespaces: true,
                                     bubblewrap: bubblewrap ? working : .init(problem: "x"), cgroups: v1, options: options)
        #expect((inForce ? report.inForce : report.missing).contains(line), "\(report.summary)")
    }

    @Test func uidsPerInstanceAreNamedInTheSandboxPasswd() {
        let passwd = BubblewrapCommand.passwd(instanceUsers: 1_000_000..<1_000_003)
        #expect(passwd.hasPrefix(BubblewrapCommand.passwd.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"))
        #expect(passwd.contains("sbx_user1051:x:1000002:990::/home/sbx_user1051:/sbin/nologin\nnobody:"))
        #expect(!passwd.contains("1000003"))
        #expect(BubblewrapCommand.passwd(instanceUsers: nil) == BubblewrapCommand.passwd)
    }

    @Test func jsonRoundTrip() throws {
        let report = IsolationReport(runningAsRoot: true, userNamespaces: true, bubblewrap: working, cgroups: v1,
                                     options: SandboxOptions())
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(IsolationReport.self, from: data) == report)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"mode\":\"bubblewrap+cgroups\""))
    }
}
