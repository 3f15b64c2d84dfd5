import Foundation
import PetrelCore

/// One SubscribeToShard call, checked and admitted: what `run` streams.
public struct ShardSubscription: Sendable {
    let key: SubscriptionRegistry.Key
    let ticket: UInt64
    let streamID: Int64
    let streamCreatedMs: Int64
    let consumerID: Int64
    let consumerName: String
    let shardIndex: Int
    /// Records with a larger counter come next.
    var afterCounter: Int64
    let context: KinesisRequestContext
}

/// What a subscription sends: SubscribeToShardEvent payloads (JSON), or an error that ends it.
public enum SubscriptionEvent: Sendable, Equatable {
    case records(JSONValue)
    case failure(AWSError)
}

/// SubscribeToShard: after the checks (consumer ACTIVE, shard, starting position, one call per
/// consumer and shard per 5 seconds) an event is sent at once, then one whenever records
/// arrive (woken by the stream's `wakeups`, no polling interval), and an empty one every
/// `heartbeatMs` without records, for up to `subscriptionMs`; a closed shard read to its end
/// sends its ChildShards and ends the subscription.
extension KinesisService {
    static let subscriptionHeartbeatMs: Int64 = 5_000
    /// Per event: AWS pushes up to 2 MiB/s per shard and consumer; an event holds at most 1 MiB of data.
    static let maxEventBytes = 1_048_576
    static let maxEventRecords = 10_000

    /// Checks a SubscribeToShard request and admits it; AWS-shaped errors otherwise.
    public func subscribeToShard(_ input: KinesisInput, context: KinesisRequestContext) throws -> ShardSubscription {
        let arnText = try input.required("ConsumerARN")
        let shardID = try input.required("ShardId")
        guard let position = try input.object("StartingPosition") else {
            throw KinesisError.validation("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null")
        }
        guard let type = try position.string("Type") else {
            throw KinesisError.validation("1 validation error detected: Value null at 'startingPosition.type' failed to satisfy constraint: Member must not be null")
        }
        guard ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"].contains(type) else {
            throw KinesisError.constraint("startingPosition.type", type, "Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP, AT_SHARD_ITERATOR]")
        }
        let (consumer, stream, state) = try self.consumer(arn: arnText, context)
        guard state == .active else {
            throw KinesisError.resourceInUse("Consumer \(arnText) is not in ACTIVE state (it is \(state.rawValue)).")
        }
        guard let index = ShardInfo.index(of: shardID), let shard = try visibleShards(stream).first(where: { $0.index == index }) else {
            throw KinesisError.shardNotFound(shardID, stream: stream.name, account: context.account)
        }
        let sequenceText = try position.string("SequenceNumber")
        let after = try startAfter(stream, shard: shard, type: type, sequenceNumber: sequenceText,
                                   timestampMs: try position.timestampMs("Timestamp"), shardID: shardID)
        let key = SubscriptionRegistry.Key(consumerARN: consumer.arn, shardIndex: index)
        guard let ticket = subscriptions.begin(key, streamID: stream.id, nowMs: now()) else {
            throw KinesisError.resourceInUse("Another active subscription exists for this consumer: \(context.account):\(stream.name):\(shardID):\(consumer.arn). Subscribe again 5 seconds after the last call.")
        }
        return ShardSubscription(key: key, ticket: ticket, streamID: stream.id, streamCreatedMs: stream.createdMs, consumerID: consumer.id,
                                 consumerName: consumer.name, shardIndex: index, afterCounter: after, context: context)
    }

    /// Streams the subscription's events to `emit` until it lasted `subscriptionMs`, its shard
    /// ended, an error ended it (sent as `.failure` first), a newer subscription replaced it,
    /// the server shuts down, or `emit` throws (the client went away).
    public func run(_ subscription: ShardSubscription, emit: (SubscriptionEvent) async throws -> Void) async throws {
        defer { subscriptions.end(subscription.key, ticket: subscription.ticket) }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(configuration.subscriptionMs)
        var after = subscription.afterCounter
        var lastSent: ContinuousClock.Instant?
        while subscriptions.isCurrent(subscription.key, ticket: subscription.ticket), !Task.isCancelled {
            let seen = wakeups.generation(subscription.streamID)
            let step: SubscriptionStep
            do {
                step = try subscriptionStep(subscription, after: after)
            } catch let error as AWSError {
                try await emit(.failure(error))
                return
            }
            let heartbeatDue = lastSent.map { clock.now >= $0 + .milliseconds(Self.subscriptionHeartbeatMs) } ?? true
            if !step.records.isEmpty || step.shardEnded || heartbeatDue {
                try await emit(.records(step.event))
                lastSent = clock.now
                after = step.lastCounter
            }
            if step.shardEnded || clock.now >= deadline { return }
            // More is waiting already: read on without waiting.
            if !step.records.isEmpty, step.millisBehindLatest > 0 { continue }
            let heartbeat = (lastSent ?? clock.now) + .milliseconds(Self.subscriptionHeartbeatMs)
            await wakeups.wait(subscription.streamID, seen: seen, until: min(deadline, heartbeat))
        }
    }

    struct SubscriptionStep {
        var records: [StoredRecord]
        var lastCounter: Int64
        var millisBehindLatest: Int64
        var shardEnded: Bool
        var event: JSONValue
    }

    /// One read for a subscription: the records after `after` and the event that carries them.
    func subscriptionStep(_ subscription: ShardSubscription, after: Int64) throws -> SubscriptionStep {
        let context = subscription.context
        guard let stream = try store.stream(id: subscription.streamID), stream.createdMs == subscription.streamCreatedMs else {
            throw KinesisError.make("ResourceNotFoundException", "The stream of this subscription was deleted.")
        }
        guard let consumer = try store.consumer(stream: stream.id, name: subscription.consumerName, goneBeforeMs: consumersGoneBefore()),
              consumer.id == subscription.consumerID, consumerState(consumer) == .active else {
            throw Self.consumerNotFound(subscription.key.consumerARN, account: context.account)
        }
        let read = try readShard(stream, shard: subscription.shardIndex, after: after, limit: Self.maxEventRecords,
                                 maxBytes: Self.maxEventBytes, nowMs: now())
        let last = read.records.last?.counter ?? after
        let event = Self.subscribeToShardEvent(records: read.records.map { Self.recordJSON($0, stream: stream) },
                                               continuation: read.shardEnded ? nil : SequenceNumber(counter: last, shardIndex: subscription.shardIndex).description,
                                               millisBehindLatest: read.millisBehindLatest,
                                               childShards: read.shardEnded ? read.children.map(Self.childShardJSON) : nil)
        return SubscriptionStep(records: read.records, lastCounter: last, millisBehindLatest: read.millisBehindLatest,
                                shardEnded: read.shardEnded, event: event)
    }

    /// A SubscribeToShardEvent's payload. At a shard's end ContinuationSequenceNumber is left
    /// out and ChildShards says where to go on, as AWS's last event of a shard does.
    static func subscribeToShardEvent(records: [JSONValue], continuation: String?, millisBehindLatest: Int64,
                                      childShards: [JSONValue]?) -> JSONValue {
        var out: [String: JSONValue] = ["Records": .array(records), "MillisBehindLatest": .number(Double(millisBehindLatest))]
        if let continuation { out["ContinuationSequenceNumber"] = .string(continuation) }
        if let childShards { out["ChildShards"] = .array(childShards) }
        return .object(out)
    }

    /// Ends every open subscription (graceful shutdown), so none holds the server open.
    public func endSubscriptions() {
        for stream in subscriptions.close() { wakeups.signal(stream) }
    }
}
