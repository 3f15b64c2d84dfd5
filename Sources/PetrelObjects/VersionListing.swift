import Foundation

/// What ListObjectVersions asks for.
public struct VersionListingQuery: Sendable, Equatable {
    public var prefix: String
    public var delimiter: String?
    public var maxKeys: Int
    /// Versions of keys after this one (with `versionIDMarker`: this key's versions older than that one, then later keys).
    public var keyMarker: String?
    public var versionIDMarker: String?

    public init(prefix: String = "", delimiter: String? = nil, maxKeys: Int = 1000, keyMarker: String? = nil, versionIDMarker: String? = nil) {
        self.prefix = prefix
        self.delimiter = delimiter?.isEmpty == true ? nil : delimiter
        self.maxKeys = max(0, min(maxKeys, 1000))
        self.keyMarker = keyMarker?.isEmpty == true ? nil : keyMarker
        self.versionIDMarker = self.keyMarker == nil || versionIDMarker?.isEmpty == true ? nil : versionIDMarker
    }

    /// The first key worth reading (the prefix, or the key marker when it is later).
    public var startKey: String {
        guard let keyMarker, UTF8Order.less(prefix, keyMarker) else { return prefix }
        return keyMarker
    }
}

/// A version or delete marker as listed.
public struct ListedVersion: Sendable, Equatable {
    public var record: ObjectRecord
    public var isLatest: Bool
    public init(record: ObjectRecord, isLatest: Bool) {
        self.record = record
        self.isLatest = isLatest
    }
}

/// One page of ListObjectVersions.
public struct VersionListingPage: Sendable {
    public var versions: [ListedVersion] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextKeyMarker: String?
    public var nextVersionIDMarker: String?
}

/// Builds a page from versions offered by key (UTF-8 order) then newest first, after the
/// query's markers: under the prefix, keys holding the delimiter rolled up into common prefixes
/// (each counted once toward MaxKeys), stopping when MaxKeys entries are taken.
public struct VersionListingBuilder: Sendable {
    public let query: VersionListingQuery
    public private(set) var page = VersionListingPage()
    private var count = 0

    public init(_ query: VersionListingQuery) { self.query = query }

    public mutating func offer(_ version: ListedVersion) -> ListingBuilder<ListedVersion>.Step {
        let key = version.record.key
        guard UTF8Order.hasPrefix(key, query.prefix) else {
            return UTF8Order.less(key, query.prefix) ? .next : .stop
        }
        if let delimiter = query.delimiter {
            if let end = UTF8Order.endOfFirst(delimiter, in: key, from: query.prefix.utf8.count) {
                let common = String(decoding: key.utf8.prefix(end), as: UTF8.self)
                if let marker = query.keyMarker, !UTF8Order.less(marker, common) { return .skipPrefix(common) }
                if page.commonPrefixes.last == common { return .skipPrefix(common) }
                guard count < query.maxKeys else { return truncate() }
                page.commonPrefixes.append(common)
                page.nextKeyMarker = common
                page.nextVersionIDMarker = nil
                count += 1
                return .skipPrefix(common)
            }
        }
        guard count < query.maxKeys else { return truncate() }
        page.versions.append(version)
        page.nextKeyMarker = key
        page.nextVersionIDMarker = version.record.storedVersionID
        count += 1
        return .next
    }

    private mutating func truncate() -> ListingBuilder<ListedVersion>.Step {
        page.isTruncated = query.maxKeys > 0
        return .stop
    }

    /// The page as returned: the next markers only when it is truncated.
    public var result: VersionListingPage {
        var result = page
        if !result.isTruncated {
            result.nextKeyMarker = nil
            result.nextVersionIDMarker = nil
        }
        return result
    }
}
