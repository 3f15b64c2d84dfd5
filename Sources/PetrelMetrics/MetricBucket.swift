import Foundation

/// What one metric of one function saw in one period: the figures CloudWatch's statistics
/// come from, plus a log-scale histogram for percentiles (about ±2% error).
public struct MetricBucket: Sendable, Equatable, Codable {
    public var sampleCount: Double = 0
    public var sum: Double = 0
    public var minimum: Double = .infinity
    public var maximum: Double = -.infinity
    /// Histogram bucket index → count (sparse).
    public var histogram: [Int: Double] = [:]

    public init() {}

    public mutating func add(_ value: Double, count: Double = 1) {
        sampleCount += count
        sum += value * count
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        histogram[Self.bucket(of: value), default: 0] += count
    }

    public mutating func merge(_ other: MetricBucket) {
        sampleCount += other.sampleCount
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        for (index, count) in other.histogram { histogram[index, default: 0] += count }
    }

    public var average: Double { sampleCount > 0 ? sum / sampleCount : 0 }

    /// The value below which `p` percent of samples fall, clamped to the observed range.
    public func percentile(_ p: Double) -> Double? {
        guard sampleCount > 0 else { return nil }
        let rank = sampleCount * p / 100
        var seen = 0.0
        for index in histogram.keys.sorted() {
            seen += histogram[index]!
            if seen >= rank {
                return min(maximum, max(minimum, Self.midpoint(of: index)))
            }
        }
        return maximum
    }

    static let base = 0.001
    static let growth = 1.04
    static let buckets = 700

    static func bucket(of value: Double) -> Int {
        guard value > base else { return 0 }
        return min(buckets - 1, Int(log(value / base) / log(growth)) + 1)
    }

    static func midpoint(of index: Int) -> Double {
        guard index > 0 else { return 0 }
        return base * pow(growth, Double(index) - 0.5)
    }
}

/// The metrics Petrel keeps, named and united as CloudWatch's `AWS/Lambda` namespace has them.
public enum LambdaMetric: String, Sendable, CaseIterable {
    case invocations = "Invocations"
    case errors = "Errors"
    case throttles = "Throttles"
    case duration = "Duration"
    case concurrentExecutions = "ConcurrentExecutions"
    case iteratorAge = "IteratorAge"

    public var unit: String {
        switch self {
        case .invocations, .errors, .throttles, .concurrentExecutions: "Count"
        case .duration, .iteratorAge: "Milliseconds"
        }
    }
}
