import PetrelCore

/// A DynamoDB number: an exact decimal of up to 38 significant digits whose magnitude lies in
/// 1E-130 … 9.99…E+125 (or zero). Stored normalised — coefficient digits without leading or
/// trailing zeros and an exponent — so equal numbers have equal representations.
struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Coefficient digits, most significant first, each 0…9. Empty means zero.
    private(set) var digits: [UInt8]
    /// value = coefficient × 10^exponent.
    private(set) var exponent: Int
    private(set) var negative: Bool

    static let zero = Number(digits: [], exponent: 0, negative: false)
    static let maxDigits = 38

    var isZero: Bool { digits.isEmpty }

    /// Position of the most significant digit: the value is d.ddd × 10^magnitude.
    var magnitude: Int { exponent + digits.count - 1 }

    private init(digits: [UInt8], exponent: Int, negative: Bool) {
        self.digits = digits
        self.exponent = exponent
        self.negative = negative
    }

    /// Normalises raw digits; does not check range.
    private static func make(_ raw: [UInt8], exponent: Int, negative: Bool) -> Number {
        var start = 0
        while start < raw.count, raw[start] == 0 { start += 1 }
        var end = raw.count
        while end > start, raw[end - 1] == 0 { end -= 1 }
        if start == end { return .zero }
        return Number(digits: Array(raw[start..<end]), exponent: exponent + (raw.count - end), negative: negative)
    }

    init(_ value: Int) {
        var v = value.magnitude
        var raw: [UInt8] = []
        while v > 0 { raw.append(UInt8(v % 10)); v /= 10 }
        self = Number.make(raw.reversed(), exponent: 0, negative: value < 0)
    }

    /// Parses DynamoDB's number syntax and checks precision and range, with DynamoDB's messages.
    init(parsing text: String) throws(AWSError) {
        guard let parsed = Number.parseUnchecked(text) else {
            throw AWSError.validation("A value provided cannot be converted into a number")
        }
        try parsed.checkRange()
        self = parsed
    }

    static func parseUnchecked(_ text: String) -> Number? {
        var raw: [UInt8] = []
        var negative = false
        var fractionDigits = 0
        var seenDigit = false
        var seenPoint = false
        var explicitExponent = 0
        var utf8 = text.utf8.makeIterator()
        var c = utf8.next()
        if c == UInt8(ascii: "-") { negative = true; c = utf8.next() } else if c == UInt8(ascii: "+") { c = utf8.next() }
        while let ch = c {
            if ch >= UInt8(ascii: "0"), ch <= UInt8(ascii: "9") {
                seenDigit = true
                if !(raw.isEmpty && ch == UInt8(ascii: "0")) || seenPoint {
                    raw.append(ch - UInt8(ascii: "0"))
                }
                if seenPoint { fractionDigits += 1 }
            } else if ch == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if ch == UInt8(ascii: "e") || ch == UInt8(ascii: "E") {
                guard seenDigit else { return nil }
                var expNegative = false
                var expText = 0
                var expDigits = 0
                var e = utf8.next()
                if e == UInt8(ascii: "-") { expNegative = true; e = utf8.next() } else if e == UInt8(ascii: "+") { e = utf8.next() }
                while let d = e {
                    guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
                    if expText < 100_000 { expText = expText * 10 + Int(d - UInt8(ascii: "0")) }
                    expDigits += 1
                    e = utf8.next()
                }
                guard expDigits > 0 else { return nil }
                explicitExponent = expNegative ? -expText : expText
                break
            } else {
                return nil
            }
            c = utf8.next()
        }
        guard seenDigit else { return nil }
        return make(raw, exponent: explicitExponent - fractionDigits, negative: negative)
    }

    func checkRange() throws(AWSError) {
        if isZero { return }
        if digits.count > Number.maxDigits {
            throw AWSError.validation("Attempting to store more than 38 significant digits in a Number")
        }
        if magnitude > 125 {
            throw AWSError.validation("Number overflow. Attempting to store a number with magnitude larger than supported range")
        }
        if magnitude < -130 {
            throw AWSError.validation("Number underflow. Attempting to store a number with magnitude smaller than supported range")
        }
    }

    /// DynamoDB's normalised text: plain notation, no exponent, no superfluous zeros.
    var description: String {
        if isZero { return "0" }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 4)
        if negative { out.append(UInt8(ascii: "-")) }
        let ascii = digits.map { $0 + UInt8(ascii: "0") }
        if exponent >= 0 {
            out.append(contentsOf: ascii)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent))
        } else {
            let integerDigits = digits.count + exponent
            if integerDigits > 0 {
                out.append(contentsOf: ascii[0..<integerDigits])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: ascii[integerDigits...])
            } else {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -integerDigits))
                out.append(contentsOf: ascii)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Arithmetic

    static prefix func - (x: Number) -> Number {
        x.isZero ? x : Number(digits: x.digits, exponent: x.exponent, negative: !x.negative)
    }

    /// Exact sum; throws DynamoDB's range errors if the result does not fit.
    func adding(_ other: Number) throws(AWSError) -> Number {
        if isZero { return other }
        if other.isZero { return self }
        let e = Swift.min(exponent, other.exponent)
        // Guard against absurd alignments (e.g. 1E125 + 1E-130): the result could never fit.
        if Swift.max(magnitude, other.magnitude) - e + 1 > 300 {
            throw AWSError.validation("Attempting to store more than 38 significant digits in a Number")
        }
        let a = aligned(to: e)
        let b = other.aligned(to: e)
        let result: Number
        if negative == other.negative {
            result = Number.make(Number.addMagnitudes(a, b), exponent: e, negative: negative)
        } else if Number.compareMagnitudes(a, b) >= 0 {
            result = Number.make(Number.subtractMagnitudes(a, b), exponent: e, negative: negative)
        } else {
            result = Number.make(Number.subtractMagnitudes(b, a), exponent: e, negative: other.negative)
        }
        try result.checkRange()
        return result
    }

    func subtracting(_ other: Number) throws(AWSError) -> Number {
        try adding(-other)
    }

    /// Coefficient digits scaled so that value = result × 10^e (e ≤ exponent).
    private func aligned(to e: Int) -> [UInt8] {
        digits + Array(repeating: 0, count: exponent - e)
    }

    private static func compareMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        // Both may carry leading zeros only if counts differ; compare by effective length.
        let la = a.firstIndex { $0 != 0 }.map { a.count - $0 } ?? 0
        let lb = b.firstIndex { $0 != 0 }.map { b.count - $0 } ?? 0
        if la != lb { return la < lb ? -1 : 1 }
        for (x, y) in zip(a.suffix(la), b.suffix(lb)) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    private static func addMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: Swift.max(a.count, b.count) + 1)
        var carry: UInt8 = 0
        var i = a.count - 1, j = b.count - 1, k = result.count - 1
        while k >= 0 {
            let s = (i >= 0 ? a[i] : 0) + (j >= 0 ? b[j] : 0) + carry
            result[k] = s % 10
            carry = s / 10
            i -= 1; j -= 1; k -= 1
        }
        return result
    }

    /// a - b where |a| ≥ |b|.
    private static func subtractMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = a
        var borrow: Int = 0
        var j = b.count - 1
        var i = a.count - 1
        while i >= 0 {
            var d = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            if d < 0 { d += 10; borrow = 1 } else { borrow = 0 }
            result[i] = UInt8(d)
            i -= 1; j -= 1
        }
        return result
    }

    // MARK: Ordering

    static func < (x: Number, y: Number) -> Bool { compare(x, y) < 0 }

    static func compare(_ x: Number, _ y: Number) -> Int {
        let sx = x.isZero ? 0 : (x.negative ? -1 : 1)
        let sy = y.isZero ? 0 : (y.negative ? -1 : 1)
        if sx != sy { return sx < sy ? -1 : 1 }
        if sx == 0 { return 0 }
        var c: Int
        if x.magnitude != y.magnitude {
            c = x.magnitude < y.magnitude ? -1 : 1
        } else {
            c = 0
            for (a, b) in zip(x.digits, y.digits) where a != b { c = a < b ? -1 : 1; break }
            if c == 0, x.digits.count != y.digits.count { c = x.digits.count < y.digits.count ? -1 : 1 }
        }
        return sx < 0 ? -c : c
    }

    /// Bytes whose unsigned lexicographic order is numeric order, for SQLite key columns.
    var sortKey: [UInt8] {
        if isZero { return [0x01] }
        let biased = magnitude + 0x4000
        if !negative {
            var out: [UInt8] = [0x02, UInt8(biased >> 8), UInt8(biased & 0xFF)]
            out.append(contentsOf: digits.map { $0 + 0x10 })
            return out
        }
        let inverted = 0xFFFF - biased
        var out: [UInt8] = [0x00, UInt8(inverted >> 8), UInt8(inverted & 0xFF)]
        out.append(contentsOf: digits.map { 0x30 - $0 })
        out.append(0xFF)
        return out
    }

    /// Approximate stored size as DynamoDB counts it: about one byte per two significant digits plus one.
    var storedSize: Int { (digits.count + 1) / 2 + 1 }

    /// The value as a Double, for TTL timestamps.
    var doubleValue: Double { Double(description) ?? 0 }
}
