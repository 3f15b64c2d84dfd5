#if canImport(Glibc)
import Glibc
#endif
import CPetrelSystem
import Synchronization

/// The server's end of an instance's lifeline (see `CgroupEntry`): while it is open the
/// instance may live; if the server dies, the kernel closes it and the watcher kills the
/// instance, even a frozen one.
final class Lifeline: Sendable {
    private let readEnd: Int32
    private let writeEnd: Mutex<Int32>

    init() throws {
        var fds: [Int32] = [-1, -1]
        // A socket pair rather than a pipe: telling the watcher to leave must not raise SIGPIPE
        // when the watcher is already gone.
        guard cpetrel_socketpair_cloexec(&fds) == 0 else {
            throw SandboxError("Could not make the instance's lifeline pipe: \(String(cString: strerror(errno)))")
        }
        readEnd = fds[0]
        writeEnd = Mutex(fds[1])
    }

    /// For `ChildProcess.spawn(descriptors:)`.
    var childDescriptors: [Int32: Int32] { [CgroupEntry.lifelineFD: readEnd] }

    /// After spawn: only the child keeps the read end.
    func closeChildEnd() { close(readEnd) }

    /// The server is done with the instance: tell the watcher to leave quietly. Idempotent.
    func release() {
        let fd = writeEnd.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        let word: [UInt8] = Array("q\n".utf8)
        _ = word.withUnsafeBytes { cpetrel_send_nosignal(fd, $0.baseAddress, UInt($0.count)) }
        close(fd)
    }
}
