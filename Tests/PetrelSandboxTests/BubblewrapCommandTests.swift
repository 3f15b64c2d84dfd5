@testable import PetrelSandbox
import Testing

@Suite struct BubblewrapCommandTests {
    let spec = InstanceSpec(
        instanceID: "i1", codeDirectory: "/data/functions/f1/code", runtimeDirectory: "/opt/petrel/runtimes",
        workDirectory: "/data/instances/i1", arguments: ["/usr/bin/node", "/var/runtime/nodejs/bootstrap.js"],
        environment: ["A": "1"], outputPath: "/data/instances/i1/output", memoryMB: 128, ephemeralStorageMB: 512)
    let system: [SandboxMount] = [.readOnly(host: "/usr", inside: "/usr"), .symlink(target: "usr/lib", at: "/lib")]

    func arguments(_ options: SandboxOptions = SandboxOptions(), identity: BubblewrapCommand.IdentityFiles? = nil) -> [String] {
        BubblewrapCommand.arguments(spec: spec, system: system, identity: identity, options: options)
    }

    /// The value(s) following each occurrence of `flag`.
    func values(_ flag: String, count: Int = 1, in arguments: [String]) -> [[String]] {
        arguments.indices.filter { arguments[$0] == flag }.map { Array(arguments[($0 + 1)...($0 + count)]) }
    }

