import Foundation
import Logging
import PetrelCore
import PetrelStore

/// Who asks: the account and the region (from the request's signature).
public struct KinesisRequestContext: Sendable {
    public var account: String
    public var region: String

    public init(account: String, region: String) {
        self.account = account
        self.region = region
    }
}

/// How the service behaves where AWS's behaviour would slow local work down.
public struct KinesisConfiguration: Sendable {
    /// Per-shard write limits; nil turns them off (`PETREL_KINESIS_SHARD_LIMITS=off`).
    public var shardLimits: ShardThrottle.Limits?
    /// How long a new stream reports CREATING (`PETREL_KINESIS_CREATING_MS`; 0: ACTIVE at once).
    public var creatingMs: Int64
    /// The length of a retention "hour" in milliseconds (`PETREL_KINESIS_HOUR_SECONDS`, for tests).
    public var hourMs: Int64
    /// How long a new consumer is CREATING and a deregistered one DELETING
    /// (`PETREL_KINESIS_CONSUMER_DELAY_MS`; AWS takes seconds, 0 makes both immediate).
    public var consumerDelayMs: Int64
    /// How long one SubscribeToShard answer streams before it ends (`PETREL_KINESIS_SUBSCRIPTION_SECONDS`; AWS's 5 minutes).
    public var subscriptionMs: Int64

    public init(shardLimits: ShardThrottle.Limits? = ShardThrottle.Limits(), creatingMs: Int64 = 0, hourMs: Int64 = 3_600_000,
                consumerDelayMs: Int64 = 500, subscriptionMs: Int64 = 300_000) {
        self.shardLimits = shardLimits
        self.creatingMs = creatingMs
        self.hourMs = hourMs
        self.consumerDelayMs = consumerDelayMs
        self.subscriptionMs = subscriptionMs
    }

    public static func from(environment env: [String: String]) -> KinesisConfiguration {
        KinesisConfiguration(shardLimits: ShardThrottle.Limits.from(environment: env["PETREL_KINESIS_SHARD_LIMITS"]),
                             creatingMs: env["PETREL_KINESIS_CREATING_MS"].flatMap { Int64($0) } ?? 0,
                             hourMs: env["PETREL_KINESIS_HOUR_SECONDS"].flatMap { Double($0) }.map { Int64($0 * 1000) } ?? 3_600_000,
                             consumerDelayMs: env["PETREL_KINESIS_CONSUMER_DELAY_MS"].flatMap { Int64($0) }.map { max(0, $0) } ?? 500,
                             subscriptionMs: env["PETREL_KINESIS_SUBSCRIPTION_SECONDS"].flatMap { Double($0) }
                                 .map { Int64(min(max($0, 0.1), 300) * 1000) } ?? 300_000)
    }
}

/// The Kinesis Data Streams-compatible service: operations over `KinesisStore`, readers woken
/// by `wakeups` (one channel per stream id), and a background retention sweep.
public final class KinesisService: Sendable {
    let store: KinesisStore
    /// Signalled after every commit that adds records or changes a stream's shards.
    public let wakeups = Wakeups()
    let throttle: ShardThrottle
    /// SubscribeToShard's open subscriptions and AWS's 5-second resubscribe rule.
    let subscriptions = SubscriptionRegistry()
    let configuration: KinesisConfiguration
    let logger: Logger
    /// Epoch milliseconds; injected so tests decide what time it is.
    let now: @Sendable () -> Int64

    public init(store: Store, configuration: KinesisConfiguration = KinesisConfiguration(), logger: Logger,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = KinesisStore(store: store)
        self.configuration = configuration
        self.throttle = ShardThrottle(limits: configuration.shardLimits)
        self.logger = logger
        self.now = now
    }

    public static func registerMigrations(_ m: inout SQLMigrations) { KinesisStore.registerMigrations(&m) }

    /// The operations served; the others of botocore's model answer with a clear error.
    public static let operations: Set<String> = [
        "AddTagsToStream", "CreateStream", "DecreaseStreamRetentionPeriod", "DeleteStream", "DescribeLimits", "DescribeStream",
        "DescribeStreamSummary", "GetRecords", "GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards", "ListStreams",
        "ListTagsForResource", "ListTagsForStream", "MergeShards", "PutRecord", "PutRecords", "RemoveTagsFromStream", "SplitShard",
        "StartStreamEncryption", "StopStreamEncryption", "TagResource", "UntagResource", "UpdateShardCount", "UpdateStreamMode",
        "EnableEnhancedMonitoring", "DisableEnhancedMonitoring",
        "RegisterStreamConsumer", "DescribeStreamConsumer", "ListStreamConsumers", "DeregisterStreamConsumer", "SubscribeToShard",
    ]

