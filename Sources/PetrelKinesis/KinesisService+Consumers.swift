import Foundation
import PetrelCore

/// Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer,
/// ListStreamConsumers, DeregisterStreamConsumer. A consumer is CREATING for
/// `consumerDelayMs` after registration, then ACTIVE; deregistered, DELETING as long, then gone.
extension KinesisService {
    /// AWS's limit of registered consumers per stream.
    static let maxConsumersPerStream = 20
    static let maxListConsumers = 100
    static let nextTokenLifetimeMs: Int64 = 300_000

    /// Consumers deregistered at or before this are gone.
    func consumersGoneBefore() -> Int64 { now() - configuration.consumerDelayMs }

    func consumerState(_ consumer: ConsumerRecord) -> ConsumerState? {
        ConsumerState.of(consumer, delayMs: configuration.consumerDelayMs, nowMs: now())
    }

    static func validateConsumerName(_ name: String) throws {
        guard isValidName(name) else {
            throw KinesisError.constraint("consumerName", name, name.utf8.count > 128
                ? "Member must have length less than or equal to 128"
                : name.isEmpty ? "Member must have length greater than or equal to 1" : "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
    }

    /// The stream of a consumer operation: `StreamARN` is the member these operations take.
    func consumerStream(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> StreamRecord {
        _ = try input.required("StreamARN")
        return try stream(input, context)
    }

    func consumerJSON(_ consumer: ConsumerRecord, stream: StreamRecord?, state: ConsumerState) -> JSONValue {
        var out: [String: JSONValue] = [
            "ConsumerName": .string(consumer.name), "ConsumerARN": .string(consumer.arn),
            "ConsumerStatus": .string(state.rawValue), "ConsumerCreationTimestamp": Self.seconds(consumer.createdMs),
        ]
        if let stream { out["StreamARN"] = .string(stream.arn) }
        return .object(out)
    }

    static func consumerNotFound(_ named: String, account: String) -> AWSError {
        KinesisError.make("ResourceNotFoundException", "Consumer \(named), account \(account) not found.")
    }

    func registerStreamConsumer(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try consumerStream(input, context)
        let name = try input.required("ConsumerName")
        try Self.validateConsumerName(name)
        let tags = try input.stringMap("Tags") ?? [:]
        try Self.validateTags(tags, existing: [:])
        let nowMs = now()
        let arn = ConsumerARN(region: stream.region, account: stream.account, streamName: stream.name, consumerName: name,
                              createdSeconds: nowMs / 1000)
        switch try store.registerConsumer(stream: stream.id, name: name, arn: arn.description, tags: tags, nowMs: nowMs,
                                          goneBeforeMs: nowMs - configuration.consumerDelayMs, limit: Self.maxConsumersPerStream) {
        case .registered(let consumer):
            return .object(["Consumer": consumerJSON(consumer, stream: nil, state: consumerState(consumer) ?? .creating)])
        case .nameTaken:
            throw KinesisError.resourceInUse("Consumer \(name) under stream \(stream.name) in account \(context.account) already exists.")
        case .limitReached:
            throw KinesisError.limitExceeded("Stream \(stream.name) under account \(context.account) already has \(Self.maxConsumersPerStream) registered consumers, the most a stream may have.")
        }
    }

    /// The consumer a request names: by `ConsumerARN`, or by `StreamARN` and `ConsumerName`.
    func namedConsumer(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> (ConsumerRecord, StreamRecord, ConsumerState) {
        if let text = try input.string("ConsumerARN") {
            return try consumer(arn: text, context)
        }
        guard input.has("StreamARN"), let name = try input.string("ConsumerName") else {
            throw KinesisError.invalidArgument("Either ConsumerARN or both ConsumerName and StreamARN must be given.")
        }
        try Self.validateConsumerName(name)
        let stream = try stream(input, context)
        guard let consumer = try store.consumer(stream: stream.id, name: name, goneBeforeMs: consumersGoneBefore()),
              let state = consumerState(consumer) else {
            throw Self.consumerNotFound(name, account: context.account)
        }
        return (consumer, stream, state)
    }

    /// A consumer by its ARN, in the caller's account and region; ResourceNotFoundException otherwise.
    func consumer(arn text: String, _ context: KinesisRequestContext) throws -> (ConsumerRecord, StreamRecord, ConsumerState) {
        guard text.hasPrefix("arn:"), text.utf8.count <= 2048 else {
            throw KinesisError.constraint("consumerARN", text,
                                          "Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+")
        }
        guard let arn = ConsumerARN(text), arn.region == context.region, arn.account == context.account,
              let stream = try store.stream(region: arn.region, account: arn.account, name: arn.streamName),
              let consumer = try store.consumer(stream: stream.id, name: arn.consumerName, goneBeforeMs: consumersGoneBefore()),
              consumer.arn == text, let state = consumerState(consumer) else {
            throw Self.consumerNotFound(text, account: context.account)
        }
        return (consumer, stream, state)
    }

    func describeStreamConsumer(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let (consumer, stream, state) = try namedConsumer(input, context)
        return .object(["ConsumerDescription": consumerJSON(consumer, stream: stream, state: state)])
    }

    func deregisterStreamConsumer(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let (consumer, stream, _) = try namedConsumer(input, context)
        try store.deregisterConsumer(id: consumer.id, nowMs: now())
        // Open subscriptions of the consumer end at their next look.
        wakeups.signal(stream.id)
        return .object([:])
    }

    /// A ListStreamConsumers page token: the stream (id and creation), the last consumer
    /// answered, and when the token was issued (tokens expire after 300 s, as AWS's).
    struct ConsumerPageToken: Equatable {
        var streamID: Int64
        var streamCreatedMs: Int64
        var afterID: Int64
        var issuedMs: Int64

        var encoded: String { Data("consumers|\(streamID)|\(streamCreatedMs)|\(afterID)|\(issuedMs)".utf8).base64EncodedString() }

        init(streamID: Int64, streamCreatedMs: Int64, afterID: Int64, issuedMs: Int64) {
            self.streamID = streamID
            self.streamCreatedMs = streamCreatedMs
            self.afterID = afterID
            self.issuedMs = issuedMs
        }

        init?(_ text: String) {
            guard text.utf8.count <= 256, let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else { return nil }
            let parts = decoded.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0] == "consumers", let stream = Int64(parts[1]), let created = Int64(parts[2]),
                  let after = Int64(parts[3]), let issued = Int64(parts[4]) else { return nil }
            self.init(streamID: stream, streamCreatedMs: created, afterID: after, issuedMs: issued)
        }
    }

    func listStreamConsumers(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try consumerStream(input, context)
        let limit = try input.int("MaxResults") ?? Self.maxListConsumers
        guard (1...10_000).contains(limit) else {
            throw KinesisError.constraint("maxResults", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10000")
        }
        var afterID: Int64 = 0
        let nowMs = now()
        if let text = try input.string("NextToken") {
            if input.has("StreamCreationTimestamp") {
                throw KinesisError.invalidArgument("NextToken and StreamCreationTimestamp cannot be provided together.")
            }
            guard let token = ConsumerPageToken(text) else { throw KinesisError.invalidArgument("NextToken \(text) is not valid.") }
            guard nowMs - token.issuedMs <= Self.nextTokenLifetimeMs else {
                throw KinesisError.expiredNextToken("The NextToken has expired: it was issued more than 300 seconds ago.")
            }
            guard token.streamID == stream.id, token.streamCreatedMs == stream.createdMs else {
                throw KinesisError.invalidArgument("NextToken \(text) belongs to another stream.")
            }
            afterID = token.afterID
        } else if let created = try input.timestampMs("StreamCreationTimestamp"), abs(created - stream.createdMs) >= 1000 {
            // The stream of that name was created at another time: the one asked for is gone.
            throw KinesisError.streamNotFound(stream.name, account: context.account)
        }
        let pageSize = min(limit, Self.maxListConsumers)
        let rows = try store.consumers(stream: stream.id, afterID: afterID, limit: pageSize + 1, goneBeforeMs: nowMs - configuration.consumerDelayMs)
        let page = Array(rows.prefix(pageSize))
        var out: [String: JSONValue] = [
            "Consumers": .array(page.compactMap { consumer in consumerState(consumer).map { consumerJSON(consumer, stream: nil, state: $0) } }),
        ]
        if rows.count > pageSize, let last = page.last {
            out["NextToken"] = .string(ConsumerPageToken(streamID: stream.id, streamCreatedMs: stream.createdMs, afterID: last.id, issuedMs: nowMs).encoded)
        }
        return .object(out)
    }
}
