import Synchronization

/// The "Max Memory Used" of an instance.
///
/// The memory cgroup counts what the instance was charged: its anonymous memory, its /tmp
/// (a tmpfs) and page cache it loaded first, but not the interpreter's code pages that another
/// process had already loaded. Lambda measures the whole micro-VM, where those pages count. So
/// the figure is the larger of the cgroup's peak and the largest resident set (VmHWM) of the
/// instance's processes; the cgroup's alone once the processes are gone. The memory limit
/// itself is enforced on the cgroup's figure.
public enum PeakMemory {
    public static func combined(cgroup: Int?, processes: Int?) -> Int? {
        switch (cgroup, processes) {
        case (let c?, let p?): return max(c, p)
        case (let c?, nil): return c
        case (nil, let p?): return p
        case (nil, nil): return nil
        }
    }
}

/// Reads an instance's Max Memory Used after each invocation, cheaply: the cgroup's peak is one
/// small file, but /proc/<pid>/status is slow for the kernel to render. The processes' VmHWM
/// is re-read only when the cgroup's peak moved (the instance grew) or a second has passed;
/// without a cgroup, every time.
final class PeakMemoryGauge: Sendable {
    private let cgroup: InstanceCgroup?
    private let processes: PeakResidentReader
    private struct Cache {
        var cgroupPeak: Int?
        var processPeak: Int?
        var readAt: ContinuousClock.Instant?
    }
    private let cache = Mutex(Cache())
    static let maxAge: Duration = .seconds(1)

    init(cgroup: InstanceCgroup?, processes: PeakResidentReader) {
        self.cgroup = cgroup
        self.processes = processes
    }

    func read() -> Int? {
        let cgroupPeak = cgroup?.peakMemoryBytes()
        let now = ContinuousClock.now
        let processPeak: Int? = cache.withLock { cache in
            if cgroupPeak != nil, cgroupPeak == cache.cgroupPeak, let at = cache.readAt, at.duration(to: now) < Self.maxAge {
                return cache.processPeak
            }
            cache.cgroupPeak = cgroupPeak
            cache.processPeak = processes.read()
            cache.readAt = now
            return cache.processPeak
        }
        return PeakMemory.combined(cgroup: cgroupPeak, processes: processPeak)
    }
}
