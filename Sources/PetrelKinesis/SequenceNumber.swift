/// A record's sequence number. On the wire a 56-digit decimal string like AWS's
/// (`49` + a 20-digit stream counter + the 6-digit shard index + 28 zeros): larger numbers are
/// later records, per shard and across the stream, because the counter is one per stream,
/// taken from the clock in microseconds and never repeated. Pure.
public struct SequenceNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The stream-wide position: strictly increasing with every record and reshard.
    public var counter: Int64
    public var shardIndex: Int

    public init(counter: Int64, shardIndex: Int) {
        self.counter = counter
        self.shardIndex = shardIndex
    }

    static let prefix = "49"
    static let tail = String(repeating: "0", count: 28)

    public var description: String {
        Self.prefix + Self.padded(counter, 20) + Self.padded(Int64(shardIndex), 6) + Self.tail
    }

    /// Reads a sequence number Petrel issued; nil for anything else.
    public init?(_ text: String) {
        guard text.utf8.count == 56, text.hasPrefix(Self.prefix), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              text.hasSuffix(Self.tail) else { return nil }
        let digits = Array(text.utf8)
        guard let counter = Int64(String(decoding: digits[2..<22], as: UTF8.self)),
              let shard = Int(String(decoding: digits[22..<28], as: UTF8.self)) else { return nil }
        self.init(counter: counter, shardIndex: shard)
    }

    /// Whether `text` matches the model's pattern for sequence numbers (`0|([1-9]\d{0,128})`).
    public static func isWellFormed(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 129 && text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) && (text == "0" || !text.hasPrefix("0"))
    }

    public static func < (a: SequenceNumber, b: SequenceNumber) -> Bool {
        (a.counter, a.shardIndex) < (b.counter, b.shardIndex)
    }

    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The counter a new record gets: the clock in microseconds, or one past the last when the
    /// clock has not moved (or went back), so it always increases.
    public static func nextCounter(last: Int64, nowMicros: Int64) -> Int64 {
        max(last + 1, nowMicros)
    }
}
