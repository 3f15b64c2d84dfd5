#if canImport(Glibc)
import Glibc
#endif
@testable import PetrelSandbox
import Testing

@Suite struct CgroupLimitsTests {
    @Test(arguments: [
        // memoryMB, hostCores, expected quota per 100 ms period
        (128, 2, 7235),
        (1769, 2, 100_000),
        (3538, 4, 200_000),
        (10240, 2, 200_000),  // never more than the host has
        (10, 2, 1000),        // the kernel's minimum
    ])
    func cpuQuotaIsProportionalToMemory(memoryMB: Int, cores: Int, quota: Int) {
        let limits = CgroupLimits.forFunction(memoryMB: memoryMB, pidsMax: 1024, hostCores: cores)
        #expect(limits.cpuQuotaMicros == quota)
        #expect(limits.cpuPeriodMicros == 100_000)
        #expect(limits.memoryBytes == memoryMB * 1_048_576)
    }

    @Test(arguments: [
        // memoryMB, hostCores, quota during Init, steady quota
        (128, 2, 100_000, 7235),
        (1769, 2, 100_000, 100_000),
        (3538, 2, 200_000, 200_000),
        (128, 1, 100_000, 7235),
    ])
    func initBurstsToAFullCore(memoryMB: Int, cores: Int, initQuota: Int, steady: Int) {
        let limits = CgroupLimits.forFunction(memoryMB: memoryMB, pidsMax: 1024, hostCores: cores)
        #expect(limits.initCPUQuotaMicros == initQuota)
        #expect(limits.cpuQuotaMicros == steady)
        #expect(limits.v1Settings(controllers: ["cpu"]).last?.value == "\(initQuota)")
        let end = limits.steadyCPUSetting(version: .v1, controllers: ["cpu"])
        #expect(end == (initQuota == steady ? nil : CgroupSetting(controller: "cpu", file: "cpu.cfs_quota_us", value: "\(steady)")))
        if initQuota != steady {
            #expect(limits.steadyCPUSetting(version: .v2, controllers: ["cpu"])?.value == "\(steady) 100000")
        }
        #expect(limits.steadyCPUSetting(version: .v1, controllers: ["memory"]) == nil)
    }

    @Test func peakMemoryIsTheLargerFigure() {
        #expect(PeakMemory.combined(cgroup: 8, processes: 42) == 42)
        #expect(PeakMemory.combined(cgroup: 128, processes: 42) == 128)
        #expect(PeakMemory.combined(cgroup: 8, processes: nil) == 8)
        #expect(PeakMemory.combined(cgroup: nil, processes: nil) == nil)
    }

    @Test func v1SettingsWriteMemoryBeforeMemsw() {
        let limits = CgroupLimits.forFunction(memoryMB: 128, pidsMax: 1024, hostCores: 2)
        let settings = limits.v1Settings(controllers: ["memory", "cpu", "pids", "freezer"])
        #expect(settings.first { $0.file == "cpu.cfs_quota_us" }?.value == "100000", "Init bursts to a core")
        #expect(settings.map(\.file) == [
            "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.swappiness",
            "cpu.cfs_period_us", "cpu.cfs_quota_us", "pids.max",
        ])
        #expect(settings[0] == CgroupSetting(controller: "memory", file: "memory.limit_in_bytes", value: "134217728"))
        #expect(settings[1].optional)
        #expect(settings.last?.value == "1024")
    }

    @Test func v1SettingsSkipMissingControllers() {
        let limits = CgroupLimits.forFunction(memoryMB: 256, pidsMax: 64, hostCores: 2)
        #expect(limits.v1Settings(controllers: ["pids"]).map(\.file) == ["pids.max"])
    }

    @Test func v2Settings() {
        let limits = CgroupLimits.forFunction(memoryMB: 1769, pidsMax: 1024, hostCores: 2)
        let settings = limits.v2Settings(controllers: ["memory", "cpu", "pids"])
        #expect(settings.map { "\($0.file)=\($0.value)" } == [
            "memory.max=1854930944", "memory.swap.max=0", "cpu.max=100000 100000", "pids.max=1024",
        ])
        #expect(settings.allSatisfy { $0.controller == nil })
    }

    @Test func cgroupNamesAreSafe() {
        #expect(CgroupDriver.cgroupName(for: "fn-1.abc_2") == "fn-1.abc_2")
        #expect(CgroupDriver.cgroupName(for: "../../etc") == "_.._etc")
        #expect(CgroupDriver.cgroupName(for: "a/b c") == "a_b_c")
        #expect(CgroupDriver.cgroupName(for: "") == "instance")
    }

    @Test func instanceDirectoriesAreBelowTheGroup() {
        let driver = CgroupDriver(version: .v1, groupDirectories: ["memory": "/m/petrel/7", "pids": "/p/petrel/7"],
                                  controllers: ["memory", "pids"])
        #expect(driver.instanceDirectories(name: "i1") == ["memory": "/m/petrel/7/i1", "pids": "/p/petrel/7/i1"])
    }

    @Test func procsFilesAreOnePerHierarchy() {
        // cpu and cpuacct mounted together share one directory.
        let cgroup = InstanceCgroup(version: .v1, directories: ["cpu": "/c/i", "cpuacct": "/c/i", "memory": "/m/i"],
                                    controllers: ["cpu", "cpuacct", "memory"])
        #expect(cgroup.procsFiles == ["/c/i/cgroup.procs", "/m/i/cgroup.procs"])
    }

    @Test(arguments: [
        (mode_t(0o600), false, mode_t(0o644)),
        (0o700, false, 0o755),
        (0o700, true, 0o755),
        (0o644, false, 0o644),
        (0o4750, false, 0o4755),
    ] as [(mode_t, Bool, mode_t)])
    func codeBecomesReadable(mode: mode_t, isDirectory: Bool, wanted: mode_t) {
        #expect(CodeAccess.permissions(mode: mode, isDirectory: isDirectory) == wanted)
    }

    @Test func keyedValues() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"
        #expect(CgroupFiles.keyedValue("oom_kill", in: text) == 3)
        #expect(CgroupFiles.keyedValue("frozen", in: "populated 1\nfrozen 0\n") == 0)
        #expect(CgroupFiles.keyedValue("missing", in: text) == nil)
    }
}
