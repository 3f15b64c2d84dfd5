import Foundation
import PetrelMetrics
import PetrelStore
import Testing

@Suite struct MetricBucketTests {
    @Test func statisticsOfSamples() {
        var bucket = MetricBucket()
        for v in [1.0, 2, 3, 4, 100] { bucket.add(v) }
        #expect(bucket.sampleCount == 5 && bucket.sum == 110 && bucket.minimum == 1 && bucket.maximum == 100)
        #expect(bucket.average == 22)
    }

    @Test func percentilesAreWithinTheHistogramsError() throws {
        var bucket = MetricBucket()
        for v in 1...1000 { bucket.add(Double(v)) }
        let p50 = try #require(bucket.percentile(50))
        let p99 = try #require(bucket.percentile(99))
        #expect(abs(p50 - 500) / 500 < 0.03)
        #expect(abs(p99 - 990) / 990 < 0.03)
        #expect(MetricBucket().percentile(50) == nil)
    }

    @Test func mergingEqualsAddingEverything() {
        var a = MetricBucket(), b = MetricBucket(), all = MetricBucket()
        for v in [0.5, 7, 12] { a.add(v); all.add(v) }
        for v in [3.0, 40] { b.add(v); all.add(v) }
        a.merge(b)
        #expect(a == all)
    }
}

@Suite struct MetricsStoreTests {
    @Test func minutesAreStoredAndRolledIntoPeriods() throws {
        let store = try Store.temporary(migrations: [MetricsStore.registerMigrations])
        let metrics = MetricsStore(store: store)
        let base = Date(timeIntervalSince1970: 1_700_000_040)  // a minute boundary
        metrics.record(.invocations, function: "f", value: 1, at: base)
        metrics.record(.invocations, function: "f", value: 1, at: base.addingTimeInterval(61))
        metrics.record(.invocations, function: "g", value: 1, at: base)
        try metrics.flush()
        metrics.record(.invocations, function: "f", value: 1, at: base.addingTimeInterval(5))  // merges into a stored minute
        let perMinute = try metrics.series("Invocations", function: "f", start: base, end: base.addingTimeInterval(600), period: 60)
        #expect(perMinute.map(\.bucket.sum) == [2, 1])
        let fiveMinutes = try metrics.series("Invocations", function: nil, start: base, end: base.addingTimeInterval(600), period: 300)
        #expect(fiveMinutes.map(\.bucket.sum) == [4])
        #expect(try metrics.knownMetrics().map(\.function) == ["f", "g"])
        #expect(metrics.runningTotals().first { $0.function == "f" }?.value == 3)
    }
}
