import Foundation
import PetrelCore

extension KinesisService {
    static let maxShardsPerStream = 500
    static let onDemandShards = 4
    static let defaultRetentionHours = 24
    static let maxRetentionHours = 8760
    static let maxTagsPerStream = 50

    // MARK: Create, delete, describe

    func createStream(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let name = try input.required("StreamName")
        try Self.validateName(name)
        let mode = try input.object("StreamModeDetails").map { try $0.required("StreamMode") } ?? "PROVISIONED"
        guard mode == "PROVISIONED" || mode == "ON_DEMAND" else {
            throw KinesisError.constraint("streamModeDetails.streamMode", mode, "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]")
        }
        var count = try input.int("ShardCount")
        if mode == "ON_DEMAND" {
            count = count ?? Self.onDemandShards
        } else if count == nil {
            throw KinesisError.invalidArgument("ShardCount is required for a stream in PROVISIONED mode.")
        }
        let shardCount = count ?? Self.onDemandShards
        guard shardCount >= 1 else {
            throw KinesisError.constraint("shardCount", String(shardCount), "Member must have value greater than or equal to 1")
        }
        guard shardCount <= Self.maxShardsPerStream else {
            throw KinesisError.limitExceeded("This request would exceed the shard limit for the account \(context.account) in \(context.region). Current shard count for the account: 0. Limit: \(Self.maxShardsPerStream). Number of additional shards that would have resulted from this request: \(shardCount).")
        }
        let tags = try input.stringMap("Tags") ?? [:]
        try Self.validateTags(tags, existing: [:])
        guard try store.create(region: context.region, account: context.account, name: name, mode: mode, shardCount: shardCount,
                               retentionHours: Self.defaultRetentionHours, tags: tags, nowMs: now()) != nil else {
            throw KinesisError.resourceInUse("Stream \(name) under account \(context.account) already exists.")
        }
        return .object([:])
    }

    func deleteStream(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        if try input.bool("EnforceConsumerDeletion") != true, try store.consumerCount(stream: stream.id, goneBeforeMs: consumersGoneBefore()) > 0 {
            throw KinesisError.resourceInUse("Stream \(stream.name) under account \(context.account) has registered consumers; delete them first or set EnforceConsumerDeletion.")
        }
        try store.delete(stream: stream.id)
        wakeups.signal(stream.id)
        return .object([:])
    }

    func modeDetails(_ stream: StreamRecord) -> JSONValue { .object(["StreamMode": .string(stream.mode)]) }

