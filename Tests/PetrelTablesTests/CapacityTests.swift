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

    /// (spends at times, admitted at the end?, balance at the end) for a 1 unit/s bucket made at t=0.
    @Test(arguments: [
        ([(Double, Double)](), 10.0, true, 300.0),                // fresh: a full 300 s bank, never above it
        ([(0, 300)], 0, false, 0),                                // bank spent: throttled
        ([(0, 300)], 1, true, 1),                                 // one second refills one unit
        ([(0, 325)], 10, false, -15),                             // a big request runs into debt
        ([(0, 325)], 26, true, 1),                                // ... paid back by refill
        ([(0, 300), (100, 50)], 100, true, 50),                   // spend at 100 s after refilling 100
        ([(0, 300)], 1000, true, 300),                            // refill stops at the burst window
    ])
    func bucket(spends: [(Double, Double)], at time: Double, admitted: Bool, balance: Double) {
        var bucket = CapacityBucket(unitsPerSecond: 1, now: 0)
        for (t, units) in spends { bucket.spend(units, now: t) }
        #expect(bucket.admits(now: time) == admitted)
        #expect(bucket.balance == balance)
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
