import Foundation
@testable import PetrelEvents
import Testing

/// Records `k<key>` with value `v` at positions 1…n, one second apart from `t0`.
func records(_ keys: [Int], values: [Int]? = nil, t0: Double = 1_000, size: Int? = nil) -> [SourceRecord] {
    keys.enumerated().map { i, key in
        let v = values?[i] ?? i
        return SourceRecord(position: String(format: "%021d", i + 1), partitionKey: Data("{\"id\":{\"S\":\"k\(key)\"}}".utf8),
                            payload: Data("{\"id\":\"k\(key)\",\"v\":\(v)}".utf8), created: Date(timeIntervalSince1970: t0 + Double(i)), size: size)
    }
}

@Suite struct BatchAssemblerTests {
    let now = Date(timeIntervalSince1970: 2_000)

    @Test func aFullBatchGoesAtOnceAndTheCheckpointStopsAtItsLastRecord() {
        let a = BatchAssembler.assemble(records([1, 2, 3, 4, 5]), after: nil, partition: 0, partitions: 1, filters: [],
                                        limits: BatchLimits(batchSize: 3, batchingWindowSeconds: 10), firstSeen: nil, now: now)
        #expect(a.batch.map(\.position) == records([1, 2, 3]).map(\.position))
        #expect(a.lastScanned == records([1, 2, 3]).last?.position)
        #expect(a.waitUntil == nil)
    }

    @Test func aShortBatchWaitsItsWindowEvenWhenTheReadHeldFilteredOutRecords() throws {
        let filter = try EventFilter(pattern: #"{"v":[{"numeric":[">=",2]}]}"#)
        let rs = records([1, 2, 3, 4])  // values 0, 1, 2, 3: the first two are filtered out
        let a = BatchAssembler.assemble(rs, after: nil, partition: 0, partitions: 1, filters: [filter],
                                        limits: BatchLimits(batchSize: 10, batchingWindowSeconds: 5), firstSeen: nil, now: now)
        #expect(a.batch.map(\.position) == [rs[2].position, rs[3].position])
        #expect(a.waitUntil == now.addingTimeInterval(5))
        // Once the window that began at firstSeen is over, the same read is delivered.
        let later = BatchAssembler.assemble(rs, after: nil, partition: 0, partitions: 1, filters: [filter],
                                            limits: BatchLimits(batchSize: 10, batchingWindowSeconds: 5), firstSeen: now,
                                            now: now.addingTimeInterval(5))
        #expect(later.waitUntil == nil && later.batch.count == 2 && later.lastScanned == rs[3].position)
    }

    @Test func aShortBatchWaitsItsWindowEvenWhenTheReadHeldOtherPartitionsRecords() {
        let rs = records(Array(0..<12))
        let mine = rs.filter { DeliveryPolicy.partition(ofKeys: $0.partitionKey, partitions: 3) == 1 }
        let a = BatchAssembler.assemble(rs, after: nil, partition: 1, partitions: 3, filters: [],
                                        limits: BatchLimits(batchSize: 100, batchingWindowSeconds: 2), firstSeen: nil, now: now)
        #expect(!mine.isEmpty && mine.count < rs.count)
        #expect(a.batch == mine)
        #expect(a.waitUntil != nil)
        #expect(a.lastScanned == rs.last?.position)
    }

    @Test func nothingOfOursMovesTheCheckpointPastEverythingScanned() throws {
        let filter = try EventFilter(pattern: #"{"v":[999]}"#)
        let rs = records([1, 2, 3])
        let a = BatchAssembler.assemble(rs, after: "000000000000000000000", partition: 0, partitions: 1, filters: [filter],
                                        limits: BatchLimits(batchSize: 10, batchingWindowSeconds: 5), firstSeen: nil, now: now)
        #expect(a.batch.isEmpty && a.waitUntil == nil && a.lastScanned == rs[2].position)
    }

    @Test func aReadThatHitItsLimitIsDeliveredWithoutWaiting() {
        let a = BatchAssembler.assemble(records([1, 2]), after: nil, partition: 0, partitions: 1, filters: [],
                                        limits: BatchLimits(batchSize: 10, batchingWindowSeconds: 5), readWasFull: true, firstSeen: nil, now: now)
        #expect(a.batch.count == 2 && a.waitUntil == nil)
    }

    @Test func theBatchStopsBeforeThePayloadLimit() {
        let a = BatchAssembler.assemble(records([1, 2, 3], size: 1000), after: nil, partition: 0, partitions: 1, filters: [],
                                        limits: BatchLimits(batchSize: 10, maxBytes: 2500), firstSeen: nil, now: now)
        #expect(a.batch.count == 2)
    }

    @Test func everyKeyStaysInOnePartitionAndInOrder() {
        // 6 keys × 5 rounds, as test_parallelization_keeps_order_per_item writes them.
        var keys: [Int] = [], values: [Int] = []
        for round in 0..<5 { for key in 0..<6 { keys.append(key); values.append(round) } }
        let rs = records(keys, values: values)
        var seen: [Int: [Int]] = [:]
        for partition in 0..<4 {
            var position: String?
            while true {
                let rest = rs.filter { position == nil || $0.position > position! }
                let a = BatchAssembler.assemble(rest, after: position, partition: partition, partitions: 4, filters: [],
                                                limits: BatchLimits(batchSize: 3), firstSeen: nil, now: now)
                for r in a.batch {
                    let object = try! JSONSerialization.jsonObject(with: r.payload) as! [String: Any]
                    let key = Int((object["id"] as! String).dropFirst())!
                    seen[key, default: []].append(object["v"] as! Int)
                }
                if a.lastScanned == position { break }
                position = a.lastScanned
            }
        }
        #expect(seen.count == 6)
        for (_, values) in seen { #expect(values == [0, 1, 2, 3, 4]) }
    }

    @Test func aTumblingWindowBatchNeverSpansTwoWindows() {
        // Created at 1000…1004: with 2-second windows, [1000,1001] [1002,1003] [1004].
        let rs = records([1, 2, 3, 4, 5])
        let a = BatchAssembler.assemble(rs, after: nil, partition: 0, partitions: 1, filters: [],
                                        limits: BatchLimits(batchSize: 10, tumblingWindowSeconds: 2), firstSeen: nil, now: now)
        #expect(a.batch.count == 2 && a.windowStart == 1000 && a.waitUntil == nil)
        let b = BatchAssembler.assemble(Array(rs.dropFirst(2)), after: a.lastScanned, partition: 0, partitions: 1, filters: [],
                                        limits: BatchLimits(batchSize: 10, tumblingWindowSeconds: 2), firstSeen: nil, now: now)
        #expect(b.batch.count == 2 && b.windowStart == 1002)
    }

    @Test func filtersSeeTheFilterDocumentWhenThereIsOne() throws {
        let filter = try EventFilter(pattern: #"{"data":{"kind":["a"]}}"#)
        var r = records([1])[0]
        r.filterDocument = Data(#"{"data":{"kind":"a"}}"#.utf8)
        #expect(BatchAssembler.passes(r, [filter]))
        r.filterDocument = nil
        #expect(!BatchAssembler.passes(r, [filter]))
    }
}
