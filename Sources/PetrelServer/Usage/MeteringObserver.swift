import Foundation
import PetrelInvoker
import PetrelUsage
import Synchronization

/// The invoker's one observer: metrics from `MetricsObserver`, and usage records from the
/// numbers the REPORT line was written with (billed milliseconds, configured memory), so the
/// log, the metrics and the bill agree to the millisecond.
struct MeteringObserver: InvocationObserver {
    let metrics: MetricsObserver
    let usage: UsageStore

    func invocationFinished(function: String, version: String, duration: Duration, failed: Bool) {
        metrics.invocationFinished(function: function, version: version, duration: duration, failed: failed)
    }

    func invocationThrottled(function: String, version: String) {
        metrics.invocationThrottled(function: function, version: version)
    }

    func concurrencyChanged(function: String, running: Int) {
        metrics.concurrencyChanged(function: function, running: running)
    }

    func invocationBilled(_ bill: InvocationBill) {
        let kind: UsageKind = bill.onProvisionedConcurrency ? .provisionedExecution : .onDemand
        usage.record(UsageLine(function: bill.function, version: bill.version, architecture: bill.architecture,
                               memoryMB: bill.memorySizeMB, ephemeralMB: bill.ephemeralStorageMB, kind: kind,
                               requests: 1, billedMilliseconds: bill.billedMilliseconds))
    }
}

/// The function versions with provisioned concurrency, and how many instances each keeps.
final class ProvisionedVersions: Sendable {
    struct Allocation: Sendable {
        var function: String
        var version: String
        var architecture: String
        var memoryMB: Int
        var ephemeralMB: Int
        var count: Int
    }

    private let state = Mutex<(allocations: [String: Allocation], sampledAt: ContinuousClock.Instant?)>(([:], nil))

    /// Replaces the allocations; what the previous ones accrued since the last sample is
    /// returned as usage lines (instance-milliseconds × memory, as AWS bills configured time).
    func sample(_ allocations: [Allocation], now: ContinuousClock.Instant = .now) -> [UsageLine] {
        state.withLock { state in
            defer {
                state.allocations = Dictionary(allocations.map { ("\($0.function):\($0.version)", $0) }, uniquingKeysWith: { a, _ in a })
                state.sampledAt = now
            }
            guard let last = state.sampledAt else { return [] }
            let (seconds, attoseconds) = last.duration(to: now).components
            let milliseconds = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
            return state.allocations.values.filter { $0.count > 0 }.map {
                UsageLine(function: $0.function, version: $0.version, architecture: $0.architecture, memoryMB: $0.memoryMB,
                          ephemeralMB: $0.ephemeralMB, kind: .provisionedAllocation, requests: 0,
                          billedMilliseconds: milliseconds * $0.count)
            }
        }
    }
}
