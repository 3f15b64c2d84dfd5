import Crypto
import Foundation

/// Kinesis's hash-key space: the 128-bit MD5 of a partition key (big-endian), decimal strings
/// on the wire, and shards dividing 0…2^128−1 into contiguous ranges. Pure.
public enum HashKeys {
    /// The hash key AWS derives from a partition key: MD5 of its UTF-8 bytes as an unsigned
    /// 128-bit big-endian integer.
    public static func hashKey(partitionKey: String) -> UInt128 {
        var value: UInt128 = 0
        for byte in Insecure.MD5.hash(data: Data(partitionKey.utf8)) { value = value << 8 | UInt128(byte) }
        return value
    }

    /// A decimal hash key as the model's pattern allows it (`0|([1-9]\d{0,38})`), in range.
    public static func parse(_ text: String) -> UInt128? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), text == "0" || !text.hasPrefix("0") else { return nil }
        return UInt128(text)
    }

    /// `count` ranges splitting the space evenly as AWS's CreateStream does: each ⌊2^128/count⌋
    /// wide, the last one ending at 2^128−1.
    public static func evenRanges(count: Int) -> [ClosedRange<UInt128>] {
        precondition(count > 0)
        let width = evenWidth(UInt128(count))
        return (0..<count).map { i in
            let start = width * UInt128(i)
            let end = i == count - 1 ? UInt128.max : width * UInt128(i + 1) - 1
            return start...end
        }
    }

    /// ⌊2^128 / n⌋ without overflowing: 2^128 = max + 1 (for n = 1, max: one range covers all).
    static func evenWidth(_ n: UInt128) -> UInt128 {
        if n == 1 { return .max }
        let (q, r) = UInt128.max.quotientAndRemainder(dividingBy: n)
        return r == n - 1 ? q + 1 : q
    }
}
