#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import PetrelSandbox
import Testing

struct InstanceUsersTests {
    @Test(arguments: [
        // (range, allocations, releases after them, expected next allocations)
        (0..<3, 3, [Int](), [Int?](arrayLiteral: nil)),
        (10..<13, 2, [10], [12, 10]),
        (10..<13, 3, [11], [11, nil]),
        (10..<14, 1, [10], [11, 12, 13, 10, nil]),
    ] as [(Range<Int>, Int, [Int], [Int?])])
    func roundRobinSkipsUidsInUse(range: Range<Int>, first: Int, released: [Int], then expected: [Int?]) {
        var users = InstanceUsers(range: range)
        for _ in 0..<first { _ = users.allocate() }
        for uid in released { users.release(uid) }
        #expect(expected.map { _ in users.allocate() } == expected)
    }

    @Test func aUidComesBackOnlyAfterTheRestOfTheRange() {
        var users = InstanceUsers(range: 100..<104)
        let first = users.allocate()!
        users.release(first)
        var handed: [Int] = []
        for _ in 0..<4 {
            let uid = users.allocate()!
            handed.append(uid)
            users.release(uid)
        }
        #expect(handed == [101, 102, 103, 100])
    }
}

struct RuntimeAPIPeersTests {
    @Test(arguments: [
        (RuntimeAPIPeers.anyone, UInt32?.none, true),
        (RuntimeAPIPeers.anyone, UInt32?.some(5), true),
        (RuntimeAPIPeers.instance(uid: 1_000_001), UInt32?.some(1_000_001), true),
        (RuntimeAPIPeers.instance(uid: 1_000_001), UInt32?.some(1_000_002), false),
        (RuntimeAPIPeers.instance(uid: 1_000_001), UInt32?.some(0), false),
        (RuntimeAPIPeers.instance(uid: 1_000_001), UInt32?.none, false),
        (RuntimeAPIPeers.instance(uid: 1_000_001, relayedBy: 0), UInt32?.some(0), true),
        (RuntimeAPIPeers.instance(uid: nil), UInt32?.some(7), true),
    ])
    func admitsOnlyItsInstance(peers: RuntimeAPIPeers, owner: UInt32?, admitted: Bool) {
        #expect(peers.admits(owner: owner) == admitted)
    }

    /// A real loopback connection: the kernel names the uid that made the client's socket.
    @Test func theKernelNamesTheClientsUser() throws {
        let (listener, port) = try Self.listen()
        defer { close(listener) }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        var address = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &length) } }
        let clientPort = Int(UInt16(bigEndian: local.sin_port))
        let owner = RuntimeAPIPeers.owner(clientAddress: local.sin_addr.s_addr, clientPort: clientPort,
                                          serverAddress: address.sin_addr.s_addr, serverPort: port)
        #expect(owner == geteuid())
        #expect(RuntimeAPIPeers.instance(uid: Int(geteuid()) + 1).admits(
            clientAddress: local.sin_addr.s_addr, clientPort: clientPort, serverAddress: address.sin_addr.s_addr, serverPort: port) == false)
        // A four-tuple no connection has is nobody's.
        #expect(RuntimeAPIPeers.owner(clientAddress: local.sin_addr.s_addr, clientPort: clientPort == 65535 ? 65534 : clientPort + 1,
                                      serverAddress: address.sin_addr.s_addr, serverPort: port) == nil)
    }

    /// Per-connection cost of the check, printed (`PETREL_SANDBOX_BENCH=1`).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PETREL_SANDBOX_BENCH"] != nil))
    func costOfTheCheck() throws {
        let (listener, port) = try Self.listen()
        defer { close(listener) }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        var address = Self.loopback(port: port)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &length) } }
        let rounds = 20_000
        var samples: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            _ = RuntimeAPIPeers.owner(clientAddress: local.sin_addr.s_addr, clientPort: Int(UInt16(bigEndian: local.sin_port)),
                                      serverAddress: address.sin_addr.s_addr, serverPort: port)
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.attoseconds) / 1e12)
        }
        samples.sort()
        print("runtime API peer check: p50 \(samples[rounds / 2]) µs, p99 \(samples[rounds * 99 / 100]) µs over \(rounds)")
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else { close(fd); throw SandboxError("could not listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// Two real sandboxed instances: each runs as a uid of its own, and a connection one of them
/// makes is admitted by its own rule and refused by the other's.
struct InstanceUsersIntegrationTests {
    @Test func anotherInstancesConnectionIsRefused() async throws {
        guard SandboxHarness.hasBubblewrap, geteuid() == 0 else {
            _ = SandboxHarness.skip("a uid per instance", because: "needs bubblewrap run as root")
            return
        }
        let harness = try SandboxHarness()
        defer { harness.cleanUp() }
        let (listener, port) = try RuntimeAPIPeersTests.listen()
        defer { close(listener) }
        let victim = try harness.shell("sleep 5")
        let caller = try harness.launch(["/usr/bin/node", "-e",
            "const s = require('net').connect(\(port), '127.0.0.1'); s.on('connect', () => setTimeout(() => s.end(), 3000)); s.on('error', () => {})"])
        defer {
            victim.instance.destroy()
            caller.instance.destroy()
        }
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 10_000) == 1, "the sandboxed caller connects: \(caller.output)")
        let accepted = accept(listener, nil, nil)
        defer { close(accepted) }
        var client = sockaddr_in(), server = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &client) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(accepted, $0, &length) } }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &server) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(accepted, $0, &length) } }
        func admitted(by instance: SandboxHarness.Running) -> Bool {
            instance.instance.runtimeAPIPeers.admits(clientAddress: client.sin_addr.s_addr, clientPort: Int(UInt16(bigEndian: client.sin_port)),
                                                     serverAddress: server.sin_addr.s_addr, serverPort: Int(UInt16(bigEndian: server.sin_port)))
        }
        #expect(victim.instance.runtimeAPIPeers.uids != caller.instance.runtimeAPIPeers.uids)
        #expect(admitted(by: caller))
        #expect(!admitted(by: victim))
    }
}
