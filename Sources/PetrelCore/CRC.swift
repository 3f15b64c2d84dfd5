import Foundation

/// Table-driven CRCs (slicing-by-8): CRC32 and CRC32C for S3's checksums and AWS's event-stream
/// messages, CRC64/NVME for S3. Callers keep the running value and apply the final XOR themselves.
public enum CRCTables {
    public static let crc32 = table32(0xEDB8_8320)
    public static let crc32c = table32(0x82F6_3B78)
    public static let crc64 = table64(0x9A6C_9329_AC4B_C9B5)

    /// Slicing-by-8 tables for a reflected 32-bit CRC.
    public static func table32(_ polynomial: UInt32) -> [UInt32] {
        var table = [UInt32](repeating: 0, count: 256 * 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            table[i] = c
        }
        for i in 0..<256 {
            for slice in 1..<8 {
                let previous = table[(slice - 1) * 256 + i]
                table[slice * 256 + i] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }

    public static func table64(_ polynomial: UInt64) -> [UInt64] {
        var table = [UInt64](repeating: 0, count: 256 * 8)
        for i in 0..<256 {
            var c = UInt64(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            table[i] = c
        }
        for i in 0..<256 {
            for slice in 1..<8 {
                let previous = table[(slice - 1) * 256 + i]
                table[slice * 256 + i] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }

    public static func update32(_ start: UInt32, _ bytes: UnsafeRawBufferPointer, table: [UInt32]) -> UInt32 {
        var crc = start
        table.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                let low = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
                let one = crc ^ low
                let two = UInt32(bytes[index + 4]) | UInt32(bytes[index + 5]) << 8 | UInt32(bytes[index + 6]) << 16 | UInt32(bytes[index + 7]) << 24
                crc = t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                    ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return crc
    }

    public static func update64(_ start: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var crc = start
        crc64.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                var word: UInt64 = 0
                for shift in 0..<8 { word |= UInt64(bytes[index + shift]) << (8 * UInt64(shift)) }
                let v = crc ^ word
                crc = t[7 * 256 + Int(v & 0xFF)] ^ t[6 * 256 + Int((v >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((v >> 16) & 0xFF)] ^ t[4 * 256 + Int((v >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((v >> 32) & 0xFF)] ^ t[2 * 256 + Int((v >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((v >> 48) & 0xFF)] ^ t[Int(v >> 56)]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt64(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return crc
    }
}

extension CRCTables {
    /// The CRC32 (IEEE) of `bytes`, finalized, as event-stream messages and `x-amz-crc32` use it.
    public static func crc32(of bytes: some ContiguousBytes) -> UInt32 {
        bytes.withUnsafeBytes { update32(0xFFFF_FFFF, $0, table: crc32) } ^ 0xFFFF_FFFF
    }
}
