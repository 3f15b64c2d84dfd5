#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `cidr` matcher's network: IPv4 or IPv6 address bytes and a prefix length.
struct CIDR: Sendable {
    let network: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), let address = Self.address(String(parts[0])),
              length >= 0, length <= address.count * 8 else { return nil }
        network = Self.masked(address, length)
        prefixLength = length
    }

    func contains(_ text: String) -> Bool {
        // IPv4, the common case, without allocating.
        if network.count == 4 {
            guard let v4 = Self.ipv4(text) else { return false }
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
            let net = UInt32(network[0]) << 24 | UInt32(network[1]) << 16 | UInt32(network[2]) << 8 | UInt32(network[3])
            return v4 & mask == net
        }
        guard let address = Self.address(text), address.count == network.count else { return false }
        return Self.masked(address, prefixLength) == network
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<out.count {
            let bits = max(0, min(8, length - i * 8))
            out[i] &= bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return out
    }

    static func address(_ text: String) -> [UInt8]? {
        if let v4 = ipv4(text) {
            return [UInt8(v4 >> 24), UInt8((v4 >> 16) & 0xFF), UInt8((v4 >> 8) & 0xFF), UInt8(v4 & 0xFF)]
        }
        if text.contains(":") {
            var storage = in6_addr()
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            return withUnsafeBytes(of: &storage) { Array($0) }
        }
        var storage = in_addr()
        guard inet_pton(AF_INET, text, &storage) == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    /// Dotted-quad IPv4 (no leading zeros beyond one digit groups, as inet_pton takes it).
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
