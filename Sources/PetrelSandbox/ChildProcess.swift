#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPetrelSystem
import Foundation
import Synchronization

/// How a process ended, worded as Lambda words it in `Runtime.ExitError`.
public enum TerminationStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "signal: \(TerminationStatus.signalName(signal))"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "killed"
        case SIGTERM: return "terminated"
        case SIGSEGV: return "segmentation fault"
        case SIGABRT: return "aborted"
        case SIGXFSZ: return "file size limit exceeded"
        case SIGBUS: return "bus error"
        case SIGINT: return "interrupt"
        default: return "signal \(signal)"
        }
    }
}

/// A child process started with `posix_spawn` in a session (and process group) of its own,
/// so that killing it kills everything it forked in that group.
///
/// Its exit is watched through a pidfd by the one `ProcessReaper` thread (a thread of its own
/// only where the kernel has no pidfds); `waitForExit()` may be awaited by many callers.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let state = Mutex<State>(State())
    /// Turns the raw wait status into what the instance's exit means (a sandbox wrapper such
    /// as bubblewrap reports its child's death by signal n as exit 128+n).
    private let mapStatus: (@Sendable (TerminationStatus) -> TerminationStatus)?

    private struct State {
        var status: TerminationStatus?
        var waiters: [CheckedContinuation<TerminationStatus, Never>] = []
    }

    private init(pid: pid_t, mapStatus: (@Sendable (TerminationStatus) -> TerminationStatus)? = nil) {
        self.pid = pid
        self.mapStatus = mapStatus
    }

    /// Starts `arguments[0]` (an absolute path) with exactly `environment`. Standard input is
    /// /dev/null; standard output and error append to `outputPath` (or /dev/null).
    /// `descriptors` maps child fds (3 and up) to parent fds the child inherits.
    public static func spawn(
        arguments: [String],
        environment: [String: String],
        workingDirectory: String? = nil,
        outputPath: String? = nil,
        mapStatus: (@Sendable (TerminationStatus) -> TerminationStatus)? = nil,
        descriptors: [Int32: Int32] = [:]
    ) throws -> ChildProcess {
        precondition(!arguments.isEmpty, "spawn needs an executable")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Extra descriptors the child inherits: child fd ← parent fd (e.g. bubblewrap's info
        // and block pipes). dup2 clears close-on-exec on the child's copy.
        // Copy each to a free high number first, so that a parent fd that happens to equal
        // another mapping's child number is not overwritten before it is used.
        let mappings = descriptors.sorted(by: { $0.key < $1.key })
        let spare = (mappings.flatMap { [$0.key, $0.value] }.max() ?? 2) + 1
        for (index, mapping) in mappings.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, mapping.value, spare + Int32(index))
        }
        for (index, mapping) in mappings.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, spare + Int32(index), mapping.key)
            posix_spawn_file_actions_addclose(&actions, spare + Int32(index))
        }
        // Nothing else of the server (listening sockets, the database) leaks into an instance.
        cpetrel_spawn_addclosefrom(&actions, (mappings.map(\.key).max() ?? 2) + 1)
        if let workingDirectory {
            cpetrel_spawn_addchdir(&actions, workingDirectory)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, cpetrel_spawn_setsid_flag() | Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnError(executable: arguments[0], errno: result)
        }
        let process = ChildProcess(pid: pid, mapStatus: mapStatus)
        if !ProcessReaper.shared.watch(process) {
            let waiter = Thread { process.reap() }
            waiter.name = "petrel-wait-\(pid)"
            waiter.stackSize = 64 * 1024
            waiter.start()
        }
        return process
    }

    /// Collects the exit status (blocking until the process ends) and tells the waiters.
    func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let raw: TerminationStatus = (status & 0x7f) == 0
            ? .exited((status >> 8) & 0xff)
            : .signaled(status & 0x7f)
        let termination = mapStatus?(raw) ?? raw
        let waiters = state.withLock { state in
            state.status = termination
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    /// The exit status once the process has ended, else nil.
    public var exitStatus: TerminationStatus? { state.withLock { $0.status } }

    public func waitForExit() async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            let done: TerminationStatus? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Sends `signal` to the whole process group (the session the child leads).
    public func signalGroup(_ signal: Int32) {
        guard exitStatus == nil else { return }
        kill(-pid, signal)
    }
}

/// Watches child processes' exits with pidfds in one epoll set, on one thread: a process that
/// ends makes its pidfd readable, and the thread reaps it (`waitpid` returns at once then).
final class ProcessReaper: Sendable {
    static let shared = ProcessReaper()

    private let epoll: Int32
    private let watched = Mutex<[Int32: ChildProcess]>([:])

    private init() {
        epoll = cpetrel_epoll_create()
        guard epoll >= 0 else { return }
        let thread = Thread { [self] in run() }
        thread.name = "petrel-reaper"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Starts watching `process`; false when this kernel offers no pidfds (the caller waits
    /// some other way).
    func watch(_ process: ChildProcess) -> Bool {
        guard epoll >= 0 else { return false }
        let pidfd = cpetrel_pidfd_open(process.pid)
        guard pidfd >= 0 else { return false }
        watched.withLock { $0[pidfd] = process }
        guard cpetrel_epoll_add(epoll, pidfd) == 0 else {
            watched.withLock { _ = $0.removeValue(forKey: pidfd) }
            close(pidfd)
            return false
        }
        return true
    }

    private func run() {
        var ready = [Int32](repeating: 0, count: 64)
        while true {
            let count = ready.withUnsafeMutableBufferPointer { cpetrel_epoll_wait(epoll, $0.baseAddress, 64) }
            guard count >= 0 else { return }
            for fd in ready.prefix(Int(count)) {
                guard let process = watched.withLock({ $0.removeValue(forKey: fd) }) else { continue }
                _ = cpetrel_epoll_remove(epoll, fd)
                close(fd)
                process.reap()
            }
        }
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public var executable: String
    public var errno: Int32
    public var description: String { "Could not start \(executable): \(String(cString: strerror(errno)))" }
}
