import Foundation
import PetrelInvoker
import PetrelMetrics

/// Turns the invoker's reports into `AWS/Lambda` metrics.
struct MetricsObserver: InvocationObserver {
    let metrics: MetricsStore

    func invocationFinished(function: String, duration: Duration, failed: Bool) {
        metrics.record(.invocations, function: function, value: 1)
        metrics.record(.errors, function: function, value: failed ? 1 : 0)
        let (seconds, attoseconds) = duration.components
        metrics.record(.duration, function: function, value: Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    func invocationThrottled(function: String) {
        metrics.record(.throttles, function: function, value: 1)
    }

    func concurrencyChanged(function: String, running: Int) {
        metrics.record(.concurrentExecutions, function: function, value: Double(running))
    }
}
