#if canImport(Glibc)
import Glibc
#endif
import CPetrelSystem
import Foundation
import Synchronization

/// With `network: .none` an instance has a network namespace of its own with only loopback.
/// It must still reach the Runtime API and Petrel's endpoint: for each, a socket listening on
/// the same 127.0.0.1 port inside the namespace carries connections to the host's port. Nothing
/// else is reachable.
public final class NetworkRelay: Sendable {
    private let listeners: Mutex<[Int32]>

    private init(listeners: [Int32]) {
        self.listeners = Mutex(listeners)
    }

    /// The loopback ports the instance's environment says it talks to (pure).
    public static func ports(environment: [String: String]) -> [Int] {
        var ports: [Int] = []
        if let api = environment["AWS_LAMBDA_RUNTIME_API"], let port = loopbackPort(hostPort: api) {
            ports.append(port)
        }
        if let endpoint = environment["AWS_ENDPOINT_URL"], let url = URL(string: endpoint), let host = url.host,
           isLoopback(host) {
            ports.append(url.port ?? (url.scheme == "https" ? 443 : 80))
        }
        return Array(Set(ports)).sorted()
    }

    static func loopbackPort(hostPort: String) -> Int? {
        guard let colon = hostPort.lastIndex(of: ":"), isLoopback(String(hostPort[..<colon])) else { return nil }
        return Int(hostPort[hostPort.index(after: colon)...])
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1"
    }

    /// Opens the relays into the network namespace of process `pid`.
    public static func start(pid: pid_t, ports: [Int]) throws -> NetworkRelay {
        let namespace = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else {
            throw SandboxError("Could not open the instance's network namespace: \(String(cString: strerror(errno)))")
        }
        defer { close(namespace) }
        var listeners: [Int32] = []
        for port in ports {
            let fd = cpetrel_listen_in_netns(namespace, Int32(port))
            if fd < 0 {
                listeners.forEach { close($0) }
                throw SandboxError("Could not listen on 127.0.0.1:\(port) inside the instance's network: \(String(cString: strerror(-fd))). "
                    + "Run petrel as root for --function-network none.")
            }
            let started = cpetrel_start_relay(fd, Int32(port))
            guard started == 0 else {
                close(fd)
                listeners.forEach { cpetrel_stop_relay($0) }
                throw SandboxError("Could not start the network relay: \(String(cString: strerror(-started)))")
            }
            listeners.append(fd)
        }
        return NetworkRelay(listeners: listeners)
    }

    /// Stops accepting; open connections end with the instance. Idempotent.
    public func stop() {
        let listeners = self.listeners.withLock { value in
            defer { value = [] }
            return value
        }
        listeners.forEach { cpetrel_stop_relay($0) }
    }
}

/// The parent's ends of bubblewrap's handshake pipes.
struct BubblewrapHandshake {
    let info: (read: Int32, write: Int32)
    let block: (read: Int32, write: Int32)

    init() throws {
        var info: [Int32] = [-1, -1]
        var block: [Int32] = [-1, -1]
        guard cpetrel_pipe_cloexec(&info) == 0 else { throw SandboxError("Could not make a pipe: \(String(cString: strerror(errno)))") }
        guard cpetrel_pipe_cloexec(&block) == 0 else {
            close(info[0]); close(info[1])
            throw SandboxError("Could not make a pipe: \(String(cString: strerror(errno)))")
        }
        self.info = (info[0], info[1])
        self.block = (block[0], block[1])
    }

    /// Descriptors for the child: 3 = info (write end), 4 = block (read end).
    var childDescriptors: [Int32: Int32] { [3: info.write, 4: block.read] }

    /// After spawn: the parent closes the child's ends.
    func closeChildEnds() {
        close(info.write)
        close(block.read)
    }

    /// Reads bubblewrap's info JSON to its end (bubblewrap closes the descriptor after writing
    /// it; closing our end earlier would kill bubblewrap with SIGPIPE) and returns the sandbox's
    /// pid, in our pid namespace.
    func sandboxPID(timeout: Duration = .seconds(5)) throws -> pid_t {
        var text = ""
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: info.read, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            let count = read(info.read, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        if let pid = Self.childPID(in: text) { return pid }
        throw SandboxError("bubblewrap did not report the sandbox's pid (network none needs bubblewrap's --info-fd)")
    }

    /// `"child-pid": 123` from bubblewrap's info (pure).
    static func childPID(in text: String) -> pid_t? {
        guard let key = text.range(of: "\"child-pid\":") else { return nil }
        let digits = text[key.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        // The number is complete only once something follows it.
        guard !digits.isEmpty, text[key.upperBound...].drop(while: { $0 == " " }).count > digits.count else { return nil }
        return pid_t(digits)
    }

    /// Lets the sandbox run its command.
    func release() {
        var byte: UInt8 = 1
        _ = write(block.write, &byte, 1)
        closeParentEnds()
    }

    func closeParentEnds() {
        close(block.write)
        close(info.read)
    }
}
