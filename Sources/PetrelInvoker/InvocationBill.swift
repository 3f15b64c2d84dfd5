/// What one invocation is billed for, from the same numbers its REPORT line shows: metering
/// (PetrelServer's `MeteringObserver`) records exactly this, so the log and the bill agree.
public struct InvocationBill: Sendable, Equatable {
    public var function: String
    public var version: String
    public var architecture: String
    public var memorySizeMB: Int
    public var ephemeralStorageMB: Int
    /// REPORT's `Billed Duration`.
    public var billedMilliseconds: Int
    /// The version had provisioned concurrency configured: billed at the provisioned price.
    public var onProvisionedConcurrency: Bool

    public init(function: String, version: String, architecture: String, memorySizeMB: Int, ephemeralStorageMB: Int,
                billedMilliseconds: Int, onProvisionedConcurrency: Bool = false) {
        self.onProvisionedConcurrency = onProvisionedConcurrency
        self.function = function
        self.version = version
        self.architecture = architecture
        self.memorySizeMB = memorySizeMB
        self.ephemeralStorageMB = ephemeralStorageMB
        self.billedMilliseconds = billedMilliseconds
    }

    /// AWS bills the run time rounded up to the millisecond and, since August 2025, the Init
    /// phase of the invocation that started the instance too (REPORT's Billed Duration includes it).
    public static func billedMilliseconds(duration: Duration, initDuration: Duration?) -> Int {
        SchedulingPolicy.billedMilliseconds(duration + (initDuration ?? .zero))
    }
}

extension InvocationObserver {
    public func invocationBilled(_ bill: InvocationBill) {}
}
