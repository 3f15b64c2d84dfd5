import Crypto
import Foundation

/// A shard iterator: where a reader stands in one shard (after which counter) and when the
/// iterator was issued (they expire after 5 minutes, as AWS's). Self-contained, so iterators
/// survive a restart; a checksum tells a mangled one from a real one. Pure.
public struct ShardIteratorToken: Sendable, Equatable {
    public var streamID: Int64
    /// The stream's creation time: an iterator of a deleted and re-created stream is refused.
    public var streamCreatedMs: Int64
    public var shardIndex: Int
    /// Records with a larger counter come next.
    public var afterCounter: Int64
    public var issuedMs: Int64
    /// The stream's name: the Authorizer reads it to know which stream GetRecords reads.
    public var streamName: String

    public static let lifetimeMs: Int64 = 300_000

    public init(streamID: Int64, streamCreatedMs: Int64, shardIndex: Int, afterCounter: Int64, issuedMs: Int64, streamName: String) {
        self.streamID = streamID
        self.streamCreatedMs = streamCreatedMs
        self.shardIndex = shardIndex
        self.afterCounter = afterCounter
        self.issuedMs = issuedMs
        self.streamName = streamName
    }

    public var encoded: String {
        let payload = "v1|\(streamID)|\(streamCreatedMs)|\(shardIndex)|\(afterCounter)|\(issuedMs)|\(streamName)"
        return Data((payload + "|" + Self.checksum(payload)).utf8).base64EncodedString()
    }

    public init?(_ text: String) {
        guard text.count <= 512, let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 8, parts[0] == "v1", Self.checksum(parts[0..<7].joined(separator: "|")) == parts[7],
              let stream = Int64(parts[1]), let created = Int64(parts[2]), let shard = Int(parts[3]),
              let after = Int64(parts[4]), let issued = Int64(parts[5]) else { return nil }
        self.init(streamID: stream, streamCreatedMs: created, shardIndex: shard, afterCounter: after, issuedMs: issued, streamName: parts[6])
    }

    public func isExpired(now: Int64) -> Bool { now - issuedMs > Self.lifetimeMs }

    static func checksum(_ payload: String) -> String {
        SHA256.hash(data: Data(("petrel-kinesis-iterator:" + payload).utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
