#if canImport(Glibc)
import Glibc
#endif
import CPetrelSystem

/// Who may talk to an instance's Runtime API (and a blank runtime's assignment endpoint), told
/// by the kernel: the uid that made the connecting socket, looked up by the connection's
/// four-tuple (NETLINK_SOCK_DIAG). With a uid of its own per instance (`InstanceUsers`), no
/// other function can use it, whatever port it finds.
public struct RuntimeAPIPeers: Sendable, Equatable {
    /// The uids whose sockets are admitted; nil admits any local process (a rung that runs
    /// every instance as the same user cannot tell them apart: see docs/isolation.md).
    public var uids: Set<UInt32>?

    public init(uids: Set<UInt32>?) {
        self.uids = uids
    }

    public static let anyone = RuntimeAPIPeers(uids: nil)

    /// The rule for an instance running as `uid`; `relayedBy` is the uid of the server itself
    /// when, in a network namespace of its own, the instance's connections reach the Runtime
    /// API through the server's relay (pure).
    public static func instance(uid: Int?, relayedBy server: UInt32? = nil) -> RuntimeAPIPeers {
        guard let uid else { return .anyone }
        return RuntimeAPIPeers(uids: Set([UInt32(uid)] + (server.map { [$0] } ?? [])))
    }

    /// Whether a socket made by `owner` may talk (nil: the kernel knows no such socket) (pure).
    public func admits(owner: UInt32?) -> Bool {
        guard let uids else { return true }
        guard let owner else { return false }
        return uids.contains(owner)
    }

    /// Whether the client of an accepted IPv4 connection may talk. Addresses in network byte
    /// order, ports in host order, as the server sees them (client = the remote end).
    public func admits(clientAddress: UInt32, clientPort: Int, serverAddress: UInt32, serverPort: Int) -> Bool {
        guard uids != nil else { return true }
        return admits(owner: Self.owner(clientAddress: clientAddress, clientPort: clientPort,
                                        serverAddress: serverAddress, serverPort: serverPort))
    }

    /// The uid that made the client's socket of a loopback connection, or nil.
    public static func owner(clientAddress: UInt32, clientPort: Int, serverAddress: UInt32, serverPort: Int) -> UInt32? {
        var uid: UInt32 = 0
        let result = cpetrel_tcp_socket_uid(clientAddress, Int32(clientPort), serverAddress, Int32(serverPort), &uid)
        return result == 0 ? uid : nil
    }
}
