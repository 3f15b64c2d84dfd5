import Foundation
import HTTPTypes
import Hummingbird
import PetrelInvoker
import PetrelMetrics
import Synchronization

/// Counts of the gateway's requests per service and operation, with their latency, for
/// Prometheus (table operations among them).
final class RequestCounters: Sendable {
    private let counts = Mutex<[String: (requests: Double, errors: Double, seconds: Double)]>([:])

    func record(_ operation: String, seconds: Double, failed: Bool) {
        counts.withLock { c in
            var entry = c[operation] ?? (0, 0, 0)
            entry.requests += 1
            entry.errors += failed ? 1 : 0
            entry.seconds += seconds
            c[operation] = entry
        }
    }

    func snapshot() -> [(operation: String, requests: Double, errors: Double, seconds: Double)] {
        counts.withLock { $0.map { ($0.key, $0.value.requests, $0.value.errors, $0.value.seconds) } }.sorted { $0.operation < $1.operation }
    }
}

/// `GET /metrics` (Prometheus text format) and `GET /_petrel/metrics/functions/NAME` (the
/// console's per-minute series).
struct MetricsRoutes: Sendable {
    let metrics: MetricsStore
    let invoker: Invoker
    let requests: RequestCounters
    let asyncQueueDepth: @Sendable () -> Int

    func prometheus() async -> Response {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        let totals = metrics.runningTotals()
        let names: [(metric: String, family: String, help: String)] = [
            ("Invocations", "petrel_lambda_invocations_total", "Invocations finished, per function."),
            ("Errors", "petrel_lambda_errors_total", "Invocations that ended in an error, per function."),
            ("Throttles", "petrel_lambda_throttles_total", "Invocations refused by the concurrency limit, per function."),
            ("Duration", "petrel_lambda_duration_milliseconds_total", "Total run time of invocations in milliseconds, per function."),
        ]
        for entry in names {
            family(entry.family, "counter", entry.help)
            for total in totals where total.metric == entry.metric {
                lines.append("\(entry.family){function=\"\(Self.escape(total.function))\"} \(Self.number(total.value))")
            }
        }
        family("petrel_instances", "gauge", "Function instances by state (queued: invocations waiting for an instance).")
        for (state, count) in await invoker.instanceCounts().sorted(by: { $0.key < $1.key }) {
            lines.append("petrel_instances{state=\"\(state)\"} \(count)")
        }
        family("petrel_async_queue_depth", "gauge", "Asynchronous invocations waiting to run.")
        lines.append("petrel_async_queue_depth \(asyncQueueDepth())")
        family("petrel_requests_total", "counter", "API requests served, per operation.")
        let requestStats = requests.snapshot()
        for r in requestStats { lines.append("petrel_requests_total{operation=\"\(Self.escape(r.operation))\"} \(Self.number(r.requests))") }
        family("petrel_request_errors_total", "counter", "API requests answered with an error, per operation.")
        for r in requestStats { lines.append("petrel_request_errors_total{operation=\"\(Self.escape(r.operation))\"} \(Self.number(r.errors))") }
        family("petrel_request_seconds_total", "counter", "Time spent serving API requests, per operation.")
        for r in requestStats { lines.append("petrel_request_seconds_total{operation=\"\(Self.escape(r.operation))\"} \(r.seconds)") }
        let body = lines.joined(separator: "\n") + "\n"
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The last `minutes` minutes of a function's metrics, one point per minute with data.
    func functionSeries(_ name: String, minutes: Int) throws -> Response {
        let end = Date()
        let start = end.addingTimeInterval(-Double(max(1, min(minutes, 15 * 24 * 60))) * 60)
        var points: [Int: [String: Double]] = [:]
        for metric in LambdaMetric.allCases {
            for (at, bucket) in try metrics.series(metric.rawValue, function: name, start: start, end: end, period: 60) {
                let t = Int(at.timeIntervalSince1970)
                switch metric {
                case .invocations, .errors, .throttles: points[t, default: [:]][metric.rawValue] = bucket.sum
                case .duration:
                    points[t, default: [:]]["DurationP50"] = bucket.percentile(50)
                    points[t, default: [:]]["DurationP99"] = bucket.percentile(99)
                case .concurrentExecutions: points[t, default: [:]][metric.rawValue] = bucket.maximum
                case .iteratorAge: points[t, default: [:]]["IteratorAge"] = bucket.maximum
                }
            }
        }
        let series: [[String: Any]] = points.keys.sorted().map { t in
            var point: [String: Any] = ["Timestamp": t]
            for (k, v) in points[t]! { point[k] = v }
            return point
        }
        return Response.json(status: .ok, ["FunctionName": name, "Period": 60, "Points": series])
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
