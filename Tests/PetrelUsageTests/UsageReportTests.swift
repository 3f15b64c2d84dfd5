import Foundation
import PetrelStore
import PetrelUsage
import Testing

@Suite struct BillingMonthTests {
    @Test(arguments: [("2026-12", 1_796_083_200.0, 1_798_761_600.0), ("2024-02", 1_706_745_600, 1_709_251_200)])
    func monthsStartAndEndAtUTCMidnight(_ c: (String, Double, Double)) throws {
        let month = try #require(BillingMonth(c.0))
        #expect(month.start.timeIntervalSince1970 == c.1 && month.end.timeIntervalSince1970 == c.2)
        #expect(month.description == c.0)
        #expect(BillingMonth(containing: month.start.addingTimeInterval(3600)) == month)
    }

    @Test(arguments: ["2026-13", "26-12", "2026-1", "x", "2026-00"])
    func badMonthsAreRefused(_ text: String) {
        #expect(BillingMonth(text) == nil)
    }
}

@Suite struct UsageReportTests {
    @Test func costliestFirstWithAWhatIfAndAProjection() throws {
        let month = try #require(BillingMonth("2026-12"))
        let hour = Int64(month.start.timeIntervalSince1970 / 3600)
        let lines: [(hour: Int64, line: UsageLine)] = [
            (hour, UsageLine(function: "cheap", version: "$LATEST", architecture: "x86_64", memoryMB: 128, requests: 10, billedMilliseconds: 100)),
            (hour + 25, UsageLine(function: "dear", version: "1", architecture: "arm64", memoryMB: 1024, requests: 4, billedMilliseconds: 8_000)),
        ]
        // A quarter into the month (31 days): the projection is four times the usage.
        let now = month.start.addingTimeInterval(31 * 86_400 / 4)
        let report = UsageReport.build(month: month, lines: lines, prices: .awsUSEast1, now: now, whatIfMemoryMB: 512)
        #expect(report.functions.map(\.function) == ["dear", "cheap"])
        #expect(report.totals.requests == 14 && report.totals.billedMilliseconds == 8_100)
        #expect(report.cost.total == 0)
        let dear = report.functions[0]
        #expect(abs(dear.cost - (4 * 0.2 / 1e6 + 8 * 0.0000133334)) < 1e-15)
        #expect(abs((dear.whatIf?.cost ?? 0) - (4 * 0.2 / 1e6 + 4 * 0.0000133334)) < 1e-15)
        #expect(dear.averageBilledMilliseconds == 2_000)
        #expect(report.days.map(\.day) == ["2026-12-01", "2026-12-02"])
        #expect(report.projection?.requests == 56)
        #expect(!report.complete)
        let later = UsageReport.build(month: month, lines: lines, prices: .awsUSEast1, now: month.end.addingTimeInterval(10), whatIfMemoryMB: nil)
        #expect(later.complete && later.projection == nil)
    }
}

@Suite struct UsageStoreTests {
    @Test func hoursAreSummedAcrossFlushes() throws {
        let store = try Store.temporary(migrations: [UsageStore.registerMigrations])
        let usage = UsageStore(store: store)
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let line = UsageLine(function: "f", version: "$LATEST", architecture: "x86_64", memoryMB: 256, requests: 1, billedMilliseconds: 7)
        usage.record(line, at: at)
        usage.record(line, at: at.addingTimeInterval(1))
        try usage.flush()
        usage.record(line, at: at.addingTimeInterval(2))
        usage.record(line, at: at.addingTimeInterval(3600))
        let rows = try usage.lines(from: at.addingTimeInterval(-3600), to: at.addingTimeInterval(7200))
        #expect(rows.map(\.line.requests) == [3, 1])
        #expect(rows.map(\.line.billedMilliseconds) == [21, 7])
        #expect(try usage.lines(from: at.addingTimeInterval(7200), to: at.addingTimeInterval(9000)).isEmpty)
    }
}
