import Foundation

/// What a listing asks for (ListObjects, ListObjectsV2, ListMultipartUploads share it).
public struct ListingQuery: Sendable, Equatable {
    public var prefix: String
    public var delimiter: String?
    public var maxKeys: Int
    /// Only keys after this one (V1 `marker`, V2 `start-after` or the continuation token's key).
    public var after: String?

    public init(prefix: String = "", delimiter: String? = nil, maxKeys: Int = 1000, after: String? = nil) {
        self.prefix = prefix
        self.delimiter = delimiter?.isEmpty == true ? nil : delimiter
        self.maxKeys = max(0, min(maxKeys, 1000))
        self.after = after
    }

    /// The first key worth reading from storage (keys are read in ascending order from here, exclusive when `after`).
    public var startKey: String { UTF8Order.less(prefix, after ?? "") ? after ?? "" : prefix }
}

/// One page of a listing: keys, rolled-up common prefixes, and where the next page starts.
public struct ListingPage<Entry: Sendable>: Sendable {
    public var contents: [Entry] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    /// The last key or common prefix returned (S3's NextMarker; the continuation token holds it).
    public var lastReturned: String?
}

/// Builds one page from keys offered in ascending UTF-8 order, as S3 does: keys under the
/// prefix, those holding the delimiter after the prefix rolled up into common prefixes (each
/// counted once toward MaxKeys), stopping when MaxKeys entries are taken.
public struct ListingBuilder<Entry: Sendable>: Sendable {
    public let query: ListingQuery
    public private(set) var page = ListingPage<Entry>()
    private var count = 0

    public init(_ query: ListingQuery) { self.query = query }

    public enum Step: Sendable, Equatable {
        /// Offer the next key.
        case next
        /// Keys up to and including everything that starts with this prefix are rolled up: skip them.
        case skipPrefix(String)
        /// The page is complete (no key after this one belongs to the prefix, or MaxKeys is reached).
        case stop
    }

    /// Offers the next stored key (strictly after `query.after`, in order).
    public mutating func offer(_ key: String, _ entry: @autoclosure () -> Entry) -> Step {
        guard UTF8Order.hasPrefix(key, query.prefix) else {
            return UTF8Order.less(key, query.prefix) ? .next : .stop
        }
        if let after = query.after, !UTF8Order.less(after, key) { return .next }
        if let delimiter = query.delimiter {
            if let end = UTF8Order.endOfFirst(delimiter, in: key, from: query.prefix.utf8.count) {
                let common = String(decoding: key.utf8.prefix(end), as: UTF8.self)
                if let after = query.after, !UTF8Order.less(after, common) { return .skipPrefix(common) }
                if page.commonPrefixes.last == common { return .skipPrefix(common) }
                guard count < query.maxKeys else {
                    page.isTruncated = query.maxKeys > 0
                    return .stop
                }
                page.commonPrefixes.append(common)
                page.lastReturned = common
                count += 1
                return .skipPrefix(common)
            }
        }
        guard count < query.maxKeys else {
            page.isTruncated = query.maxKeys > 0
            return .stop
        }
        page.contents.append(entry())
        page.lastReturned = key
        count += 1
        return .next
    }
}

/// `encoding-type=url` in listings: keys percent-encoded, `/` kept, so that any byte survives XML.
public enum URLEncoding {
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// ListObjectsV2's continuation token: opaque to clients, the last key or prefix returned.
public enum ContinuationToken {
    public static func make(_ last: String) -> String {
        Data(("1:" + last).utf8).base64EncodedString()
    }

    public static func parse(_ token: String) -> String? {
        guard let bytes = Data(base64Encoded: token) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.hasPrefix("1:") ? String(text.dropFirst(2)) : nil
    }
}

/// S3 orders keys by their UTF-8 bytes (Swift's `<` on String compares canonical equivalents).
/// Compared with memcmp on the strings' contiguous UTF-8: a listing compares every key it reads.
public enum UTF8Order {
    public static func less(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
    }

    public static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        var text = text, prefix = prefix
        return text.withUTF8 { x in
            prefix.withUTF8 { p in p.count == 0 || (x.count >= p.count && memcmp(x.baseAddress!, p.baseAddress!, p.count) == 0) }
        }
    }

    /// The UTF-8 offset in `haystack` just past the first occurrence of `needle` at or after
    /// the offset `start`.
    static func endOfFirst(_ needle: String, in haystack: String, from start: Int) -> Int? {
        var needle = needle, haystack = haystack
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count > 0, h.count - start >= n.count else { return nil }
                for i in start...(h.count - n.count) where h[i] == n[0] {
                    if memcmp(h.baseAddress! + i, n.baseAddress!, n.count) == 0 { return i + n.count }
                }
                return nil
            }
        }
    }
}
