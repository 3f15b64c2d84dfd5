import Crypto
import Foundation
import PetrelCore

/// The additional checksums S3 verifies on upload and returns with `x-amz-checksum-mode: ENABLED`.
public enum ChecksumAlgorithm: String, Sendable, CaseIterable {
    case crc32 = "CRC32", crc32c = "CRC32C", crc64nvme = "CRC64NVME", sha1 = "SHA1", sha256 = "SHA256"

    /// `x-amz-checksum-crc32` and friends.
    public var headerName: String { "x-amz-checksum-\(rawValue.lowercased())" }

    public init?(header: String) {
        guard header.lowercased().hasPrefix("x-amz-checksum-") else { return nil }
        self.init(rawValue: String(header.dropFirst("x-amz-checksum-".count)).uppercased())
    }

    public init?(name: String?) {
        guard let name else { return nil }
        self.init(rawValue: name.uppercased())
    }

    /// The element name in XML (`ChecksumCRC32`).
    public var xmlName: String { "Checksum\(rawValue)" }

    /// The checksum of `bytes`, base64 as S3 sends it.
    public func digest(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = Checksummer(self)
        hasher.update(Array(bytes))
        return hasher.finalize()
    }
}

/// An incremental checksum.
public struct Checksummer: @unchecked Sendable {
    public let algorithm: ChecksumAlgorithm
    private var crc: UInt64
    private var sha1: Insecure.SHA1?
    private var sha256: SHA256?

    public init(_ algorithm: ChecksumAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .crc32, .crc32c: crc = 0xFFFF_FFFF
        case .crc64nvme: crc = 0xFFFF_FFFF_FFFF_FFFF
        case .sha1: crc = 0; sha1 = Insecure.SHA1()
        case .sha256: crc = 0; sha256 = SHA256()
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .crc32: crc = UInt64(CRCTables.update32(UInt32(crc), bytes, table: CRCTables.crc32))
        case .crc32c: crc = UInt64(CRCTables.update32(UInt32(crc), bytes, table: CRCTables.crc32c))
        case .crc64nvme: crc = CRCTables.update64(crc, bytes)
        case .sha1: sha1!.update(bufferPointer: bytes)
        case .sha256: sha256!.update(bufferPointer: bytes)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The raw digest bytes (big-endian for the CRCs).
    public func rawDigest() -> [UInt8] {
        switch algorithm {
        case .crc32, .crc32c:
            let value = UInt32(crc) ^ 0xFFFF_FFFF
            return withUnsafeBytes(of: value.bigEndian, Array.init)
        case .crc64nvme:
            let value = crc ^ 0xFFFF_FFFF_FFFF_FFFF
            return withUnsafeBytes(of: value.bigEndian, Array.init)
        case .sha1: return Array(sha1!.finalize())
        case .sha256: return Array(sha256!.finalize())
        }
    }

    public func finalize() -> String { Data(rawDigest()).base64EncodedString() }

    /// S3's composite checksum of a multipart object: the checksum of the parts' raw
    /// checksums, concatenated, then `-N`.
    public static func composite(_ algorithm: ChecksumAlgorithm, partChecksums: [String]) -> String? {
        var hasher = Checksummer(algorithm)
        for part in partChecksums {
            guard let raw = Data(base64Encoded: part) else { return nil }
            hasher.update(Array(raw))
        }
        return "\(hasher.finalize())-\(partChecksums.count)"
    }
}

/// S3's ETags: the hex MD5 of the bytes, or for a multipart object the MD5 of the parts'
/// binary MD5s followed by `-N`.
public enum ETag {
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    public static func of(_ bytes: [UInt8]) -> String { hex(Insecure.MD5.hash(data: bytes)) }

    /// The ETag of a multipart object from its parts' ETags (hex, quoted or not); nil if one is not an MD5.
    public static func multipart(_ partETags: [String]) -> String? {
        var concatenated: [UInt8] = []
        for tag in partETags {
            guard let bytes = bytes(ofHex: Conditions.unquote(tag)), bytes.count == 16 else { return nil }
            concatenated += bytes
        }
        return "\(hex(Insecure.MD5.hash(data: concatenated)))-\(partETags.count)"
    }

    static func bytes(ofHex hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = ObjectAddress.hexValue(utf8[i]), let low = ObjectAddress.hexValue(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
