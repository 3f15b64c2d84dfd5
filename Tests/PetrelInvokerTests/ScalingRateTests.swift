@testable import PetrelInvoker
import Testing

@Suite struct ScalingRateTests {
    let start = ContinuousClock.now

    @Test func awsRateIsAThousandEveryTenSecondsRefilledContinuously() {
        let rate = ScalingRate.aws
        var bucket: ScalingRate.Bucket?
        for _ in 0..<1_000 { #expect(rate.take(&bucket, now: start)) }
        #expect(!rate.take(&bucket, now: start))
        #expect(rate.retryAfterSeconds(bucket, now: start) == 1)  // 100 a second
        #expect(rate.take(&bucket, now: start + .milliseconds(10)))  // one environment per 10 ms
        #expect(!rate.take(&bucket, now: start + .milliseconds(10)))
    }

    @Test func unusedCapacityNeverAccumulatesBeyondTheBurst() {
        let rate = ScalingRate(burst: 3, window: .seconds(3))
        var bucket: ScalingRate.Bucket?
        #expect(rate.take(&bucket, now: start))
        let later = start + .seconds(3_600)
        for _ in 0..<3 { #expect(rate.take(&bucket, now: later)) }
        #expect(!rate.take(&bucket, now: later))
    }

    @Test func retryAfterRoundsUpToWholeSeconds() {
        let rate = ScalingRate(burst: 1, window: .seconds(4))
        var bucket: ScalingRate.Bucket?
        #expect(rate.take(&bucket, now: start))
        #expect(rate.retryAfterSeconds(bucket, now: start) == 4)
        #expect(rate.retryAfterSeconds(bucket, now: start + .milliseconds(3_100)) == 1)
        #expect(!rate.take(&bucket, now: start + .milliseconds(3_999)))
        #expect(rate.take(&bucket, now: start + .seconds(4)))
    }
}
