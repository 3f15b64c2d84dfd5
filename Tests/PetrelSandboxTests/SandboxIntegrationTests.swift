#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import PetrelSandbox
import Testing

/// Real instances through the launcher this host allows. Each test says, in the log, what it
/// skips and why.
@Suite(.serialized) struct SandboxIntegrationTests {
    @Test func probeSaysWhatIsInForce() {
        let report = SandboxHarness.report
        print("probe: \(report.summary)")
        #expect(report.summary.hasPrefix("isolation: \(report.mode.rawValue)"))
        if geteuid() == 0 {
            #expect(report.cgroups.version != nil, "root should be able to make cgroups: \(report.cgroups.problem ?? "")")
        }
    }

    @Test func runsAndExits() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("echo hello; exit 3")
        #expect(await running.exit() == .exited(3))
        #expect(running.output == "hello\n")
        running.instance.destroy()
        running.instance.destroy()  // idempotent
    }

    @Test func environmentIsExactlyTheSpecs() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.launch(["/usr/bin/node", "-e", "console.log(Object.keys(process.env).sort().join(','))"],
                                         environment: ["AWS_LAMBDA_FUNCTION_NAME": "f", "MY_VAR": "x"])
        #expect(await running.exit() == .exited(0))
        #expect(running.output == "AWS_LAMBDA_FUNCTION_NAME,MY_VAR,PATH\n")
        running.instance.destroy()
    }

    @Test func pythonFromThePathRuns() async throws {
        // The interpreter the invoker resolves (here possibly pyenv's, under /root).
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        let candidates: [String] = path.split(separator: ":").map { String($0) + "/python3" }
        guard let python = candidates.first(where: { access($0, X_OK) == 0 }) else { return }
        // As the invoker does: the real interpreter behind a shim such as pyenv's.
        let asked = try IsolationProbe.runQuietly([python, "-c", "import sys; print(sys.executable)"])
        let real = asked.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.launch([real, "-c", "import json, ssl, os; print(os.getcwd())"])
        #expect(await running.exit() == .exited(0), "\(running.output)")
        #expect(running.output == "/var/task\n")
        print("python \(real) ran in the sandbox")
        running.instance.destroy()
    }

    @Test func openFilesAreCapped() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("ulimit -n; ulimit -Hn; ulimit -n 4096 2>/dev/null && echo raised || echo refused")
        #expect(await running.exit() == .exited(0))
        #expect(running.output == "1024\n1024\nrefused\n")
        running.instance.destroy()
    }

    @Test func memoryLimitKillsAHog() async throws {
        guard SandboxHarness.has("memory") else { _ = SandboxHarness.skip("memory limit", because: "no memory cgroup"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.launch(["/usr/bin/node", "-e",
            "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))"], memoryMB: 96)
        let status = await running.exit()
        #expect(status == .signaled(SIGKILL))
        #expect(status.description == "signal: killed")
        let peak = running.instance.peakMemory() ?? 0
        #expect(peak > 80 * 1_048_576 && peak <= 96 * 1_048_576, "peak \(peak)")
        running.instance.destroy()
        #expect(running.instance.peakMemory() == peak, "the peak outlives the cgroup, for REPORT")
    }

    @Test func peakMemoryCountsStartUp() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.launch(["/usr/bin/node", "-e", "globalThis.b = Buffer.alloc(40 << 20, 1)"], memoryMB: 256)
        #expect(await running.exit() == .exited(0))
        let peak = running.instance.peakMemory() ?? 0
        #expect(peak > 40 * 1_048_576, "peak \(peak)")
        print("peak memory of node with a 40 MB buffer: \(peak / 1_048_576) MB")
        running.instance.destroy()
    }

    @Test func forkBombIsCappedByPidsMax() async throws {
        guard SandboxHarness.has("pids") else { _ = SandboxHarness.skip("fork bomb", because: "no pids cgroup"); return }
        let harness = try SandboxHarness(options: SandboxOptions(pidsMax: 40))
        defer { harness.cleanUp() }
        let running = try harness.shell("""
            (n=0; while [ $n -lt 200 ]; do sleep 60 & n=$((n+1)); done) 2>/dev/null
            echo started; exec sleep 60
            """)
        try await Task.sleep(for: .seconds(2))
        let cgroup = try #require((harness.launcher as? BubblewrapLauncher)?.cgroups ?? (harness.launcher as? ProcessLauncher)?.cgroups)
        let pids = cgroup.instanceDirectories(name: CgroupDriver.cgroupName(for: running.spec.instanceID)).values
            .flatMap { CgroupFiles.pids(in: $0 + "/cgroup.procs") }
        #expect(Set(pids).count <= 40)
        #expect(Set(pids).count >= 30, "the bomb should have filled the cgroup")
        running.instance.destroy()
        #expect(await running.exit() == .signaled(SIGKILL))
        // destroy() kills the cgroup's processes in the background: give it a moment.
        for _ in 0..<100 where Set(pids).contains(where: isAlive) { try await Task.sleep(for: .milliseconds(20)) }
        for pid in Set(pids) { #expect(!isAlive(pid), "\(pid) survived destroy") }
    }

    @Test func tmpIsCapped() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("/tmp cap", because: "no bubblewrap"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("""
            dd if=/dev/zero of=/tmp/big bs=1M count=20 2>/dev/null; echo dd=$?; wc -c < /tmp/big; touch /tmp/ok && echo writable
            """, ephemeralStorageMB: 8)
        #expect(await running.exit() == .exited(0))
        #expect(running.output == "dd=1\n8388608\nwritable\n")
        running.instance.destroy()
    }

    @Test func onlyTmpIsWritable() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("read-only code", because: "no bubblewrap"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("""
            for f in /var/task/x /var/runtime/x /x /etc/x /usr/x /var/x; do touch $f 2>/dev/null && echo "wrote $f"; done
            cat /var/task/index.js; pwd
            """)
        #expect(await running.exit() == .exited(0))
        #expect(running.output == "exports.handler = async () => 1\n/var/task\n")
        running.instance.destroy()
    }

    @Test func hostPathsAreInvisible() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("invisible host paths", because: "no bubblewrap"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("""
            for p in /root/.profile /root/.bashrc /root/.pyenv/shims /root/.ssh /root/.pyenv/libexec /home /work \(harness.root) \(harness.root)/other-code.js /sys/fs/cgroup /var/lib /etc/shadow; do
              test -e $p && echo "visible $p"; done
            ls /proc | grep -c '^[0-9]'; cut -d: -f1 /etc/passwd | sort -u | paste -sd' '; hostname
            kill -0 \(getpid()) 2>/dev/null && echo "can signal the server"; echo done
            """)
        #expect(await running.exit() == .exited(0))
        // Processes seen in /proc: bubblewrap's init, sh, ls and grep at most.
        let lines = running.output.split(separator: "\n")
        #expect(!running.output.contains("visible"), "\(running.output)")
        #expect(!running.output.contains("can signal"))
        #expect(Int(lines.first ?? "") ?? 99 <= 4, "\(running.output)")
        #expect(lines.dropFirst().first == "nobody root sbx_user1051", "\(running.output)")
        #expect(lines.last == "done")
        running.instance.destroy()
    }

    @Test func functionIsNotRoot() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("function user", because: "no bubblewrap"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("""
            id -u; id -g; grep CapEff /proc/self/status | tr -d '\t'
            v=$(cat /proc/sys/vm/overcommit_ratio); (echo $v > /proc/sys/vm/overcommit_ratio) 2>/dev/null && echo "wrote a sysctl"
            touch /tmp/mine && stat -c %u /tmp/mine
            id -un 2>/dev/null || echo unnamed
            """)
        #expect(await running.exit() == .exited(0))
        // As root, a uid of its own from the instances' range, named as Lambda's user.
        let uid = geteuid() == 0 ? String(running.output.prefix { $0 != "\n" }) : String(geteuid())
        if geteuid() == 0 { #expect(SandboxOptions.defaultInstanceUsers.contains(Int(uid) ?? -1), "\(running.output)") }
        let gid = geteuid() == 0 ? "990" : String(getegid())
        let name = geteuid() == 0 ? "sbx_user1051\n" : ""
        #expect(running.output.hasPrefix("\(uid)\n\(gid)\nCapEff:0000000000000000\n\(uid)\n\(name)"), "\(running.output)")
        running.instance.destroy()
    }

    @Test func networkNoneHasOnlyLoopback() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("network none", because: "no bubblewrap"); return }
        let harness = try SandboxHarness(options: SandboxOptions(network: .none))
        defer { harness.cleanUp() }
        let running = try harness.shell("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
        let status = await running.exit()
        #expect(status == .exited(0), "\(status) \(running.output)")
        #expect(running.output == "lo\n", "\(running.output)")
        running.instance.destroy()
    }

    @Test func networkNoneStillReachesTheRuntimeAPI() async throws {
        guard SandboxHarness.hasBubblewrap else { _ = SandboxHarness.skip("network relay", because: "no bubblewrap"); return }
        let server = try PongServer()
        defer { server.stop() }
        let other = try PongServer()  // listening on the host too, but not relayed
        defer { other.stop() }
        let harness = try SandboxHarness(options: SandboxOptions(network: .none))
        defer { harness.cleanUp() }
        let script = """
            const net = require('net');
            const ask = (port) => new Promise((resolve) => {
              const socket = net.connect(port, '127.0.0.1', () => socket.write('ping'));
              let got = '';
              socket.on('data', (d) => got += d);
              socket.on('end', () => resolve(got));
              socket.on('error', (e) => resolve(e.code));
            });
            (async () => {
              console.log(await ask(\(server.port)));
              console.log(await ask(\(server.port)));
              console.log(await ask(\(other.port)));
            })();
            """
        let running = try harness.launch(["/usr/bin/node", "-e", script],
                                         environment: ["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(server.port)"])
        let status = await running.exit()
        #expect(status == .exited(0), "\(status)")
        #expect(running.output == "pong ping\npong ping\nECONNREFUSED\n", "\(running.output) \(running.spec.outputPath)")
        running.instance.destroy()
    }

    @Test func freezeStopsCPUTime() async throws {
        guard SandboxHarness.has("freezer") else { _ = SandboxHarness.skip("freeze", because: "no freezer cgroup"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("while :; do :; done", memoryMB: 1769)
        try await Task.sleep(for: .milliseconds(500))
        let pid = running.instance.process.pid
        #expect(cpuTicks(tree: pid) > 0)
        running.instance.freeze()
        // freeze() does not wait for the kernel (the invoke path must not block): let it settle.
        let frozenAt = try await settledTicks(pid)
        try await Task.sleep(for: .milliseconds(700))
        #expect(cpuTicks(tree: pid) == frozenAt, "CPU time advanced while frozen")
        running.instance.thaw()
        try await Task.sleep(for: .milliseconds(700))
        #expect(cpuTicks(tree: pid) > frozenAt, "CPU time did not advance after thaw")
        running.instance.destroy()
        #expect(await running.exit() == .signaled(SIGKILL))
    }

    @Test func cpuQuotaFollowsMemory() async throws {
        guard SandboxHarness.has("cpu") else { _ = SandboxHarness.skip("CPU quota", because: "no cpu cgroup"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        // 354 MB is a fifth of a core.
        let running = try harness.shell("while :; do :; done", memoryMB: 354)
        running.instance.thaw()  // the first invocation ends the Init burst
        try await Task.sleep(for: .milliseconds(300))
        let pid = running.instance.process.pid
        let start = cpuTicks(tree: pid)
        try await Task.sleep(for: .seconds(2))
        let used = Double(cpuTicks(tree: pid) - start) / Double(sysconf(Int32(_SC_CLK_TCK))) / 2
        #expect(used < 0.3, "used \(used) of a core")
        print(String(format: "354 MB busy loop used %.2f of a core (quota 0.20)", used))
        running.instance.destroy()
    }

    @Test func initBurstsToAFullCoreUntilTheFirstThaw() async throws {
        guard SandboxHarness.has("cpu"), let driver = SandboxHarness.report.cgroups.driver else {
            _ = SandboxHarness.skip("Init burst", because: "no cpu cgroup"); return
        }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("while :; do :; done", memoryMB: 128)
        let directory = try #require(driver.instanceDirectories(name: CgroupDriver.cgroupName(for: running.spec.instanceID))["cpu"])
        let quota = { driver.version == .v1 ? CgroupFiles.readInt(directory + "/cpu.cfs_quota_us")
                                            : CgroupFiles.read(directory + "/cpu.max").flatMap { Int($0.split(separator: " ")[0]) } }
        #expect(quota() == 100_000, "a full core while the runtime initialises")
        let pid = running.instance.process.pid
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        try await Task.sleep(for: .milliseconds(200))
        var start = cpuTicks(tree: pid)
        try await Task.sleep(for: .seconds(1))
        let during = Double(cpuTicks(tree: pid) - start) / ticks
        running.instance.thaw()
        #expect(quota() == 7235, "128/1769 of a core once invocations start")
        start = cpuTicks(tree: pid)
        try await Task.sleep(for: .seconds(1))
        let after = Double(cpuTicks(tree: pid) - start) / ticks
        print(String(format: "128 MB busy loop: %.2f cores during Init, %.2f after (host load shares the CPU)", during, after))
        #expect(after < 0.15, "steady state got \(after) of a core")
        running.instance.destroy()
    }

    @Test func destroyKillsGrandchildren() async throws {
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("(sh -c 'sleep 300' &); (setsid sleep 301 &); sleep 302")
        try await Task.sleep(for: .milliseconds(500))
        let tree = ProcessTree.descendants(of: running.instance.process.pid)
        #expect(tree.count >= 3, "\(tree)")
        running.instance.destroy()
        #expect(await running.exit() == .signaled(SIGKILL))
        // The double-forked sleeps were reparented away from the tree: find them by name. The
        // cgroup's processes are killed in the background: allow it up to two seconds.
        func sleepers() -> [pid_t] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }.filter { pid in
                let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                return ["sleep\u{0}300", "sleep\u{0}301", "sleep\u{0}302"].contains { cmdline.hasPrefix($0) } && isAlive(pid)
            }
        }
        for _ in 0..<100 where !sleepers().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sleepers().isEmpty, "survivors: \(sleepers())")
        for pid in tree { #expect(!isAlive(pid)) }
    }

    @Test func startSweepsWhatAGoneServerLeft() async throws {
        guard let driver = SandboxHarness.report.cgroups.driver else { _ = SandboxHarness.skip("sweep", because: "no cgroups"); return }
        // A server group named after a pid that no process has.
        let parents = driver.groupDirectories.mapValues { ($0 as NSString).deletingLastPathComponent }
        let gone = CgroupDriver(version: driver.version, groupDirectories: parents.mapValues { $0 + "/" + ServerGroupName.make(namespace: IsolationProbe.pidNamespace(), pid: 4_194_001) },
                                controllers: driver.controllers)
        for directory in Set(gone.groupDirectories.values) { try CgroupFiles.makeDirectory(directory) }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let launcher = ProcessLauncher(cgroups: gone)
        let work = harness.root + "/orphan"
        let spec = InstanceSpec(instanceID: "orphan", codeDirectory: harness.root + "/code", runtimeDirectory: harness.root + "/runtime",
                                workDirectory: work, arguments: ["/bin/sh", "-c", "sleep 300 & exec sleep 301"], environment: [:],
                                outputPath: harness.root + "/orphan.out", memoryMB: 128, ephemeralStorageMB: 512)
        let orphan = try launcher.launch(spec)
        try await Task.sleep(for: .milliseconds(200))
        orphan.freeze()
        let pids = gone.instanceDirectories(name: "orphan").values.flatMap { CgroupFiles.pids(in: $0 + "/cgroup.procs") }
        #expect(Set(pids).count >= 2)
        IsolationProbe.sweepStaleServers(version: driver.version, groups: parents)
        #expect(await orphan.process.waitForExit() == .signaled(SIGKILL))
        for pid in Set(pids) { #expect(!isAlive(pid)) }
        for directory in Set(gone.groupDirectories.values) { #expect(!FileManager.default.fileExists(atPath: directory)) }
    }

    @Test func instanceDiesWithTheServerEvenFrozen() async throws {
        guard let driver = SandboxHarness.report.cgroups.driver else { _ = SandboxHarness.skip("lifeline", because: "no cgroups"); return }
        // Play the server: hold the lifeline's write end, then drop it without a word.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let cgroup = try driver.makeInstance(instanceID: "lifeline-test", limits: .forFunction(memoryMB: 128, pidsMax: 64, hostCores: 2))
        let arguments = CgroupEntry.arguments(procsFiles: cgroup.procsFiles, openFilesMax: 64,
                                              command: ["/bin/sh", "-c", "sleep 300 & exec sleep 301"],
                                              lifeline: true, freezerState: cgroup.thawFile)
        let process = try ChildProcess.spawn(arguments: arguments, environment: [:], descriptors: [5: fds[0]])
        close(fds[0])
        try await Task.sleep(for: .milliseconds(200))
        let pids = cgroup.pids()
        #expect(pids.count == 2, "\(pids)")
        cgroup.freeze()
        close(fds[1])  // the server is gone
        #expect(await process.waitForExit() == .signaled(SIGKILL))
        for _ in 0..<100 where !cgroup.pids().isEmpty || FileManager.default.fileExists(atPath: cgroup.procsFiles[0]) {
            try await Task.sleep(for: .milliseconds(20))
        }
        for pid in pids { #expect(!isAlive(pid)) }
        #expect(!FileManager.default.fileExists(atPath: cgroup.procsFiles[0]), "the watcher removes the cgroup")
        cgroup.destroy()
    }

    /// The v2 paths this host can exercise: its unified hierarchy has no controllers, but every
    /// v2 cgroup has cgroup.freeze and cgroup.kill.
    @Test func cgroupV2FreezeKillAndRemove() async throws {
        guard let unified = SandboxHarness.report.cgroups.mounts.v2,
              access(unified + "/cgroup.procs", W_OK) == 0 else {
            _ = SandboxHarness.skip("cgroup v2 freeze/kill", because: "no writable cgroup v2 hierarchy"); return
        }
        let group = unified + "/petrel-v2-test-\(getpid())"
        try CgroupFiles.makeDirectory(group)
        defer { rmdir(group) }
        guard access(group + "/cgroup.freeze", F_OK) == 0 else {
            _ = SandboxHarness.skip("cgroup v2 freeze/kill", because: "kernel without cgroup.freeze"); return
        }
        let driver = CgroupDriver(version: .v2, groupDirectories: ["": group], controllers: ["freezer"])
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let launcher = ProcessLauncher(cgroups: driver)
        let spec = InstanceSpec(instanceID: "v2", codeDirectory: harness.root + "/code", runtimeDirectory: harness.root + "/runtime",
                                workDirectory: harness.root + "/v2", arguments: ["/bin/sh", "-c", "while :; do :; done & exec sleep 300"],
                                environment: [:], outputPath: harness.root + "/v2.out", memoryMB: 128, ephemeralStorageMB: 512)
        let instance = try launcher.launch(spec)
        try await Task.sleep(for: .milliseconds(200))
        let directory = group + "/v2"
        #expect(CgroupFiles.pids(in: directory + "/cgroup.procs").count == 2)
        instance.freeze()
        // freeze() does not wait for the kernel (the invoke path must not block): poll for it.
        func frozen() -> Int? { CgroupFiles.read(directory + "/cgroup.events").flatMap { CgroupFiles.keyedValue("frozen", in: $0) } }
        for _ in 0..<100 where frozen() != 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(frozen() == 1)
        let frozenAt = cpuTicks(tree: instance.process.pid)
        try await Task.sleep(for: .milliseconds(300))
        #expect(cpuTicks(tree: instance.process.pid) == frozenAt)
        instance.thaw()
        for _ in 0..<100 where frozen() != 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(frozen() == 0)
        instance.destroy()  // cgroup.kill, then removal
        #expect(await instance.process.waitForExit() == .signaled(SIGKILL))
        for _ in 0..<100 where FileManager.default.fileExists(atPath: directory) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test func destroyRemovesTheCgroup() async throws {
        guard SandboxHarness.hasCgroups else { _ = SandboxHarness.skip("cgroup removal", because: "no cgroups"); return }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let running = try harness.shell("sleep 300")
        let driver = try #require(SandboxHarness.report.cgroups.driver)
        let directories = driver.instanceDirectories(name: CgroupDriver.cgroupName(for: running.spec.instanceID))
        for directory in directories.values { #expect(FileManager.default.fileExists(atPath: directory)) }
        running.instance.destroy()
        // The kill is immediate; the cgroup goes once the kernel has released the processes.
        for _ in 0..<100 where directories.values.contains(where: { FileManager.default.fileExists(atPath: $0) }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        for directory in directories.values { #expect(!FileManager.default.fileExists(atPath: directory), "\(directory) left") }
    }
}
