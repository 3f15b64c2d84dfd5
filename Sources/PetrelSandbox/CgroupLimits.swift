/// The limits of one instance's cgroup, computed from the function's configuration as AWS
/// computes them: CPU in proportion to memory, one full core at 1,769 MB.
public struct CgroupLimits: Sendable, Equatable {
    /// Memory (and memory+swap) limit in bytes.
    public var memoryBytes: Int
    /// CFS quota per period, in microseconds; nil means no CPU limit.
    public var cpuQuotaMicros: Int?
    public var cpuPeriodMicros: Int
    public var pidsMax: Int
    /// The quota while the runtime initialises: at least one full core (as Lambda lets the
    /// Init phase burst), so a 128 MB function does not take half a second to start Node.
    /// The instance drops to `cpuQuotaMicros` when its first invocation starts.
    public var initCPUQuotaMicros: Int?

    public static let megabytesPerCore = 1769
    public static let defaultPeriodMicros = 100_000
    /// The kernel refuses quotas under 1 ms.
    static let minimumQuotaMicros = 1000

    public init(memoryBytes: Int, cpuQuotaMicros: Int?, cpuPeriodMicros: Int = CgroupLimits.defaultPeriodMicros,
                pidsMax: Int, initCPUQuotaMicros: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
        self.pidsMax = pidsMax
        self.initCPUQuotaMicros = initCPUQuotaMicros
    }

    /// Limits for a function of `memoryMB`, on a host of `hostCores` cores (the quota never asks
    /// for more CPU than the host has).
    public static func forFunction(memoryMB: Int, pidsMax: Int, hostCores: Int) -> CgroupLimits {
        let period = defaultPeriodMicros
        let wanted = memoryMB * period / megabytesPerCore
        let quota = min(max(wanted, minimumQuotaMicros), max(hostCores, 1) * period)
        return CgroupLimits(memoryBytes: memoryMB * 1024 * 1024, cpuQuotaMicros: quota,
                            cpuPeriodMicros: period, pidsMax: pidsMax,
                            initCPUQuotaMicros: max(quota, min(period, max(hostCores, 1) * period)))
    }

    /// The fraction of one core the quota grants, for the status line.
    public var cores: Double? {
        cpuQuotaMicros.map { Double($0) / Double(cpuPeriodMicros) }
    }
}

/// One value to write into one cgroup file.
public struct CgroupSetting: Sendable, Equatable {
    /// v1: the controller whose hierarchy holds the file; v2: nil.
    public var controller: String?
    public var file: String
    public var value: String
    /// A setting the kernel may lack (memsw without swap accounting); failing to write it is
    /// not an error.
    public var optional: Bool

    public init(controller: String?, file: String, value: String, optional: Bool = false) {
        self.controller = controller
        self.file = file
        self.value = value
        self.optional = optional
    }
}

extension CgroupLimits {
    /// The v1 files, in the order they must be written (memory before memsw: memsw may never
    /// be below memory).
    public func v1Settings(controllers: Set<String>) -> [CgroupSetting] {
        var settings: [CgroupSetting] = []
        if controllers.contains("memory") {
            settings.append(CgroupSetting(controller: "memory", file: "memory.limit_in_bytes", value: "\(memoryBytes)"))
            settings.append(CgroupSetting(controller: "memory", file: "memory.memsw.limit_in_bytes",
                                          value: "\(memoryBytes)", optional: true))
            settings.append(CgroupSetting(controller: "memory", file: "memory.swappiness", value: "0", optional: true))
        }
        if controllers.contains("cpu"), let quota = initCPUQuotaMicros ?? cpuQuotaMicros {
            settings.append(CgroupSetting(controller: "cpu", file: "cpu.cfs_period_us", value: "\(cpuPeriodMicros)"))
            settings.append(CgroupSetting(controller: "cpu", file: "cpu.cfs_quota_us", value: "\(quota)"))
        }
        if controllers.contains("pids") {
            settings.append(CgroupSetting(controller: "pids", file: "pids.max", value: "\(pidsMax)"))
        }
        return settings
    }

    /// The setting that ends the Init burst: the steady, memory-proportional quota.
    public func steadyCPUSetting(version: CgroupDriver.Version, controllers: Set<String>) -> CgroupSetting? {
        guard controllers.contains("cpu"), let quota = cpuQuotaMicros, initCPUQuotaMicros != nil,
              initCPUQuotaMicros != quota else { return nil }
        return version == .v1
            ? CgroupSetting(controller: "cpu", file: "cpu.cfs_quota_us", value: "\(quota)")
            : CgroupSetting(controller: nil, file: "cpu.max", value: "\(quota) \(cpuPeriodMicros)")
    }

    /// The v2 files, for the controllers enabled in the instance's parent.
    public func v2Settings(controllers: Set<String>) -> [CgroupSetting] {
        var settings: [CgroupSetting] = []
        if controllers.contains("memory") {
            settings.append(CgroupSetting(controller: nil, file: "memory.max", value: "\(memoryBytes)"))
            settings.append(CgroupSetting(controller: nil, file: "memory.swap.max", value: "0", optional: true))
        }
        if controllers.contains("cpu"), let quota = initCPUQuotaMicros ?? cpuQuotaMicros {
            settings.append(CgroupSetting(controller: nil, file: "cpu.max", value: "\(quota) \(cpuPeriodMicros)"))
        }
        if controllers.contains("pids") {
            settings.append(CgroupSetting(controller: nil, file: "pids.max", value: "\(pidsMax)"))
        }
        return settings
    }
}