    /// Runs one operation: `input` in the JSON 1.1 protocol's shape, the answer likewise.
    public func handle(_ operation: String, _ input: KinesisInput, context: KinesisRequestContext) async throws -> JSONValue {
        switch operation {
        case "CreateStream": return try createStream(input, context)
        case "DeleteStream": return try deleteStream(input, context)
        case "DescribeStream": return try describeStream(input, context)
        case "DescribeStreamSummary": return try describeStreamSummary(input, context)
        case "ListStreams": return try listStreams(input, context)
        case "ListShards": return try listShards(input, context)
        case "DescribeLimits": return try describeLimits(context)
        case "PutRecord": return try putRecord(input, context)
        case "PutRecords": return try putRecords(input, context)
        case "GetShardIterator": return try getShardIterator(input, context)
        case "GetRecords": return try getRecords(input, context)
        case "SplitShard": return try splitShard(input, context)
        case "MergeShards": return try mergeShards(input, context)
        case "UpdateShardCount": return try updateShardCount(input, context)
        case "UpdateStreamMode": return try updateStreamMode(input, context)
        case "AddTagsToStream": return try addTags(input, context, resource: false)
        case "TagResource": return try addTags(input, context, resource: true)
        case "RemoveTagsFromStream": return try removeTags(input, context, resource: false)
        case "UntagResource": return try removeTags(input, context, resource: true)
        case "ListTagsForStream": return try listTagsForStream(input, context)
        case "ListTagsForResource": return try listTagsForResource(input, context)
        case "IncreaseStreamRetentionPeriod": return try changeRetention(input, context, increase: true)
        case "DecreaseStreamRetentionPeriod": return try changeRetention(input, context, increase: false)
        case "StartStreamEncryption": return try setEncryption(input, context, start: true)
        case "StopStreamEncryption": return try setEncryption(input, context, start: false)
        case "EnableEnhancedMonitoring", "DisableEnhancedMonitoring": return try enhancedMonitoring(input, context, operation: operation)
        case "RegisterStreamConsumer": return try registerStreamConsumer(input, context)
        case "DescribeStreamConsumer": return try describeStreamConsumer(input, context)
        case "ListStreamConsumers": return try listStreamConsumers(input, context)
        case "DeregisterStreamConsumer": return try deregisterStreamConsumer(input, context)
        case "SubscribeToShard":
            throw AWSError("UnknownOperationException", status: 400,
                           "SubscribeToShard answers with an event stream: call subscribeToShard(_:context:) and run(_:emit:).")
        default:
            throw AWSError("UnknownOperationException", status: 400,
                           "Petrel's Kinesis does not serve \(operation). It serves: \(Self.operations.sorted().joined(separator: ", ")).")
        }
    }

    /// Retention: every minute, deletes each stream's records past its retention period and
    /// closed shards closed before it. Until cancelled.
    public func run() async {
        while !Task.isCancelled {
            sweepRetention()
            try? await Task.sleep(for: .seconds(60))
        }
        wakeups.close()
    }

    func sweepRetention() {
        do {
            for stream in try store.allStreams() {
                try store.trim(stream: stream.id, cutoffMs: trimCutoff(stream))
            }
            try store.purgeConsumers(goneBeforeMs: consumersGoneBefore())
        } catch {
            logger.error("Kinesis retention sweep failed: \(error)")
        }
    }

    /// Records that arrived before this are past the stream's retention period.
    func trimCutoff(_ stream: StreamRecord) -> Int64 {
        now() - Int64(stream.retentionHours) * configuration.hourMs
    }

    // MARK: Naming streams

    /// The stream a request names by `StreamName` or `StreamARN` (one of them; both must agree).
    func stream(_ input: KinesisInput, _ context: KinesisRequestContext, arnMember: String = "StreamARN") throws -> StreamRecord {
        let name = try input.string("StreamName")
        let arn = try input.string(arnMember)
        if let name { try Self.validateName(name) }
        var resolved: String? = name
        if let arn {
            guard let parsed = Self.parseARN(arn) else {
                throw KinesisError.constraint(KinesisInput.memberPath(arnMember), arn,
                                              "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
            }
            if let name, name != parsed.name {
                throw KinesisError.invalidArgument("StreamARN \(arn) and StreamName \(name) name different streams.")
            }
            // Endpoints are regional and streams belong to one account: an ARN of another
            // region or account names no stream this caller can reach.
            guard parsed.region == context.region, parsed.account == context.account else {
                throw KinesisError.streamNotFound(parsed.name, account: parsed.account)
            }
            resolved = parsed.name
        }
        guard let resolved else {
            throw KinesisError.invalidArgument("Either StreamName or StreamARN should be provided.")
        }
        guard let stream = try store.stream(region: context.region, account: context.account, name: resolved) else {
            throw KinesisError.streamNotFound(resolved, account: context.account)
        }
        return stream
    }

    /// `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
    public static func parseARN(_ arn: String) -> (region: String, account: String, name: String)? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "kinesis", parts[4].count == 12,
              parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("stream/") else { return nil }
        let name = String(parts[5].dropFirst("stream/".count))
        guard isValidName(name) else { return nil }
        return (parts[3], parts[4], name)
    }

    static func isValidName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 45
        }
    }

    static func validateName(_ name: String) throws {
        guard isValidName(name) else {
            throw KinesisError.constraint("streamName", name, name.utf8.count > 128
                ? "Member must have length less than or equal to 128"
                : "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
    }

    func status(_ stream: StreamRecord) -> String {
        now() - stream.createdMs < configuration.creatingMs ? "CREATING" : "ACTIVE"
    }

    static func seconds(_ ms: Int64) -> JSONValue { .number(Double(ms) / 1000) }
}
