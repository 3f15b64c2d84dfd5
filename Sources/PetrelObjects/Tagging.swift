import Foundation

/// Object and bucket tags, with S3's limits: at most 10 per object (50 per bucket), keys up to
/// 128 characters, values up to 256, keys unique.
public struct TagSet: Sendable, Equatable, Codable {
    public var tags: [Tag]

    public struct Tag: Sendable, Equatable, Codable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(_ tags: [Tag] = []) { self.tags = tags }

    public var isEmpty: Bool { tags.isEmpty }

    static func invalidTag(_ message: String) -> S3Error { S3Error("InvalidTag", status: 400, message) }

    /// Checks S3's limits (`limit` is 10 for an object, 50 for a bucket).
    public func validated(limit: Int) throws(S3Error) -> TagSet {
        if tags.count > limit {
            throw limit == 10 ? S3Error("BadRequest", status: 400, "Object tags cannot be greater than 10")
                : TagSet.invalidTag("Bucket tag count cannot be greater than 50")
        }
        var seen: Set<String> = []
        for tag in tags {
            if tag.key.hasPrefix("aws:") {
                throw TagSet.invalidTag(limit == 10 ? "Your TagKey cannot be prefixed with aws:" : "System tags cannot be added/updated by requester")
            }
            guard !tag.key.isEmpty, tag.key.count <= 128 else { throw TagSet.invalidTag("The TagKey you have provided is invalid") }
            guard tag.value.count <= 256 else { throw TagSet.invalidTag("The TagValue you have provided is invalid") }
            guard seen.insert(tag.key).inserted else { throw TagSet.invalidTag("Cannot provide multiple Tags with the same key") }
        }
        return self
    }

    /// `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`.
    public static func parse(_ root: XMLNode) throws(S3Error) -> TagSet {
        guard root.name == "Tagging", let set = root.child("TagSet") else { throw S3Error.malformedXML() }
        var tags: [Tag] = []
        for node in set.all("Tag") {
            guard let key = node.value("Key") else { throw S3Error.malformedXML() }
            tags.append(Tag(key: key, value: node.value("Value") ?? ""))
        }
        return TagSet(tags)
    }

    /// The `x-amz-tagging` header: a URL-encoded query string (`a=1&b=two`).
    public static func parse(header: String) throws(S3Error) -> TagSet {
        var tags: [Tag] = []
        for pair in header.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String { ObjectAddress.percentDecode(text.replacingOccurrences(of: "+", with: " ")) }
            tags.append(Tag(key: decode(parts[0]), value: parts.count > 1 ? decode(parts[1]) : ""))
        }
        return TagSet(tags)
    }

    public var xml: String {
        var xml = XMLText()
        xml.open("Tagging", namespace: true)
        xml.open("TagSet")
        for tag in tags {
            xml.open("Tag")
            xml.element("Key", tag.key)
            xml.element("Value", tag.value)
            xml.close("Tag")
        }
        xml.close("TagSet")
        xml.close("Tagging")
        return xml.document
    }

    public var json: String { String(decoding: (try? JSONEncoder().encode(tags)) ?? Data("[]".utf8), as: UTF8.self) }

    public static func fromJSON(_ text: String?) -> TagSet {
        guard let text, let tags = try? JSONDecoder().decode([Tag].self, from: Data(text.utf8)) else { return TagSet() }
        return TagSet(tags)
    }
}
