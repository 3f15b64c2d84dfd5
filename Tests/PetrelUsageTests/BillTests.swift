import Foundation
import PetrelUsage
import Testing

@Suite struct BillTests {
    let prices = PriceTable.awsUSEast1

    func line(_ function: String = "f", arch: String = "x86_64", memory: Int = 128, kind: UsageKind = .onDemand,
              requests: Int, billed: Int, ephemeral: Int = 512) -> UsageLine {
        UsageLine(function: function, version: "$LATEST", architecture: arch, memoryMB: memory, ephemeralMB: ephemeral,
                  kind: kind, requests: requests, billedMilliseconds: billed)
    }

    @Test(arguments: [
        // (billed ms, MB, GB-s)
        (1_000, 1024, 1.0), (1, 128, 0.000125), (3_000, 512, 1.5), (0, 10_240, 0.0),
    ])
    func gbSecondsAreBilledMillisecondsTimesMemory(_ c: (Int, Int, Double)) {
        #expect(line(requests: 1, billed: c.0).with(memory: c.1).gbSeconds == c.2)
    }

    @Test func usageInsideTheFreeTierCostsNothing() {
        let bill = Bill.compute([line(memory: 1024, requests: 999_999, billed: 399_000_000)], prices: prices)
        #expect(bill.total == 0)
        #expect(abs(bill.freeTierCredit - (999_999 * 0.2 / 1e6 + 399_000 * 0.0000166667)) < 1e-9)
    }

    @Test func usagePastTheFreeTierPaysListPrice() {
        // 3M requests of 1 s at 1 GB: 2M requests and 2.6M GB-s past the free tier.
        let bill = Bill.compute([line(memory: 1024, requests: 3_000_000, billed: 3_000_000_000)], prices: prices)
        #expect(abs(bill.requestCost - 0.40) < 1e-9)
        #expect(abs(bill.durationCost - 2_600_000 * 0.0000166667) < 1e-6)
        #expect(abs(bill.total - (0.40 + 2_600_000 * 0.0000166667)) < 1e-6)
    }

    @Test func theFreeTierGoesToTheDearerArchitectureFirst() {
        let bill = Bill.compute([line(arch: "arm64", memory: 1024, requests: 0, billed: 400_000_000),
                                 line(arch: "x86_64", memory: 1024, requests: 0, billed: 400_000_000)], prices: prices)
        #expect(abs(bill.durationCost - 400_000 * 0.0000133334) < 1e-6)
    }

    @Test func tiersApplyAboveTheirThresholds() {
        let tiers = prices.architectures["x86_64"]!.durationTiers
        #expect(abs(Bill.tiered(6e9, tiers: tiers) - 6e9 * 0.0000166667) < 1e-3)
        #expect(abs(Bill.tiered(16e9, tiers: tiers) - (6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334)) < 1e-3)
        #expect(Bill.tiered(0, tiers: tiers) == 0)
    }

    @Test func provisionedConcurrencyAndEphemeralStorageHaveNoFreeTier() {
        let bill = Bill.compute([
            line(memory: 1024, kind: .provisionedAllocation, requests: 0, billed: 3_600_000),
            line(memory: 1024, kind: .provisionedExecution, requests: 10, billed: 10_000),
            line(memory: 1024, requests: 1, billed: 1_000, ephemeral: 1536),
        ], prices: prices)
        #expect(abs(bill.provisionedCost - (3600 * 0.0000041667 + 10 * 0.0000097222)) < 1e-12)
        #expect(abs(bill.ephemeralCost - 1 * 0.0000000309) < 1e-15)
        #expect(bill.requestCost == 10 * 0.2 / 1e6)
        #expect(bill.durationCost == 0 && bill.requests == 11)
    }

    @Test func listCostIgnoresTheFreeTier() {
        let lines = [line(memory: 512, requests: 100, billed: 10_000)]
        #expect(abs(Bill.listCost(lines, prices: prices) - (100 * 0.2 / 1e6 + 5 * 0.0000166667)) < 1e-15)
    }

    @Test func aPriceFileOverridesOnlyWhatItNames() throws {
        let file = #"{"freeTier": {"requests": 5, "gbSeconds": 0.5}, "architectures": {"arm64": {"requestsPerMillion": 1, "durationTiers": [{"pricePerGBSecond": 0.001}], "provisionedConcurrencyPerGBSecond": 0, "provisionedDurationPerGBSecond": 0, "ephemeralStoragePerGBSecond": 0}}}"#
        let table = try PriceTable.load(Data(file.utf8))
        #expect(table.freeTier == .init(requests: 5, gbSeconds: 0.5))
        #expect(table.architectures["x86_64"] == prices.architectures["x86_64"])
        #expect(table.architectures["arm64"]?.listPricePerGBSecond == 0.001)
        #expect(throws: PriceTable.LoadError.self) { try PriceTable.load(Data("{\"freeTier\": 3}".utf8)) }
        let unbounded = #"{"architectures": {"x": {"requestsPerMillion": 1, "durationTiers": [{"upToGBSeconds": 5, "pricePerGBSecond": 1}], "provisionedConcurrencyPerGBSecond": 0, "provisionedDurationPerGBSecond": 0, "ephemeralStoragePerGBSecond": 0}}}"#
        #expect(throws: PriceTable.LoadError.self) { try PriceTable.load(Data(unbounded.utf8)) }
    }
}

extension UsageLine {
    func with(memory: Int) -> UsageLine {
        var copy = self
        copy.memoryMB = memory
        return copy
    }
}
