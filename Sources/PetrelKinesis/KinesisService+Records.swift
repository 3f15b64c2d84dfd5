import Foundation
import PetrelCore

extension KinesisService {
    static let maxRecordBytes = 1_048_576
    static let maxPutRecordsBytes = 5 * 1_048_576
    static let maxPutRecordsEntries = 500
    static let maxGetRecords = 10_000
    static let maxGetRecordsBytes = 10 * 1_048_576

    /// One record of a put, checked: its shard is chosen from its hash key.
    struct Entry {
        var partitionKey: String
        var data: Data
        var hash: UInt128
    }

    static func entry(_ input: KinesisInput, position: String, checkSize: Bool = true) throws -> Entry {
        let prefix = position.isEmpty ? "" : position + "."
        guard let data = try input.blob("Data") else {
            throw KinesisError.validation("1 validation error detected: Value null at '\(prefix)data' failed to satisfy constraint: Member must not be null")
        }
        guard let key = try input.string("PartitionKey") else {
            throw KinesisError.validation("1 validation error detected: Value null at '\(prefix)partitionKey' failed to satisfy constraint: Member must not be null")
        }
        if checkSize { try checkRecordSize(data: data, key: key, prefix: prefix) }
        guard (1...256).contains(key.count) else {
            throw KinesisError.constraint("\(prefix)partitionKey", key, key.isEmpty ? "Member must have length greater than or equal to 1" : "Member must have length less than or equal to 256")
        }
        var hash = HashKeys.hashKey(partitionKey: key)
        if let explicit = try input.string("ExplicitHashKey") {
            guard let value = HashKeys.parse(explicit) else {
                throw KinesisError.invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was \(explicit)")
            }
            hash = value
        }
        return Entry(partitionKey: key, data: data, hash: hash)
    }

    /// AWS counts the partition key into the record's 1 MiB.
    static func checkRecordSize(data: Data, key: String, prefix: String) throws {
        guard data.count + key.utf8.count <= maxRecordBytes else {
            throw KinesisError.validation("1 validation error detected: Value at '\(prefix)data' failed to satisfy constraint: Member must have length less than or equal to \(maxRecordBytes)")
        }
    }

