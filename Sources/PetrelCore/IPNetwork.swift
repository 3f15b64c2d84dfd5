#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network (`203.0.113.0/24`, `2001:db8::/32`), the one CIDR vocabulary for IAM's
/// IpAddress conditions and EventBridge's `cidr` patterns. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`) belongs to the IPv4 networks that hold `a.b.c.d`.
public struct IPNetwork: Sendable, Equatable {
    /// The network's address bytes (4 or 16), host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    /// `requirePrefix: false` (IAM) reads a bare address as a network of one; EventBridge needs the `/n`.
    public init?(_ text: String, requirePrefix: Bool = false) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.address(String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let length = Int(parts[1]), length >= 0, length <= address.count * 8 else { return nil }
            prefixLength = length
        } else {
            guard !requirePrefix else { return nil }
            prefixLength = address.count * 8
        }
        network = Self.masked(address, prefixLength)
    }

    public func contains(_ text: String) -> Bool {
        // IPv4, the common case, without allocating.
        if network.count == 4, let v4 = Self.ipv4(text) {
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
            let net = UInt32(network[0]) << 24 | UInt32(network[1]) << 16 | UInt32(network[2]) << 8 | UInt32(network[3])
            return v4 & mask == net
        }
        guard let address = Self.address(text) else { return false }
        return contains(address: address)
    }

    /// Whether parsed address bytes (from `address(_:)`) belong to the network.
    public func contains(address parsed: [UInt8]) -> Bool {
        var address = parsed
        if address.count == 16, network.count == 4, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xff, address[11] == 0xff {
            address = Array(address[12...])
        }
        guard address.count == network.count else { return false }
        return Self.masked(address, prefixLength) == network
    }

    /// An address's bytes: 4 for IPv4, 16 for IPv6; nil when it is neither.
    public static func address(_ text: String) -> [UInt8]? {
        if let v4 = ipv4(text) {
            return [UInt8(v4 >> 24), UInt8((v4 >> 16) & 0xFF), UInt8((v4 >> 8) & 0xFF), UInt8(v4 & 0xFF)]
        }
        guard text.contains(":") else { return nil }
        var storage = in6_addr()
        guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<out.count {
            let bits = max(0, min(8, length - i * 8))
            out[i] &= bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return out
    }

    /// Dotted-quad IPv4, each part 0–255 in at most three digits.
    static func ipv4(_ text: String) -> UInt32? {
        var value: UInt32 = 0, part: UInt32 = 0, digits = 0, dots = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | part
                (part, digits, dots) = (0, 0, dots + 1)
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | part
    }
}
