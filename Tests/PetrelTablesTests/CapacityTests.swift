import Foundation
import Synchronization
import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct CapacityTests {
    @Test(arguments: [
        (0, 1.0), (1, 1.0), (1024, 1.0), (1025, 2.0), (25 * 1024, 25.0), (400 * 1024, 400.0),
    ])
    func writeUnits(bytes: Int, units: Double) {
        #expect(CapacityUnits.write(bytes: bytes) == units)
        #expect(CapacityUnits.write(bytes: bytes, transactional: true) == units * 2)
    }

    @Test(arguments: [
        (0, true, 1.0), (0, false, 0.5), (4096, true, 1.0), (4097, true, 2.0), (4097, false, 1.0),
        (25 * 1024, true, 7.0), (25 * 1024, false, 3.5),
    ])
    func readUnits(bytes: Int, consistent: Bool, units: Double) {
        #expect(CapacityUnits.read(bytes: bytes, consistent: consistent) == units)
        #expect(CapacityUnits.read(bytes: bytes, consistent: consistent, transactional: true) == CapacityUnits.read(bytes: bytes, consistent: true) * 2)
    }

    /// Spends (time, units) on a 1 unit/s bucket made at t=0, then asks at `time`.
    struct BucketCase: Sendable, CustomTestStringConvertible {
        var spends: [Spend]
        var time: Double
        var admitted: Bool
        var balance: Double
        var why: String
        var testDescription: String { why }
    }
    struct Spend: Sendable { var at: Double; var units: Double }

    static let bucketCases: [BucketCase] = [
        BucketCase(spends: [], time: 10, admitted: true, balance: 300, why: "fresh: a full 300 s bank, never above it"),
        BucketCase(spends: [Spend(at: 0, units: 300)], time: 0, admitted: false, balance: 0, why: "bank spent: throttled"),
        BucketCase(spends: [Spend(at: 0, units: 300)], time: 1, admitted: true, balance: 1, why: "one second refills one unit"),
        BucketCase(spends: [Spend(at: 0, units: 325)], time: 10, admitted: false, balance: -15, why: "a big request runs into debt"),
        BucketCase(spends: [Spend(at: 0, units: 325)], time: 26, admitted: true, balance: 1, why: "debt paid back by refill"),
        BucketCase(spends: [Spend(at: 0, units: 300), Spend(at: 100, units: 50)], time: 100, admitted: true, balance: 50, why: "spend after refilling 100"),
        BucketCase(spends: [Spend(at: 0, units: 300)], time: 1000, admitted: true, balance: 300, why: "refill stops at the burst window"),
    ]

    @Test(arguments: bucketCases)
    func bucket(_ c: BucketCase) {
        var bucket = CapacityBucket(unitsPerSecond: 1, now: 0)
        for spend in c.spends { bucket.spend(spend.units, now: spend.at) }
        #expect(bucket.admits(now: c.time) == c.admitted)
        #expect(bucket.balance == c.balance)
    }

    static func table(billing: String, read: Int = 1, write: Int = 1, gsiWrite: Int? = nil) -> TableDefinition {
        let key = KeySchema(hash: KeyAttribute(name: "pk", type: "S"), range: nil)
        let index = gsiWrite.map {
            IndexDefinition(name: "g", key: key, projection: IndexProjection(type: "ALL"), throughput: ThroughputSetting(read: 1, write: $0), isLocal: false, createdAt: 0)
        }
        return TableDefinition(id: 7, name: "t", region: "us-east-1", arn: "arn", tableId: "x", createdAt: 0,
                               attributeDefinitions: [key.hash], key: key, billingMode: billing,
                               throughput: billing == "PROVISIONED" ? ThroughputSetting(read: read, write: write) : nil,
                               indexes: index.map { [$0] } ?? [], stream: nil, ttlAttribute: nil, ttlEnabled: false, tags: [:],
                               deletionProtection: false, tableClass: nil)
    }

    @Test func meterThrottlesProvisionedTablesOnly() {
        let clock = Mutex(0.0)
        let meter = CapacityMeter(now: { clock.withLock { $0 } })
        let provisioned = CapacityTests.table(billing: "PROVISIONED")
        let onDemand = CapacityTests.table(billing: "PAY_PER_REQUEST")
        meter.spendWrite(provisioned, units: 301)
        meter.spendWrite(onDemand, units: 100_000)
        #expect(!meter.admitsWrite(provisioned))
        #expect(meter.admitsRead(provisioned))            // reads have their own bucket
        #expect(meter.admitsWrite(onDemand))
        #expect(throws: CapacityMeter.exceeded) { try meter.checkWrite(provisioned) }
        clock.withLock { $0 = 2 }
        #expect(meter.admitsWrite(provisioned))
    }

    @Test func updatedCapacityStartsAFreshBucket() {
        let meter = CapacityMeter(now: { 0 })
        meter.spendWrite(CapacityTests.table(billing: "PROVISIONED", write: 1), units: 1000)
        #expect(!meter.admitsWrite(CapacityTests.table(billing: "PROVISIONED", write: 1)))
        #expect(meter.admitsWrite(CapacityTests.table(billing: "PROVISIONED", write: 5)))
    }

    @Test func globalIndexCapacityThrottlesTableWrites() {
        let meter = CapacityMeter(now: { 0 })
        let table = CapacityTests.table(billing: "PROVISIONED", write: 100, gsiWrite: 1)
        meter.spendWrite(table, units: 300)
        #expect(!meter.admitsWrite(table))                // the index's 300-unit bank is gone
        #expect(meter.admitsWrite(CapacityTests.table(billing: "PROVISIONED", write: 100)))
    }
}
