@testable import PetrelKinesis
import Testing

@Suite struct HashKeysTests {
    @Test func evenRangesMatchAWS() {
        // AWS's CreateStream with 2 and 3 shards.
        let two = HashKeys.evenRanges(count: 2)
        #expect(String(two[0].upperBound) == "170141183460469231731687303715884105727")
        #expect(String(two[1].lowerBound) == "170141183460469231731687303715884105728")
        #expect(String(two[1].upperBound) == "340282366920938463463374607431768211455")
        let three = HashKeys.evenRanges(count: 3)
        #expect(String(three[0].upperBound) == "113427455640312821154458202477256070484")
        #expect(String(three[1].lowerBound) == "113427455640312821154458202477256070485")
        #expect(String(three[2].upperBound) == "340282366920938463463374607431768211455")
    }

    @Test(arguments: [1, 2, 3, 4, 5, 7, 16, 500])
    func rangesTileTheSpace(count: Int) {
        let ranges = HashKeys.evenRanges(count: count)
        #expect(ranges.count == count)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == .max)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound + 1 == b.lowerBound) }
    }

    @Test func partitionKeyHashIsBigEndianMD5() {
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661
        #expect(HashKeys.hashKey(partitionKey: "a") == UInt128("0cc175b9c0f1b6a831c399e269772661", radix: 16))
    }

    @Test(arguments: ["", "01", "-1", "1.5", "340282366920938463463374607431768211456", "12a"])
    func rejectsBadHashKeys(text: String) {
        #expect(HashKeys.parse(text) == nil)
    }

    @Test func parsesTheExtremes() {
        #expect(HashKeys.parse("0") == 0)
        #expect(HashKeys.parse("340282366920938463463374607431768211455") == .max)
    }
}

@Suite struct SequenceNumberTests {
    @Test func looksLikeAWSAndRoundTrips() throws {
        let s = SequenceNumber(counter: 1_764_670_000_123_456, shardIndex: 7)
        #expect(s.description.count == 56 && s.description.hasPrefix("49"))
        #expect(SequenceNumber(s.description) == s)
    }

    @Test func ordersAsDecimalNumbersDo() {
        let values = [SequenceNumber(counter: 10, shardIndex: 3), SequenceNumber(counter: 11, shardIndex: 0), SequenceNumber(counter: 9_000, shardIndex: 1)]
        let texts = values.map(\.description)
        #expect(texts == texts.sorted())
        #expect(values == values.sorted())
    }

    @Test func counterAlwaysIncreases() {
        #expect(SequenceNumber.nextCounter(last: 100, nowMicros: 50) == 101)
        #expect(SequenceNumber.nextCounter(last: 100, nowMicros: 500) == 500)
    }

    @Test(arguments: ["", "0", "123", "4959" + String(repeating: "1", count: 52)])
    func foreignNumbersAreNotOurs(text: String) {
        #expect(SequenceNumber(text) == nil)
    }
}
