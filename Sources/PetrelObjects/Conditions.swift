import Foundation
import PetrelCore

/// The conditional headers of a read (GET, HEAD) or of a copy's source, evaluated as S3 does
/// (RFC 9110 §13.2.2): If-Match, then If-Unmodified-Since (only without If-Match), then
/// If-None-Match, then If-Modified-Since (only without If-None-Match).
public struct Conditions: Sendable, Equatable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?

    public init(ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: Date? = nil, ifUnmodifiedSince: Date? = nil) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    public var isEmpty: Bool { ifMatch == nil && ifNoneMatch == nil && ifModifiedSince == nil && ifUnmodifiedSince == nil }

    public enum Outcome: Sendable, Equatable {
        case proceed
        /// 304 Not Modified (for a copy source, S3 answers 412 instead).
        case notModified
        /// 412, naming the header that failed.
        case preconditionFailed(String)
    }

    /// The outcome for an object with `etag` (quoted or not) last modified at `lastModified`.
    public func evaluate(etag: String, lastModified: Date) -> Outcome {
        // HTTP dates have whole seconds; S3 compares at that precision.
        let modified = lastModified.timeIntervalSince1970.rounded(.down)
        if let ifMatch {
            if !Self.matches(ifMatch, etag: etag) { return .preconditionFailed("If-Match") }
        } else if let since = ifUnmodifiedSince, modified > since.timeIntervalSince1970 {
            return .preconditionFailed("If-Unmodified-Since")
        }
        if let ifNoneMatch {
            if Self.matches(ifNoneMatch, etag: etag) { return .notModified }
        } else if let since = ifModifiedSince, modified <= since.timeIntervalSince1970 {
            return .notModified
        }
        return .proceed
    }

    /// Whether an entity-tag list (`"a", "b"`, `W/"a"`, `*`) names `etag`.
    public static func matches(_ list: String, etag: String) -> Bool {
        let wanted = unquote(etag)
        for item in list.split(separator: ",") {
            var tag = item.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            if unquote(tag) == wanted { return true }
        }
        return false
    }

    /// The tag without its quotes; S3 also takes a tag missing one of them (`abc"`, `"abc`).
    static func unquote(_ tag: String) -> String {
        var tag = Substring(tag)
        if tag.hasPrefix("\"") { tag = tag.dropFirst() }
        if tag.hasSuffix("\"") { tag = tag.dropLast() }
        return String(tag)
    }
}

/// HTTP dates (RFC 7231 IMF-fixdate, plus the RFC 850 and asctime forms clients still send).
public enum HTTPDate {
    private static let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy",
                                  "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"]

    public static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Civil UTC fields of a date (no formatter: listings format thousands of dates).
    static func fields(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int, weekday: Int) {
        let totalMillis = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = totalMillis >= 0 ? totalMillis / 1000 : (totalMillis - 999) / 1000
        let millis = totalMillis - seconds * 1000
        let dayNumber = Int((Double(seconds) / 86400).rounded(.down))
        let secondOfDay = seconds - dayNumber * 86400
        let (year, month, day) = CivilDate.fromDays(dayNumber)
        let weekday = ((dayNumber % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        return (year, month, day, secondOfDay / 3600, (secondOfDay % 3600) / 60, secondOfDay % 60, millis, weekday)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `Tue, 14 Nov 2023 22:13:20 GMT`.
    public static func format(_ date: Date) -> String {
        let f = fields(date)
        return "\(days[f.weekday]), \(pad(f.day, 2)) \(months[f.month - 1]) \(f.year) \(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)) GMT"
    }

    /// The ISO 8601 form S3 uses in XML (`2024-01-02T03:04:05.000Z`). Written digit by digit
    /// into one string: a listing formats a thousand of these per page.
    public static func iso8601(_ date: Date) -> String {
        let f = fields(date)
        guard (0...9999).contains(f.year) else {
            return "\(f.year)-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)).\(pad(f.millis, 3))Z"
        }
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int, _ width: Int, at end: Int) {
                var value = value, i = end - 1
                while i >= end - width {
                    out[i] = 0x30 + UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                    i -= 1
                }
            }
            put(f.year, 4, at: 4); out[4] = UInt8(ascii: "-")
            put(f.month, 2, at: 7); out[7] = UInt8(ascii: "-")
            put(f.day, 2, at: 10); out[10] = UInt8(ascii: "T")
            put(f.hour, 2, at: 13); out[13] = UInt8(ascii: ":")
            put(f.minute, 2, at: 16); out[16] = UInt8(ascii: ":")
            put(f.second, 2, at: 19); out[19] = UInt8(ascii: ".")
            put(f.millis, 3, at: 23); out[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}
