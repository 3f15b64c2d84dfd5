import Foundation
import Logging
import PetrelCore
import PetrelLogs
@testable import PetrelEvents
import PetrelStore
import Synchronization
import Testing

/// A one-shard source held in memory: records can be added and trimmed while a consumer reads.
final class FakeShardSource: ShardedSource, Sendable {
    let arn = "arn:aws:dynamodb:us-east-1:1:table/t/stream/s"
    let kind = ShardedSourceKind.dynamodb
    private let state = Mutex<(records: [SourceRecord], trimmedThrough: Int, reads: Int)>(([], 0, 0))

    func add(_ new: [SourceRecord]) { state.withLock { $0.records += new } }
    func trim(through position: Int) {
        state.withLock { s in
            s.trimmedThrough = position
            s.records.removeAll { Int($0.position)! <= position }
        }
    }
    var reads: Int { state.withLock { $0.reads } }

    func shards() throws(EventSourceError) -> [ShardDescription] { [ShardDescription(id: "shard-0")] }

    func read(shard: String, after position: String?, limit: Int) throws(EventSourceError) -> [SourceRecord] {
        let result: Result<[SourceRecord], EventSourceError> = state.withLock { s in
            s.reads += 1
            if let position, Int(position)! < s.trimmedThrough { return .failure(.trimmed) }
            return .success(Array(s.records.filter { position == nil || $0.position > position! }.prefix(limit)))
        }
        return try result.get()
    }

