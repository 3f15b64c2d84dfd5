/// An enhanced fan-out consumer's ARN:
/// `arn:aws:kinesis:REGION:ACCOUNT:stream/STREAM/consumer/NAME:CREATED` (creation time in epoch
/// seconds, so a consumer registered again under the same name gets another ARN). Pure.
public struct ConsumerARN: Sendable, Equatable, CustomStringConvertible {
    public var region: String
    public var account: String
    public var streamName: String
    public var consumerName: String
    /// Epoch seconds.
    public var createdSeconds: Int64

    public init(region: String, account: String, streamName: String, consumerName: String, createdSeconds: Int64) {
        self.region = region
        self.account = account
        self.streamName = streamName
        self.consumerName = consumerName
        self.createdSeconds = createdSeconds
    }

    public var description: String {
        "arn:aws:kinesis:\(region):\(account):stream/\(streamName)/consumer/\(consumerName):\(createdSeconds)"
    }

    /// The stream's own ARN.
    public var streamARN: String { "arn:aws:kinesis:\(region):\(account):stream/\(streamName)" }

    /// Reads an ARN of the model's pattern (`arn:aws.*:kinesis:.*:\d{12}:.*stream/NAME/consumer/NAME:DIGITS`); nil otherwise.
    public init?(_ text: String) {
        guard text.utf8.count <= 2048 else { return nil }
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "kinesis",
              parts[4].utf8.count == 12, parts[4].allSatisfy(\.isASCII), parts[4].allSatisfy(\.isNumber),
              parts[5].hasPrefix("stream/") else { return nil }
        let resource = parts[5].dropFirst("stream/".count)
        let pieces = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[1] == "consumer" else { return nil }
        let tail = pieces[2].split(separator: ":", omittingEmptySubsequences: false)
        guard tail.count == 2, let seconds = Int64(tail[1]), seconds >= 0, tail[1].allSatisfy(\.isNumber) else { return nil }
        let stream = String(pieces[0]), name = String(tail[0])
        guard KinesisService.isValidName(stream), KinesisService.isValidName(name) else { return nil }
        self.init(region: parts[3], account: parts[4], streamName: stream, consumerName: name, createdSeconds: seconds)
    }
}
