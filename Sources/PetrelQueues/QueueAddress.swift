import Foundation

/// Where a queue is: its name, account and region, and the URL and ARN AWS gives it.
/// URLs follow AWS's path layout, `http://HOST/ACCOUNT/NAME`, on the host the client used.
public struct QueueAddress: Sendable, Equatable, Hashable {
    public var account: String
    public var region: String
    public var name: String

    public init(account: String, region: String, name: String) {
        self.account = account
        self.region = region
        self.name = name
    }

    /// `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    public init?(arn: String) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs", !parts[3].isEmpty, !parts[5].isEmpty else { return nil }
        self.init(account: String(parts[4]), region: String(parts[3]), name: String(parts[5]))
    }

    public var arn: String { "arn:aws:sqs:\(region):\(account):\(name)" }

    public var isFifo: Bool { name.hasSuffix(".fifo") }

    public func url(host: String) -> String { "http://\(host)/\(account)/\(name)" }

    /// The queue a `QueueUrl` names: any URL whose path ends in `/ACCOUNT/NAME` (AWS's layout,
    /// LocalStack's and ElasticMQ's), or a bare queue name.
    public static func parse(url: String, account: String, region: String) -> QueueAddress? {
        var path = url
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            path = String(rest[slash...])
        }
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        let segments = path.split(separator: "/").map(String.init)
        switch segments.count {
        case 1 where !url.contains("://"):
            return isValidName(segments[0]) ? QueueAddress(account: account, region: region, name: segments[0]) : nil
        case 2...:
            let name = segments[segments.count - 1], owner = segments[segments.count - 2]
            guard isValidName(name), owner.allSatisfy(\.isNumber) else { return nil }
            return QueueAddress(account: owner, region: region, name: name)
        default:
            return nil
        }
    }

    /// 1 to 80 characters of alphanumerics, hyphens and underscores; a FIFO queue's name ends
    /// in `.fifo` (which counts toward the 80).
    public static func isValidName(_ name: String) -> Bool {
        guard (1...80).contains(name.count) else { return false }
        let stem = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return !stem.isEmpty && stem.unicodeScalars.allSatisfy { c in
            (c.value < 128 && (CharacterSet.alphanumerics.contains(c))) || c == "-" || c == "_"
        }
    }
}