    @Test func namespacesAndLifetime() {
        let arguments = arguments()
        for flag in ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts"] {
            #expect(arguments.contains(flag), "missing \(flag)")
        }
        #expect(!arguments.contains("--unshare-net"))
        #expect(values("--cap-drop", in: arguments) == [["ALL"]])
        #expect(values("--cap-add", in: arguments) == [["CAP_SETUID"], ["CAP_SETGID"]], "only to drop to the function's user")
    }

    @Test func functionRunsAsItsOwnUser() {
        let arguments = arguments()
        let separator = arguments.firstIndex(of: "--")!
        #expect(Array(arguments[(separator + 1)...]) == [
            "/usr/bin/setpriv", "--reuid=993", "--regid=990", "--clear-groups", "--inh-caps=-all", "--no-new-privs", "--",
            "/usr/bin/env", "-u", "PWD",
        ] + spec.arguments)
        let asRoot = self.arguments(SandboxOptions(runAsUser: nil))
        #expect(!asRoot.contains("--cap-add") && !asRoot.contains("/usr/bin/setpriv"))
    }

    @Test func networkNoneUnsharesTheNetwork() {
        #expect(arguments(SandboxOptions(network: .none)).contains("--unshare-net"))
    }

    @Test func codeAndRuntimeAreReadOnlyAtLambdaPaths() {
        let binds = values("--ro-bind", count: 2, in: arguments())
        #expect(binds.contains(["/data/functions/f1/code", "/var/task"]))
        #expect(binds.contains(["/opt/petrel/runtimes", "/var/runtime"]))
        #expect(binds.contains(["/usr", "/usr"]))
        #expect(!arguments().contains("--bind"), "nothing of the host is writable")
        #expect(values("--symlink", count: 2, in: arguments()) == [["usr/lib", "/lib"]])
    }

    @Test func nothingElseOfTheHostIsShown() {
        let shown = values("--ro-bind", count: 2, in: arguments()).map { $0[0] }
        #expect(Set(shown) == ["/usr", "/data/functions/f1/code", "/opt/petrel/runtimes"])
        #expect(!shown.contains { $0.hasPrefix("/data/instances") || $0 == "/" || $0.hasPrefix("/root") })
    }

    @Test func tmpIsASizedTmpfs() {
        let arguments = arguments()
        let index = arguments.firstIndex(of: "--tmpfs")!
        #expect(Array(arguments[(index - 4)...(index + 1)]) == ["--perms", "1777", "--size", "536870912", "--tmpfs", "/tmp"])
    }

    @Test func rootIsReadOnlyAndArgvComesLast() {
        let arguments = arguments()
        let separator = arguments.firstIndex(of: "--")!
        #expect(Array(arguments[(separator - 4)..<separator]) == ["--remount-ro", "/", "--chdir", "/var/task"])
        #expect(Array(arguments.suffix(spec.arguments.count + 3)) == ["/usr/bin/env", "-u", "PWD"] + spec.arguments)
    }

    @Test func pwdIsKeptWhenTheSpecSetsIt() {
        var withPWD = spec
        withPWD.environment["PWD"] = "/var/task"
        let arguments = BubblewrapCommand.arguments(spec: withPWD, system: [], identity: nil, options: SandboxOptions(runAsUser: nil))
        #expect(Array(arguments[(arguments.firstIndex(of: "--")! + 1)...]) == withPWD.arguments)
    }

    @Test func identityFilesReplacePasswdAndGroup() {
        let identity = BubblewrapCommand.IdentityFiles(passwd: "/w/passwd", group: "/w/group")
        let binds = values("--ro-bind", count: 2, in: arguments(identity: identity))
        #expect(binds.contains(["/w/passwd", "/etc/passwd"]))
        #expect(binds.contains(["/w/group", "/etc/group"]))
    }

    @Test func extraReadOnlyPaths() {
        let binds = values("--ro-bind", count: 2, in: arguments(SandboxOptions(extraReadOnlyPaths: ["/opt/python"])))
        #expect(binds.contains(["/opt/python", "/opt/python"]))
    }

    @Test(arguments: [
        ("/usr/bin/node", "/usr/bin/node", nil),
        ("/usr/bin/python3", "/usr/bin/python3.11", nil),
        ("/var/task/bootstrap", "/var/task/bootstrap", nil),
        ("/root/.pyenv/versions/3.11.7/bin/python3", "/root/.pyenv/versions/3.11.7/bin/python3.11",
         SandboxMount.readOnly(host: "/root/.pyenv/versions/3.11.7", inside: "/root/.pyenv/versions/3.11.7")),
        ("/opt/node/node", "/opt/node/node", SandboxMount.readOnly(host: "/opt/node", inside: "/opt/node")),
        ("/usr/local/bin/node", "/home/u/.nvm/versions/node/v20/bin/node",
         SandboxMount.readOnly(host: "/home/u/.nvm/versions/node/v20", inside: "/home/u/.nvm/versions/node/v20")),
        ("node", "node", nil),
    ] as [(String, String, SandboxMount?)])
    func interpreterOutsideTheSystemIsShownWithItsPrefix(executable: String, resolved: String, mount: SandboxMount?) {
        #expect(BubblewrapCommand.interpreterMount(executable: executable, resolved: resolved) == mount)
    }

    @Test func interpreterMountGoesBeforeTheCode() {
        let mount = SandboxMount.readOnly(host: "/root/.pyenv/versions/3.11.7", inside: "/root/.pyenv/versions/3.11.7")
        let arguments = BubblewrapCommand.arguments(spec: spec, system: [], identity: nil, options: SandboxOptions(),
                                                    interpreter: mount)
        #expect(values("--ro-bind", count: 2, in: arguments).contains(["/root/.pyenv/versions/3.11.7", "/root/.pyenv/versions/3.11.7"]))
    }

    @Test func parentsOfMountPointsAreCrossable() {
        #expect(BubblewrapCommand.parentDirectories(of: ["/usr", "/etc/ssl", "/etc/hosts", "/var/task", "/var/runtime",
                                                         "/root/.pyenv/versions/3.11", "/tmp"])
                == ["/etc", "/root", "/var", "/root/.pyenv", "/root/.pyenv/versions"])
        let arguments = arguments()
        let firstMount = arguments.firstIndex(of: "--ro-bind")!
        let dirs = values("--dir", in: arguments).map { $0[0] }
        #expect(dirs == ["/var"])
        #expect(arguments.firstIndex(of: "--dir")! < firstMount)
        #expect(arguments[arguments.firstIndex(of: "--dir")! - 2] == "--perms")
        #expect(arguments[arguments.firstIndex(of: "--dir")! - 1] == "0755")
    }

    @Test func layoutIsLambdas() {
        #expect(BubblewrapCommand.layout == InstanceLayout(taskRoot: "/var/task", runtimeRoot: "/var/runtime", tmp: "/tmp"))
    }

    @Test(arguments: [
        (TerminationStatus.exited(0), TerminationStatus.exited(0)),
        (.exited(1), .exited(1)),
        (.exited(128), .exited(128)),
        (.exited(137), .signaled(9)),
        (.exited(139), .signaled(11)),
        (.exited(255), .exited(255)),
        (.signaled(9), .signaled(9)),
    ])
    func bubblewrapExitCodesBecomeSignals(raw: TerminationStatus, meant: TerminationStatus) {
        #expect(BubblewrapCommand.termination(of: raw) == meant)
    }

    @Test func killedReadsAsOnAWS() {
        #expect(BubblewrapCommand.termination(of: .exited(137)).description == "signal: killed")
    }

    @Test func systemMountsFromAScan() {
        let scan: [String: HostEntry] = [
            "/usr": .directory, "/bin": .symlink(target: "usr/bin"), "/lib64": .directory,
            "/etc/resolv.conf": .symlink(target: "../run/resolvconf/resolv.conf"), "/etc/hosts": .file,
            "/etc/ssl": .directory, "/sbin": .missing,
        ]
        #expect(SystemMounts.mounts(scan: scan) == [
            .readOnly(host: "/usr", inside: "/usr"), .symlink(target: "usr/bin", at: "/bin"),
            .readOnly(host: "/lib64", inside: "/lib64"),
            .readOnly(host: "/etc/resolv.conf", inside: "/etc/resolv.conf"),
            .readOnly(host: "/etc/hosts", inside: "/etc/hosts"), .readOnly(host: "/etc/ssl", inside: "/etc/ssl"),
        ])
        #expect(!SystemMounts.etc.contains("/etc/passwd") && !SystemMounts.etc.contains("/etc/shadow"))
    }

    @Test func cgroupEntryTrampoline() {
        let arguments = CgroupEntry.arguments(procsFiles: ["/m/i/cgroup.procs", "/p/i/cgroup.procs"], openFilesMax: 1024,
                                              command: ["/usr/bin/bwrap", "--", "x"])
        #expect(arguments[0] == "/bin/sh")
        #expect(arguments[1] == "-c")
        #expect(Array(arguments[3...]) == ["petrel-enter", "1024", "-", "-", "/m/i/cgroup.procs", "/p/i/cgroup.procs", "--",
                                           "/usr/bin/bwrap", "--", "x"])
        let watched = CgroupEntry.arguments(procsFiles: ["/f/i/cgroup.procs"], openFilesMax: 64, command: ["/x"],
                                            lifeline: true, freezerState: "/f/i/freezer.state")
        #expect(Array(watched[3...]) == ["petrel-enter", "64", "5", "/f/i/freezer.state", "/f/i/cgroup.procs", "--", "/x"])
    }
}