    func waitForChange(shard: String, after position: String?) async {
        while !Task.isCancelled {
            let changed = state.withLock { s in s.records.contains { position == nil || $0.position > position! } }
            if changed { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func position(_ start: StartingPosition, shard: String) throws(EventSourceError) -> String? { nil }
}

@Suite struct ShardConsumerTests {
    func consumer(_ source: FakeShardSource, _ function: FakeFunction, configure: (inout EventSourceMapping) -> Void = { _ in },
                  partition: Int = 0, initial: String? = nil) throws -> (ShardConsumer, MappingStore, EventSourceMapping) {
        let store = MappingStore(store: try Store.temporary(migrations: [EventSourceMappings.registerMigrations]))
        var mapping = EventSourceMapping(uuid: UUID().uuidString, functionName: "f", eventSourceArn: source.arn,
                                         startingPosition: "TRIM_HORIZON", lastModified: 0, region: "us-east-1")
        configure(&mapping)
        try store.insert(mapping, initialPosition: initial)
        var d = BatchDelivery(settings: mapping, sourceArn: source.arn, functionArn: "arn:f", kind: .dynamodb, invoker: function,
                              logger: Logger(label: "test"), report: { _, _ in }, discard: { _ in })
        d.pause = { (_: Duration) in }
        return (ShardConsumer(mapping: mapping, partition: partition, source: source, store: store, delivery: d, logger: Logger(label: "test")),
                store, mapping)
    }

    /// Runs the consumer until `done` holds (or 10 s pass), then stops it.
    func run(_ consumer: ShardConsumer, until done: @escaping @Sendable () -> Bool) async {
        let task = Task { await consumer.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while !done(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        await task.value
    }

    @Test func aTrimmedCheckpointGoesOnFromTheOldestRetainedRecordWithoutSpinning() async throws {
        let source = FakeShardSource()
        source.add(records(Array(0..<6)))
        source.trim(through: 4)  // records 1…4 expired; the checkpoint (2) is behind the horizon
        let function = FakeFunction { _, _ in .success(ok) }
        let (c, store, mapping) = try consumer(source, function, initial: String(format: "%021d", 2))
        await run(c) { function.batches.flatMap { $0 } == [4, 5] }
        #expect(function.batches == [[4, 5]])
        #expect(try store.checkpoint(mapping.uuid, partition: 0) == String(format: "%021d", 6))
        #expect(source.reads < 50)  // one trimmed read, one read, then waiting: no spin
    }

    @Test func aShortBatchWaitsItsWindowWhileOtherPartitionsRecordsArrive() async throws {
        let source = FakeShardSource()
        let all = records(Array(0..<20))
        let mine = all.filter { DeliveryPolicy.partition(ofKeys: $0.partitionKey, partitions: 2) == 0 }
        source.add(all)
        let function = FakeFunction { _, _ in .success(ok) }
        let (c, _, _) = try consumer(source, function) { $0.parallelizationFactor = 2; $0.maximumBatchingWindowInSeconds = 1 }
        let started = ContinuousClock.now
        await run(c) { function.batches.flatMap { $0 }.count == mine.count }
        // One batch, delivered when the window closed, not at once and not piecemeal.
        #expect(function.batches.count == 1)
        #expect(ContinuousClock.now - started >= .milliseconds(900))
        #expect(source.reads < 400)
    }

    @Test func theCheckpointMovesOnlyPastDeliveredRecords() async throws {
        let source = FakeShardSource()
        source.add(records(Array(0..<4)))
        let function = FakeFunction { call, _ in call == 1 ? .success(ok) : .failure(.throttled("busy")) }
        let (c, store, mapping) = try consumer(source, function) { $0.batchSize = 2 }
        await run(c) { function.batches.count >= 3 }
        // The first batch is done; the second was never run: the checkpoint stays after record 2.
        #expect(try store.checkpoint(mapping.uuid, partition: 0) == String(format: "%021d", 2))
    }
}

/// A kill -9 right after a batch is done: no periodic log writer ran, so whatever the engine
/// did not write itself is lost. The function's log lines of every record behind the saved
/// checkpoint must already be stored (the e2e kill -9 test lost d1:2 and d3:2 this way: the
/// checkpoint had moved past them while their GOT lines were still in the log buffer).
@Suite struct CheckpointAfterLogsTests {
    @Test func everyRecordBehindTheCheckpointHasItsLogLinesStored() async throws {
        let store = try Store.temporary(migrations: [EventSourceMappings.registerMigrations, LogStore.registerMigrations])
        let logs = LogStore(store: store)
        let mappings = MappingStore(store: store)
        let source = FakeShardSource()
        source.add(records(Array(0..<6)))
        // As the invoker does: the invocation's output is appended to the buffered writer
        // before the invoke returns.
        let function = FakeFunction { _, event in
            logs.append(group: "/aws/lambda/f", stream: "s", events: values(event).map { LogEvent(timestamp: 0, message: "GOT \($0)") })
            return .success(ok)
        }
        let mapping = EventSourceMapping(uuid: UUID().uuidString, functionName: "f", eventSourceArn: source.arn, batchSize: 2,
                                         startingPosition: "TRIM_HORIZON", lastModified: 0, region: "us-east-1")
        try mappings.insert(mapping, initialPosition: nil)
        var d = BatchDelivery(settings: mapping, sourceArn: source.arn, functionArn: "arn:f", kind: .dynamodb, invoker: function,
                              logger: Logger(label: "test"), report: { _, _ in }, discard: { _ in })
        d.beforeCheckpoint = EventSourceMappings.logSettler(logs, logger: Logger(label: "test"))
        let consumer = ShardConsumer(mapping: mapping, partition: 0, source: source, store: mappings, delivery: d, logger: Logger(label: "test"))
        let task = Task { await consumer.run() }
        let last = String(format: "%021d", 6)
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? mappings.checkpoint(mapping.uuid, partition: 0)) != last, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        await task.value
        // Read the table directly: LogStore's own reads would flush the buffer first.
        let stored = try await store.database.read { db in
            try db.fetchAll(String.self, sql: "SELECT message FROM log_events ORDER BY id")
        }
        #expect(try mappings.checkpoint(mapping.uuid, partition: 0) == last)
        #expect(stored == (0..<6).map { "GOT \($0)" })
    }
}
