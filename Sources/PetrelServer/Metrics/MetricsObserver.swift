import Foundation
import PetrelInvoker
import PetrelMetrics

/// Turns the invoker's reports into `AWS/Lambda` metrics: per function (dimension
/// FunctionName) and, for published versions, per `name:version` too (dimension Resource).
struct MetricsObserver: InvocationObserver {
    let metrics: MetricsStore

    static func series(_ function: String, _ version: String) -> [String] {
        version == "$LATEST" ? [function] : [function, "\(function):\(version)"]
    }

    func invocationFinished(function: String, version: String, duration: Duration, failed: Bool) {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        for name in Self.series(function, version) {
            metrics.record(.invocations, function: name, value: 1)
            metrics.record(.errors, function: name, value: failed ? 1 : 0)
            metrics.record(.duration, function: name, value: milliseconds)
        }
    }

    func invocationThrottled(function: String, version: String) {
        for name in Self.series(function, version) {
            metrics.record(.throttles, function: name, value: 1)
        }
    }

    func concurrencyChanged(function: String, running: Int) {
        metrics.record(.concurrentExecutions, function: function, value: Double(running))
    }
}
