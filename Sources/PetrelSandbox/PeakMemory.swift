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
