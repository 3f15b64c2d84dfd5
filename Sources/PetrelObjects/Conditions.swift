import Foundation

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

    static func unquote(_ tag: String) -> String {
        tag.count >= 2 && tag.hasPrefix("\"") && tag.hasSuffix("\"") ? String(tag.dropFirst().dropLast()) : tag
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

    public static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    /// The ISO 8601 form S3 uses in XML (`2024-01-02T03:04:05.000Z`).
    public static func iso8601(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        return formatter.string(from: date)
    }
}