    func describeStream(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let limit = try input.int("Limit") ?? 100
        guard (1...10_000).contains(limit) else {
            throw KinesisError.constraint("limit", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10000")
        }
        var shards = try visibleShards(stream)
        if let start = try input.string("ExclusiveStartShardId") {
            let after = ShardInfo.index(of: start) ?? -1
            shards = shards.filter { $0.index > after }
        }
        let page = Array(shards.prefix(limit))
        var description: [String: JSONValue] = [
            "StreamName": .string(stream.name), "StreamARN": .string(stream.arn), "StreamStatus": .string(status(stream)),
            "StreamModeDetails": modeDetails(stream), "Shards": .array(page.map(Self.shardJSON)),
            "HasMoreShards": .bool(shards.count > page.count), "RetentionPeriodHours": .number(Double(stream.retentionHours)),
            "StreamCreationTimestamp": Self.seconds(stream.createdMs),
            "EnhancedMonitoring": enhancedMonitoringJSON(stream),
            "EncryptionType": .string(stream.encryptionType),
        ]
        if let key = stream.keyID { description["KeyId"] = .string(key) }
        return .object(["StreamDescription": .object(description)])
    }

    func describeStreamSummary(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let open = try store.shards(stream: stream.id).filter(\.isOpen).count
        var summary: [String: JSONValue] = [
            "StreamName": .string(stream.name), "StreamARN": .string(stream.arn), "StreamStatus": .string(status(stream)),
            "StreamModeDetails": modeDetails(stream), "RetentionPeriodHours": .number(Double(stream.retentionHours)),
            "StreamCreationTimestamp": Self.seconds(stream.createdMs),
            "EnhancedMonitoring": enhancedMonitoringJSON(stream),
            "EncryptionType": .string(stream.encryptionType), "OpenShardCount": .number(Double(open)),
            "ConsumerCount": .number(Double(try store.consumerCount(stream: stream.id, goneBeforeMs: consumersGoneBefore()))),
        ]
        if let key = stream.keyID { summary["KeyId"] = .string(key) }
        return .object(["StreamDescriptionSummary": .object(summary)])
    }

    func describeLimits(_ context: KinesisRequestContext) throws -> JSONValue {
        let streams = try store.streams(region: context.region, account: context.account, after: nil, limit: 100_000)
        let open = try streams.reduce(0) { $0 + (try store.shards(stream: $1.id).filter(\.isOpen).count) }
        let onDemand = streams.filter { $0.mode == "ON_DEMAND" }.count
        return .object(["ShardLimit": .number(Double(Self.maxShardsPerStream)), "OpenShardCount": .number(Double(open)),
                        "OnDemandStreamCount": .number(Double(onDemand)), "OnDemandStreamCountLimit": .number(50)])
    }

    /// Shards not yet dropped by retention, in index order.
    func visibleShards(_ stream: StreamRecord) throws -> [ShardInfo] {
        let cutoff = trimCutoff(stream)
        return try store.shards(stream: stream.id).filter { $0.closedMs.map { $0 >= cutoff } ?? true }
    }

    static func shardJSON(_ shard: ShardInfo) -> JSONValue {
        var range: [String: JSONValue] = ["StartingSequenceNumber": .string(shard.startingSequence.description)]
        if let end = shard.endingSequence { range["EndingSequenceNumber"] = .string(end.description) }
        var out: [String: JSONValue] = [
            "ShardId": .string(shard.shardID),
            "HashKeyRange": .object(["StartingHashKey": .string(String(shard.startingHash)), "EndingHashKey": .string(String(shard.endingHash))]),
            "SequenceNumberRange": .object(range),
        ]
        if let parent = shard.parent { out["ParentShardId"] = .string(ShardInfo.shardID(parent)) }
        if let adjacent = shard.adjacentParent { out["AdjacentParentShardId"] = .string(ShardInfo.shardID(adjacent)) }
        return .object(out)
    }

    // MARK: Listing

    func listStreams(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let limit = try input.int("Limit") ?? 100
        guard (1...10_000).contains(limit) else {
            throw KinesisError.constraint("limit", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10000")
        }
        var after = try input.string("ExclusiveStartStreamName")
        if let token = try input.string("NextToken") {
            guard let data = Data(base64Encoded: token), let name = String(data: data, encoding: .utf8), name.hasPrefix("streams:") else {
                throw KinesisError.invalidArgument("NextToken \(token) is not valid.")
            }
            after = String(name.dropFirst("streams:".count))
        }
        // AWS answers at most 100 names whatever the Limit.
        let pageSize = min(limit, 100)
        let streams = try store.streams(region: context.region, account: context.account, after: after, limit: pageSize + 1)
        let page = Array(streams.prefix(pageSize))
        let more = streams.count > pageSize
        var out: [String: JSONValue] = [
            "StreamNames": .array(page.map { .string($0.name) }), "HasMoreStreams": .bool(more),
            "StreamSummaries": .array(page.map { stream in
                .object(["StreamName": .string(stream.name), "StreamARN": .string(stream.arn), "StreamStatus": .string(status(stream)),
                         "StreamModeDetails": modeDetails(stream), "StreamCreationTimestamp": Self.seconds(stream.createdMs)])
            }),
        ]
        if more, let last = page.last { out["NextToken"] = .string(Data("streams:\(last.name)".utf8).base64EncodedString()) }
        return .object(out)
    }

    /// A ListShards NextToken: the stream, the last shard answered, the filter and when it was issued.
    struct ShardsToken: Codable {
        var arn: String
        var after: Int
        var filter: String?
        var filterShard: Int?
        var filterMs: Int64?
        var issuedMs: Int64
    }

    func listShards(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let limit = try input.int("MaxResults") ?? 1000
        guard (1...10_000).contains(limit) else {
            throw KinesisError.constraint("maxResults", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10000")
        }
        var token: ShardsToken
        let stream: StreamRecord
        if let text = try input.string("NextToken") {
            guard let data = Data(base64Encoded: text), let decoded = try? JSONDecoder().decode(ShardsToken.self, from: data) else {
                throw KinesisError.invalidArgument("NextToken \(text) is not valid.")
            }
            guard now() - decoded.issuedMs <= 300_000 else {
                throw KinesisError.expiredNextToken("The timestamp of the NextToken \(text) has expired.")
            }
            token = decoded
            stream = try self.stream(KinesisInput(.object(["StreamARN": .string(decoded.arn)])), context)
            // AWS refuses StreamName beside NextToken; one naming the token's own stream is
            // accepted (clients written against emulators send both).
            if input.has("StreamName") || input.has("StreamARN") {
                let named = try? self.stream(input, context)
                guard named?.id == stream.id else {
                    throw KinesisError.invalidArgument("NextToken and StreamName cannot be provided together.")
                }
            }
        } else {
            stream = try self.stream(input, context)
            let filter = try input.object("ShardFilter")
            token = ShardsToken(arn: stream.arn, after: -1, filter: try filter?.required("Type"), filterShard: nil, filterMs: nil, issuedMs: now())
            if let start = try input.string("ExclusiveStartShardId") { token.after = ShardInfo.index(of: start) ?? -1 }
            if let filter {
                switch token.filter {
                case "AFTER_SHARD_ID":
                    guard let id = try filter.string("ShardId"), let index = ShardInfo.index(of: id) else {
                        throw KinesisError.invalidArgument("ShardFilter of type AFTER_SHARD_ID needs a ShardId.")
                    }
                    token.filterShard = index
                case "AT_TIMESTAMP", "FROM_TIMESTAMP":
                    guard let ms = try filter.timestampMs("Timestamp") else {
                        throw KinesisError.invalidArgument("ShardFilter of type \(token.filter!) needs a Timestamp.")
                    }
                    token.filterMs = ms
                case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST": break
                default:
                    throw KinesisError.constraint("shardFilter.type", token.filter ?? "", "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]")
                }
            }
        }
        let all = try visibleShards(stream)
        let present = Set(all.map(\.index))
        let filtered = all.filter { shard in
            guard shard.index > token.after else { return false }
            switch token.filter {
            case "AFTER_SHARD_ID": return shard.index > (token.filterShard ?? -1)
            case "AT_LATEST": return shard.isOpen
            // The shards open at the trim horizon: those whose parents are gone.
            case "AT_TRIM_HORIZON":
                return !(shard.parent.map { present.contains($0) } ?? false) && !(shard.adjacentParent.map { present.contains($0) } ?? false)
            case "AT_TIMESTAMP":
                let ms = token.filterMs ?? 0
                return (shard.createdMs <= ms || shard.parent == nil) && (shard.closedMs.map { $0 > ms } ?? true)
            case "FROM_TIMESTAMP": return shard.closedMs.map { $0 >= (token.filterMs ?? 0) } ?? true
            default: return true
            }
        }
        let page = Array(filtered.prefix(limit))
        var out: [String: JSONValue] = ["Shards": .array(page.map(Self.shardJSON))]
        if filtered.count > limit, let last = page.last {
            var next = token
            next.after = last.index
            next.issuedMs = now()
            out["NextToken"] = .string((try JSONEncoder().encode(next)).base64EncodedString())
        }
        return .object(out)
    }

    // MARK: Settings

    func changeRetention(_ input: KinesisInput, _ context: KinesisRequestContext, increase: Bool) throws -> JSONValue {
        let stream = try stream(input, context)
        guard let hours = try input.int("RetentionPeriodHours") else {
            throw KinesisError.validation("1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null")
        }
        if hours < Self.defaultRetentionHours {
            throw KinesisError.invalidArgument("Minimum allowed retention period is 24 hours. Requested retention period (\(hours) hours) is too short.")
        }
        if hours > Self.maxRetentionHours {
            throw KinesisError.invalidArgument("Maximum allowed retention period is 8760 hours. Requested retention period (\(hours) hours) is too long.")
        }
        if increase, hours < stream.retentionHours {
            throw KinesisError.invalidArgument("Requested retention period (\(hours) hours) for stream \(stream.name) can not be shorter than existing retention period (\(stream.retentionHours) hours). Use DecreaseRetentionPeriod API.")
        }
        if !increase, hours > stream.retentionHours {
            throw KinesisError.invalidArgument("Requested retention period (\(hours) hours) for stream \(stream.name) can not be longer than existing retention period (\(stream.retentionHours) hours). Use IncreaseRetentionPeriod API.")
        }
        try store.update(stream: stream.id) { $0.retentionHours = hours }
        if !increase {
            // Records past the shorter period are gone now, not at the next sweep.
            var updated = stream
            updated.retentionHours = hours
            try store.trim(stream: stream.id, cutoffMs: trimCutoff(updated))
        }
        return .object([:])
    }

    func setEncryption(_ input: KinesisInput, _ context: KinesisRequestContext, start: Bool) throws -> JSONValue {
        let stream = try stream(input, context)
        let type = try input.required("EncryptionType")
        let key = try input.required("KeyId")
        guard type == "KMS" || type == "NONE" else {
            throw KinesisError.constraint("encryptionType", type, "Member must satisfy enum value set: [KMS, NONE]")
        }
        guard !key.isEmpty, key.count <= 2048 else {
            throw KinesisError.constraint("keyId", key, "Member must have length between 1 and 2048")
        }
        if start, type != "KMS" {
            throw KinesisError.invalidArgument("Encryption type \(type) is not valid for StartStreamEncryption: use KMS.")
        }
        try store.update(stream: stream.id) { s in
            s.encryptionType = start ? "KMS" : "NONE"
            s.keyID = start ? key : nil
        }
        return .object([:])
    }

    func updateStreamMode(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context, arnMember: "StreamARN")
        let mode = try input.object("StreamModeDetails").map { try $0.required("StreamMode") } ?? ""
        guard mode == "PROVISIONED" || mode == "ON_DEMAND" else {
            throw KinesisError.constraint("streamModeDetails.streamMode", mode, "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]")
        }
        try store.update(stream: stream.id) { $0.mode = mode }
        return .object([:])
    }

    static let shardLevelMetrics: Set<String> = ["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                                                 "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                                                 "IteratorAgeMilliseconds", "ALL"]

    /// Enable/DisableEnhancedMonitoring: the metric names are stored and answered (Petrel
    /// publishes no shard-level metrics).
    func enhancedMonitoring(_ input: KinesisInput, _ context: KinesisRequestContext, operation: String) throws -> JSONValue {
        let stream = try stream(input, context)
        guard let metrics = try input.strings("ShardLevelMetrics"), !metrics.isEmpty else {
            throw KinesisError.validation("1 validation error detected: Value null at 'shardLevelMetrics' failed to satisfy constraint: Member must not be null")
        }
        for metric in metrics where !Self.shardLevelMetrics.contains(metric) {
            throw KinesisError.constraint("shardLevelMetrics", metric, "Member must satisfy enum value set: \(Self.shardLevelMetrics.sorted())")
        }
        var desired = stream.shardMetrics
        if operation.hasPrefix("Enable") {
            for metric in metrics where !desired.contains(metric) { desired.append(metric) }
        } else {
            desired = metrics.contains("ALL") ? [] : desired.filter { !metrics.contains($0) }
        }
        try store.update(stream: stream.id) { $0.shardMetrics = desired }
        return .object(["StreamName": .string(stream.name), "StreamARN": .string(stream.arn),
                        "CurrentShardLevelMetrics": .array(stream.shardMetrics.map { .string($0) }),
                        "DesiredShardLevelMetrics": .array(desired.map { .string($0) })])
    }

    func enhancedMonitoringJSON(_ stream: StreamRecord) -> JSONValue {
        .array([.object(["ShardLevelMetrics": .array(stream.shardMetrics.map { .string($0) })])])
    }

    // MARK: Tags

    static func validateTags(_ tags: [String: String], existing: [String: String]) throws {
        for (key, value) in tags {
            guard (1...128).contains(key.count) else { throw KinesisError.invalidArgument("Tag key \(key) must be 1 to 128 characters long.") }
            guard value.count <= 256 else { throw KinesisError.invalidArgument("Tag value of \(key) must be at most 256 characters long.") }
        }
        guard existing.merging(tags, uniquingKeysWith: { $1 }).count <= maxTagsPerStream else {
            throw KinesisError.limitExceeded("A stream can have at most \(maxTagsPerStream) tags.")
        }
    }

    /// The stream a tagging request names: by StreamName/StreamARN, or (TagResource and friends) by ResourceARN.
    func taggedStream(_ input: KinesisInput, _ context: KinesisRequestContext, resource: Bool) throws -> StreamRecord {
        guard resource else { return try stream(input, context) }
        let arn = try input.required("ResourceARN")
        guard KinesisService.parseARN(arn) != nil else {
            throw KinesisError.constraint("resourceARN", arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+")
        }
        return try stream(KinesisInput(.object(["StreamARN": .string(arn)])), context)
    }

    func addTags(_ input: KinesisInput, _ context: KinesisRequestContext, resource: Bool) throws -> JSONValue {
        let stream = try taggedStream(input, context, resource: resource)
        guard let tags = try input.stringMap("Tags"), !tags.isEmpty else {
            throw KinesisError.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
        }
        try Self.validateTags(tags, existing: stream.tags)
        try store.update(stream: stream.id) { $0.tags.merge(tags) { $1 } }
        return .object([:])
    }

    func removeTags(_ input: KinesisInput, _ context: KinesisRequestContext, resource: Bool) throws -> JSONValue {
        let stream = try taggedStream(input, context, resource: resource)
        guard let keys = try input.strings("TagKeys"), !keys.isEmpty else {
            throw KinesisError.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
        }
        try store.update(stream: stream.id) { s in for key in keys { s.tags[key] = nil } }
        return .object([:])
    }

    static func tagList(_ tags: [(String, String)]) -> JSONValue {
        .array(tags.map { .object(["Key": .string($0.0), "Value": .string($0.1)]) })
    }

    func listTagsForStream(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let limit = try input.int("Limit") ?? 50
        guard (1...50).contains(limit) else {
            throw KinesisError.constraint("limit", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 50")
        }
        var sorted = stream.tags.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let start = try input.string("ExclusiveStartTagKey") { sorted = sorted.filter { $0.0 > start } }
        return .object(["Tags": Self.tagList(Array(sorted.prefix(limit))), "HasMoreTags": .bool(sorted.count > limit)])
    }

    func listTagsForResource(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try taggedStream(input, context, resource: true)
        return .object(["Tags": Self.tagList(stream.tags.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })])
    }
}