    func putRecord(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let entry = try Self.entry(input, position: "")
        if let ordering = try input.string("SequenceNumberForOrdering"), !SequenceNumber.isWellFormed(ordering) {
            throw KinesisError.constraint("sequenceNumberForOrdering", ordering, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")
        }
        let results = try append(stream, [entry], context)
        guard case .success(let sequence) = results[0] else {
            if case .failure(let error) = results[0] { throw error }
            throw KinesisError.throughputExceeded("Rate exceeded.")
        }
        return .object(["ShardId": .string(ShardInfo.shardID(sequence.shardIndex)), "SequenceNumber": .string(sequence.description),
                        "EncryptionType": .string(stream.encryptionType)])
    }

    func putRecords(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        guard let list = try input.list("Records") else {
            throw KinesisError.validation("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null")
        }
        guard !list.isEmpty else {
            throw KinesisError.validation("1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
        }
        guard list.count <= Self.maxPutRecordsEntries else {
            throw KinesisError.validation("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to \(Self.maxPutRecordsEntries)")
        }
        let entries = try list.enumerated().map { try Self.entry($1, position: "records.\($0 + 1).member", checkSize: false) }
        let total = entries.reduce(0) { $0 + $1.data.count + $1.partitionKey.utf8.count }
        guard total <= Self.maxPutRecordsBytes else { throw KinesisError.invalidArgument("Records size exceeds 5 MB limit") }
        for (i, entry) in entries.enumerated() {
            try Self.checkRecordSize(data: entry.data, key: entry.partitionKey, prefix: "records.\(i + 1).member.")
        }
        let results = try append(stream, entries, context)
        var failed = 0
        let records: [JSONValue] = results.map { result in
            switch result {
            case .success(let sequence):
                return .object(["ShardId": .string(ShardInfo.shardID(sequence.shardIndex)), "SequenceNumber": .string(sequence.description)])
            case .failure(let error):
                failed += 1
                return .object(["ErrorCode": .string(error.code), "ErrorMessage": .string(error.message)])
            }
        }
        return .object(["FailedRecordCount": .number(Double(failed)), "Records": .array(records), "EncryptionType": .string(stream.encryptionType)])
    }

    /// Routes each entry to its open shard, takes it from the shard's throughput allowance
    /// (a throttled entry fails alone, as in AWS's PutRecords), commits the admitted ones in one
    /// transaction and wakes the stream's readers.
    func append(_ stream: StreamRecord, _ entries: [Entry], _ context: KinesisRequestContext) throws -> [Result<SequenceNumber, AWSError>] {
        let nowMs = now()
        let map = ShardMap(shards: try store.shards(stream: stream.id), nextIndex: stream.nextShardIndex, lastCounter: stream.lastCounter)
        var results = [Result<SequenceNumber, AWSError>?](repeating: nil, count: entries.count)
        var admitted: [(position: Int, record: NewRecord)] = []
        for (i, entry) in entries.enumerated() {
            guard let shard = map.openShard(for: entry.hash) else {
                results[i] = .failure(KinesisError.make("InternalFailureException", "No open shard holds hash key \(entry.hash).", status: 500))
                continue
            }
            if throttle.admit(stream: stream.id, shard: shard.index, bytes: entry.data.count, nowMs: nowMs) {
                admitted.append((i, NewRecord(shardIndex: shard.index, partitionKey: entry.partitionKey, data: entry.data)))
            } else {
                results[i] = .failure(KinesisError.throughputExceeded("Rate exceeded for shard \(shard.shardID) in stream \(stream.name) under account \(context.account)."))
            }
        }
        if !admitted.isEmpty {
            let sequences: [SequenceNumber?]
            do {
                sequences = try store.append(stream: stream.id, admitted.map(\.record), route: { i, current in
                    current.openShard(for: entries[admitted[i].position].hash)?.index
                }, nowMs: nowMs)
            } catch is KinesisStore.Gone {
                throw KinesisError.streamNotFound(stream.name, account: context.account)
            }
            for (j, sequence) in sequences.enumerated() {
                let position = admitted[j].position
                results[position] = sequence.map { .success($0) }
                    ?? .failure(KinesisError.make("InternalFailureException", "The record's shard was closed meanwhile; send it again.", status: 500))
            }
            wakeups.signal(stream.id)
        }
        return results.map { $0 ?? .failure(KinesisError.make("InternalFailureException", "Not written.", status: 500)) }
    }

    // MARK: Reading

    func getShardIterator(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let stream = try stream(input, context)
        let shardID = try input.required("ShardId")
        let type = try input.required("ShardIteratorType")
        guard let index = ShardInfo.index(of: shardID), let shard = try visibleShards(stream).first(where: { $0.index == index }) else {
            throw KinesisError.shardDoesNotExist(shardID, stream: stream.name, account: stream.account)
        }
        let after = try startAfter(stream, shard: shard, type: type, sequenceNumber: try input.string("StartingSequenceNumber"),
                                   timestampMs: try input.timestampMs("Timestamp"), shardID: shardID)
        let token = ShardIteratorToken(streamID: stream.id, streamCreatedMs: stream.createdMs, shardIndex: index,
                                       afterCounter: after, issuedMs: now(), streamName: stream.name)
        return .object(["ShardIterator": .string(token.encoded)])
    }

    /// Where a reader of `shard` starts, for GetShardIterator's and SubscribeToShard's
    /// starting-position types: the counter after which it reads.
    func startAfter(_ stream: StreamRecord, shard: ShardInfo, type: String, sequenceNumber: String?, timestampMs: Int64?,
                    shardID: String) throws -> Int64 {
        let index = shard.index
        let newest = try shard.endingCounter ?? store.stream(id: stream.id)?.lastCounter ?? stream.lastCounter
        let after: Int64
        switch type {
        case "TRIM_HORIZON":
            after = shard.startingCounter
        case "LATEST":
            after = newest
        case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
            guard let text = sequenceNumber else {
                throw KinesisError.invalidArgument("The StartingSequenceNumber parameter is required for ShardIteratorType \(type).")
            }
            guard let sequence = SequenceNumber(text), sequence.shardIndex == index else {
                throw KinesisError.invalidArgument("Invalid StartingSequenceNumber. It encodes \(SequenceNumber.isWellFormed(text) ? "a different shard" : "nothing Kinesis issued"), while it was used in a call to a shard with \(shardID)")
            }
            after = type == "AT_SEQUENCE_NUMBER" ? sequence.counter - 1 : sequence.counter
        case "AT_TIMESTAMP":
            guard let ms = timestampMs else {
                throw KinesisError.invalidArgument("The timestampInMillis parameter cannot be null for ShardIteratorType AT_TIMESTAMP.")
            }
            // Before the first record arrived at or after it; none has: from the newest on.
            after = try store.counter(stream: stream.id, shard: index, arrivedAtOrAfter: ms) ?? newest
        default:
            throw KinesisError.invalidArgument("Invalid ShardIteratorType: \(type)")
        }
        return max(after, shard.startingCounter)
    }

    func getRecords(_ input: KinesisInput, _ context: KinesisRequestContext) throws -> JSONValue {
        let text = try input.required("ShardIterator")
        let limit = try input.int("Limit") ?? Self.maxGetRecords
        guard (1...Self.maxGetRecords).contains(limit) else {
            throw KinesisError.constraint("limit", String(limit), limit < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10000")
        }
        guard let token = ShardIteratorToken(text) else {
            throw KinesisError.invalidArgument("Invalid ShardIterator.")
        }
        let nowMs = now()
        if token.isExpired(now: nowMs) {
            throw KinesisError.expiredIterator("Iterator expired. The iterator was created at time \(Self.httpDate(token.issuedMs)) while right now it is \(Self.httpDate(nowMs)) which is further in the future than the tolerated delay of \(ShardIteratorToken.lifetimeMs) milliseconds.")
        }
        guard let stream = try store.stream(id: token.streamID), stream.createdMs == token.streamCreatedMs,
              stream.region == context.region, stream.account == context.account else {
            throw KinesisError.make("ResourceNotFoundException", "The stream of this shard iterator does not exist (any more).")
        }
        let read = try readShard(stream, shard: token.shardIndex, after: token.afterCounter, limit: limit,
                                 maxBytes: Self.maxGetRecordsBytes, nowMs: nowMs)
        var out: [String: JSONValue] = [
            "Records": .array(read.records.map { Self.recordJSON($0, stream: stream) }),
            "MillisBehindLatest": .number(Double(read.millisBehindLatest)),
        ]
        if read.shardEnded {
            out["ChildShards"] = .array(read.children.map(Self.childShardJSON))
        } else {
            var next = token
            next.afterCounter = read.records.last?.counter ?? token.afterCounter
            next.issuedMs = nowMs
            out["NextShardIterator"] = .string(next.encoded)
        }
        return .object(out)
    }

    static func recordJSON(_ record: StoredRecord, stream: StreamRecord) -> JSONValue {
        var r: [String: JSONValue] = ["SequenceNumber": .string(record.sequenceNumber.description),
                                      "ApproximateArrivalTimestamp": seconds(record.arrivalMs),
                                      "Data": .string(record.data.base64EncodedString()), "PartitionKey": .string(record.partitionKey)]
        if stream.encryptionType == "KMS" { r["EncryptionType"] = .string("KMS") }
        return .object(r)
    }

    static func childShardJSON(_ child: ShardInfo) -> JSONValue {
        .object(["ShardId": .string(child.shardID),
                 "ParentShards": .array([child.parent, child.adjacentParent].compactMap { $0 }.map { .string(ShardInfo.shardID($0)) }),
                 "HashKeyRange": .object(["StartingHashKey": .string(String(child.startingHash)), "EndingHashKey": .string(String(child.endingHash))])])
    }

    static func httpDate(_ ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
