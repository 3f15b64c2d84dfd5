#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import PetrelSandbox
import Testing

@Suite struct NetworkRelayTests {
    @Test func portsComeFromTheEnvironment() {
        #expect(NetworkRelay.ports(environment: [
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        ]) == [4566, 9001])
        #expect(NetworkRelay.ports(environment: ["AWS_LAMBDA_RUNTIME_API": "localhost:9001"]) == [9001])
        #expect(NetworkRelay.ports(environment: ["AWS_ENDPOINT_URL": "http://petrel.example:4566"]) == [],
                "only loopback endpoints are relayed")
        #expect(NetworkRelay.ports(environment: ["AWS_ENDPOINT_URL": "http://localhost"]) == [80])
        #expect(NetworkRelay.ports(environment: [:]) == [])
    }

    @Test func childPIDFromBubblewrapsInfo() {
        #expect(BubblewrapHandshake.childPID(in: "{\n    \"child-pid\": 7141,\n    \"mnt-namespace\": 1\n}") == 7141)
        #expect(BubblewrapHandshake.childPID(in: "{ \"child-pid\": 71") == nil, "the number may be cut")
        #expect(BubblewrapHandshake.childPID(in: "{ }") == nil)
    }

    @Test func handshakeArgumentsOnlyWhenAsked() {
        let spec = InstanceSpec(instanceID: "i", codeDirectory: "/c", runtimeDirectory: "/r", workDirectory: "/w",
                                arguments: ["/x"], environment: [:], outputPath: "/o", memoryMB: 128, ephemeralStorageMB: 512)
        let plain = BubblewrapCommand.arguments(spec: spec, system: [], identity: nil, options: SandboxOptions())
        #expect(!plain.contains("--info-fd"))
        let none = BubblewrapCommand.arguments(spec: spec, system: [], identity: nil, options: SandboxOptions(network: .none),
                                               handshake: .init())
        let index = none.firstIndex(of: "--info-fd") ?? 0
        #expect(Array(none[index...(index + 3)]) == ["--info-fd", "3", "--block-fd", "4"])
    }
}

/// A one-shot TCP server on the host's loopback that answers "pong <what it got>".
final class PongServer: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = read(client, &buffer, buffer.count)
                let reply = Array("pong \(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self))".utf8)
                _ = write(client, reply, reply.count)
                close(client)
            }
        }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
