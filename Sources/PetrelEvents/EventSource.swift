import Foundation

/// One record of a sharded source (a DynamoDB stream today, a Kinesis stream later) as the
/// engine sees it: where it sits, what keeps its order, and the JSON object that goes into
/// the event's `Records[]`.
public struct SourceRecord: Sendable, Equatable {
    /// Its position in the shard (a sequence number; string order is the shard's order).
    public var position: String
    /// What order is kept by under ParallelizationFactor: the item key (DynamoDB) or the
    /// partition key (Kinesis). Records with equal keys always go to the same partition.
    public var partitionKey: Data
    /// The record as the event carries it, a JSON object (the engine adds `eventSourceARN`).
    public var payload: Data
    /// What FilterCriteria patterns are matched against, when it is not `payload` (Kinesis
    /// matches on the decoded `data`).
    public var filterDocument: Data?
    public var created: Date
    public var size: Int

    public init(position: String, partitionKey: Data, payload: Data, filterDocument: Data? = nil, created: Date, size: Int? = nil) {
        self.position = position
        self.partitionKey = partitionKey
        self.payload = payload
        self.filterDocument = filterDocument
        self.created = created
        self.size = size ?? payload.count
    }
}

/// A shard of a sharded source. A shard with a parent is read only once its parent is
/// closed and read to its end (Kinesis splits and merges; DynamoDB streams as tables grow).
public struct ShardDescription: Sendable, Equatable {
    public var id: String
    public var parents: [String]
    /// No more records will be added (a split or merged parent).
    public var closed: Bool

    public init(id: String, parents: [String] = [], closed: Bool = false) {
        self.id = id
        self.parents = parents
        self.closed = closed
    }
}

/// What a source answers instead of records. Typed, so the engine never matches error codes.
public enum EventSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source (stream, shard, queue) does not exist (any more).
    case notFound(String)
    /// The position was removed by retention: read again from the trim horizon.
    case trimmed
    /// Anything else (storage trouble): try again later.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let what): return "Source not found: \(what)"
        case .trimmed: return "The position was removed by the source's retention"
        case .unavailable(let why): return why
        }
    }
}

/// Where a new mapping starts reading.
public enum StartingPosition: Sendable, Equatable {
    case trimHorizon
    case latest
    case atTimestamp(Date)
}

/// Which event shape a sharded source's records go out in.
public enum ShardedSourceKind: String, Sendable {
    case dynamodb
    case kinesis
}

/// A sharded, ordered, replayable source: read after a position, wait for a change, trim
/// horizon. DynamoDB streams implement it in PetrelServer over PetrelTables; a Kinesis
/// stream implements the same five calls (see docs/event-sources.md).
public protocol ShardedSource: Sendable {
    var arn: String { get }
    var kind: ShardedSourceKind { get }
    /// Every shard still readable, parents before children.
    func shards() throws(EventSourceError) -> [ShardDescription]
    /// Up to `limit` records after `position` (nil: from the trim horizon), oldest first.
    /// Throws `.trimmed` when `position` is older than the trim horizon.
    func read(shard: String, after position: String?, limit: Int) throws(EventSourceError) -> [SourceRecord]
    /// Returns once the shard holds a record after `position`, or when the task is cancelled.
    /// Commits wake it; it never polls.
    func waitForChange(shard: String, after position: String?) async
    /// The position to read after for a new mapping (nil: the trim horizon).
    func position(_ start: StartingPosition, shard: String) throws(EventSourceError) -> String?
}

extension ShardedSource {
    /// Whether checkpoints are kept per shard (several shards, children after parents) or under
    /// one key for the source's single shard (DynamoDB streams here).
    public var checkpointsByShard: Bool { kind == .kinesis }
}

/// A source whose shards close (Kinesis splits and merges): says when one is read to its end.
public protocol EndingShardedSource: ShardedSource {
    /// Whether `shard` is closed and every record after `position` was read: its children may start.
    func shardEnded(shard: String, after position: String?) throws(EventSourceError) -> Bool
}

/// One message a queue handed out, still in flight until deleted.
public struct QueueMessage: Sendable, Equatable {
    public var messageID: String
    public var receiptHandle: String
    public var body: String
    public var md5OfBody: String
    /// System attributes (SentTimestamp, ApproximateReceiveCount, MessageGroupId, …).
    public var attributes: [String: String]
    /// Message attributes in the event's shape (`stringValue`, `binaryValue`, `dataType`,
    /// `stringListValues`, `binaryListValues`).
    public var messageAttributes: [String: QueueMessageAttribute]
    public var groupID: String? { attributes["MessageGroupId"] }

    public init(messageID: String, receiptHandle: String, body: String, md5OfBody: String, attributes: [String: String],
                messageAttributes: [String: QueueMessageAttribute]) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.md5OfBody = md5OfBody
        self.attributes = attributes
        self.messageAttributes = messageAttributes
    }
}

public struct QueueMessageAttribute: Sendable, Equatable {
    public var dataType: String
    public var stringValue: String?
    /// Base64, as the event carries it.
    public var binaryValue: String?

    public init(dataType: String, stringValue: String?, binaryValue: String?) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }
}

/// A queue: receive (long polling woken by sends, never a polling interval), delete. A
/// message that is not deleted becomes visible again after the queue's visibility timeout,
/// and the queue's RedrivePolicy moves it to its dead-letter queue, so the engine never
/// has to put anything back.
public protocol QueueSource: Sendable {
    var arn: String { get }
    var isFifo: Bool { get }
    var region: String { get }
    /// Up to `max` (≤ 10) messages, waiting up to `wait` for the first.
    func receive(max: Int, wait: Duration) async throws(EventSourceError) -> [QueueMessage]
    /// Deletes messages by receipt handle; handles that expired are ignored.
    func delete(_ receiptHandles: [String]) async throws(EventSourceError)
}

/// What a mapping's source is, once its ARN is resolved.
public enum ResolvedSource: Sendable {
    case sharded(any ShardedSource)
    case queue(any QueueSource)
}

/// Finds the source an event source ARN names. Implemented in PetrelServer, which knows the
/// concrete table and queue services.
public protocol EventSourceResolving: Sendable {
    /// The source, `nil` when the ARN is not a kind of source Petrel serves; throws
    /// `.notFound` when it is one but does not exist.
    func resolve(arn: String) async throws(EventSourceError) -> ResolvedSource?
}
