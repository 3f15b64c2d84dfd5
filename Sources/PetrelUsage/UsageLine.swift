/// What AWS bills separately: an on-demand invocation, an invocation served by provisioned
/// concurrency, and the time provisioned concurrency is configured.
public enum UsageKind: String, Sendable, Codable, CaseIterable {
    case onDemand = "on-demand"
    case provisionedExecution = "provisioned-execution"
    case provisionedAllocation = "provisioned-allocation"
}

/// Metered usage of one function version at one memory size and architecture, summed over a
/// period (an hour in the store). GB-seconds are derived, never stored: billed milliseconds ×
/// memory is exact in integers, so the REPORT lines, the metrics and the records agree.
public struct UsageLine: Sendable, Equatable, Codable {
    public var function: String
    public var version: String
    public var architecture: String
    public var memoryMB: Int
    /// Configured ephemeral storage (512 MB is free).
    public var ephemeralMB: Int
    public var kind: UsageKind
    public var requests: Int
    /// Billed milliseconds (REPORT's Billed Duration summed); for an allocation, instance-milliseconds.
    public var billedMilliseconds: Int

    public init(function: String, version: String, architecture: String, memoryMB: Int, ephemeralMB: Int = 512,
                kind: UsageKind = .onDemand, requests: Int, billedMilliseconds: Int) {
        self.function = function
        self.version = version
        self.architecture = architecture
        self.memoryMB = memoryMB
        self.ephemeralMB = ephemeralMB
        self.kind = kind
        self.requests = requests
        self.billedMilliseconds = billedMilliseconds
    }

    /// billed ms × MB / 1024 / 1000, as AWS computes GB-seconds.
    public var gbSeconds: Double { Double(billedMilliseconds) * Double(memoryMB) / 1_024_000 }
    /// GB-seconds of ephemeral storage above the free 512 MB.
    public var ephemeralGBSeconds: Double { Double(billedMilliseconds) * Double(max(0, ephemeralMB - 512)) / 1_024_000 }
}
