import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelCore
import PetrelMetrics
import PetrelWire

/// CloudWatch's metric reads (GetMetricStatistics, GetMetricData, ListMetrics) for the
/// `AWS/Lambda` namespace, in the Smithy RPC v2 CBOR protocol current SDKs speak:
/// `POST /service/GraniteServiceVersion20100801/operation/<Operation>`.
struct CloudWatchRoutes: Sendable {
    let metrics: MetricsStore
    static let prefix = "/service/GraniteServiceVersion20100801/operation/"

    func matches(_ path: String) -> Bool { path.hasPrefix(Self.prefix) }

    /// The wire format of one request: Smithy RPC v2 CBOR, or AWS JSON 1.0 (which SDKs
    /// without a CBOR codec pick: `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`).
    enum Format {
        case cbor
        case json
    }

    static let jsonTargetPrefix = "GraniteServiceVersion20100801."

    func respond(to request: Request) async -> Response {
        let operation = String(request.uri.path.dropFirst(Self.prefix.count))
        return await respond(to: request, operation: operation, format: .cbor)
    }

    func respond(to request: Request, operation: String, format: Format) async -> Response {
        do {
            let body = Data((try await request.readBody(upTo: 1024 * 1024)).readableBytesView)
            let input: CBOR
            switch format {
            case .cbor: input = body.isEmpty ? CBOR.map([]) : try CBOR.decode(body)
            case .json: input = body.isEmpty ? CBOR.map([]) : CBOR(json: try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]))
            }
            let output: CBOR
            switch operation {
            case "GetMetricStatistics": output = try getMetricStatistics(input)
            case "GetMetricData": output = try getMetricData(input)
            case "ListMetrics": output = try listMetrics(input)
            default:
                throw AWSError("UnknownOperationException", status: 404, "Petrel's CloudWatch supports GetMetricStatistics, GetMetricData and ListMetrics, not \(operation).")
            }
            return render(output, format: format, status: .ok)
        } catch let error as AWSError {
            return render(.object([("__type", .text("com.amazonaws.cloudwatch#\(error.code)")), ("message", .text(error.message))]),
                          format: format, status: .init(code: error.status), queryError: "\(error.code);\(error.isClientFault ? "Sender" : "Receiver")")
        } catch {
            return render(.object([("__type", .text("com.amazonaws.cloudwatch#InvalidParameterValue")),
                                   ("message", .text("The request body could not be read: \(error)"))]),
                          format: format, status: .badRequest, queryError: "InvalidParameterValue;Sender")
        }
    }

    private func render(_ value: CBOR, format: Format, status: HTTPResponse.Status, queryError: String? = nil) -> Response {
        var headers: HTTPFields = [:]
        let body: Data
        switch format {
        case .cbor:
            headers[.contentType] = "application/cbor"
            headers[HTTPField.Name("smithy-protocol")!] = "rpc-v2-cbor"
            body = value.encoded()
        case .json:
            headers[.contentType] = "application/x-amz-json-1.0"
            body = (try? JSONSerialization.data(withJSONObject: value.jsonObject, options: [])) ?? Data("{}".utf8)
        }
        if let queryError { headers[HTTPField.Name("x-amzn-query-error")!] = queryError }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func invalid(_ message: String) -> AWSError { AWSError("InvalidParameterValue", status: 400, message) }

    /// The series a query names: its FunctionName dimension, or its Resource dimension
    /// (`name:version`) when given; nil for all functions. Other namespaces and dimensions
    /// hold no data here.
    private func scope(namespace: String?, dimensions: [CBOR]?) -> (known: Bool, function: String?) {
        if namespace == "AWS/Events" {
            // EventBridge's series are named by their whole dimension set (MetricsStore.seriesKey).
            var set: [String: String] = [:]
            for dimension in dimensions ?? [] {
                guard let name = dimension["Name"]?.string, let value = dimension["Value"]?.string else { return (false, nil) }
                set[name] = value
            }
            return (true, MetricsStore.seriesKey(set))
        }
        guard namespace == "AWS/Lambda" else { return (false, nil) }
        var function: String?
        var resource: String?
        for dimension in dimensions ?? [] {
            switch dimension["Name"]?.string {
            case "FunctionName": function = dimension["Value"]?.string
            case "Resource": resource = dimension["Value"]?.string
            default: return (false, nil)
            }
        }
        return (true, resource ?? function)
    }

    private func window(_ input: CBOR, period: Int?) throws -> (Date, Date, Int) {
        guard let start = input["StartTime"]?.double, let end = input["EndTime"]?.double else {
            throw Self.invalid("StartTime and EndTime are required.")
        }
        guard end > start else { throw Self.invalid("The parameter StartTime must be less than the parameter EndTime.") }
        let period = period ?? 60
        guard period >= 60, period % 60 == 0 else {
            throw Self.invalid("The parameter Period must be a multiple of 60 (Petrel keeps one-minute resolution).")
        }
        return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: end), period)
    }

    static func value(of statistic: String, in bucket: MetricBucket) -> Double? {
        switch statistic {
        case "SampleCount": bucket.sampleCount
        case "Average": bucket.average
        case "Sum": bucket.sum
        case "Minimum": bucket.minimum
        case "Maximum": bucket.maximum
        default:
            if statistic.hasPrefix("p"), let p = Double(statistic.dropFirst()), p >= 0, p <= 100 { bucket.percentile(p) } else { nil }
        }
    }

    /// The name a metric is stored under: AWS/Lambda's bare, other namespaces' prefixed (`AWS/Events/Invocations`).
    static func storedName(_ name: String, namespace: String?) -> String {
        namespace == "AWS/Lambda" || namespace == nil ? name : "\(namespace!)/\(name)"
    }

    func getMetricStatistics(_ input: CBOR) throws -> CBOR {
        guard let name = input["MetricName"]?.string else { throw Self.invalid("MetricName is required.") }
        let (start, end, period) = try window(input, period: input["Period"]?.int)
        let statistics = input["Statistics"]?.array?.compactMap(\.string) ?? []
        let extended = input["ExtendedStatistics"]?.array?.compactMap(\.string) ?? []
        guard !statistics.isEmpty || !extended.isEmpty else {
            throw Self.invalid("Either Statistics or ExtendedStatistics must be given.")
        }
        let (known, function) = scope(namespace: input["Namespace"]?.string, dimensions: input["Dimensions"]?.array)
        let unit = LambdaMetric(rawValue: name)?.unit ?? (input["Namespace"]?.string == "AWS/Events" ? "Count" : "None")
        let stored = Self.storedName(name, namespace: input["Namespace"]?.string)
        let series = known ? try metrics.series(stored, function: function, start: start, end: end, period: period) : []
        let datapoints: [CBOR] = series.map { point in
            var members: [(String, CBOR?)] = [("Timestamp", .timestamp(point.start.timeIntervalSince1970)), ("Unit", .text(unit))]
            for statistic in statistics {
                members.append((statistic, Self.value(of: statistic, in: point.bucket).map(CBOR.double)))
            }
            if !extended.isEmpty {
                members.append(("ExtendedStatistics", .object(extended.map { ($0, Self.value(of: $0, in: point.bucket).map(CBOR.double)) })))
            }
            return .object(members)
        }
        return .object([("Label", .text(name)), ("Datapoints", .array(datapoints))])
    }

    func getMetricData(_ input: CBOR) throws -> CBOR {
        guard let queries = input["MetricDataQueries"]?.array, !queries.isEmpty else {
            throw Self.invalid("MetricDataQueries is required.")
        }
        let ascending = input["ScanBy"]?.string == "TimestampAscending"
        var results: [CBOR] = []
        for query in queries {
            guard let id = query["Id"]?.string else { throw Self.invalid("Every MetricDataQuery needs an Id.") }
            if query["ReturnData"]?.bool == false { continue }
            guard let stat = query["MetricStat"], let metric = stat["Metric"], let name = metric["MetricName"]?.string,
                  let statistic = stat["Stat"]?.string else {
                results.append(.object([("Id", .text(id)), ("Label", .text(id)), ("Timestamps", .array([])), ("Values", .array([])),
                                        ("StatusCode", .text("Complete")),
                                        ("Messages", .array([.object([("Code", .text("Unsupported")),
                                                                      ("Value", .text("Petrel does not evaluate metric math expressions yet."))])]))]))
                continue
            }
            let (start, end, period) = try window(input, period: stat["Period"]?.int)
            let (known, function) = scope(namespace: metric["Namespace"]?.string, dimensions: metric["Dimensions"]?.array)
            let stored = Self.storedName(name, namespace: metric["Namespace"]?.string)
            var points = known ? try metrics.series(stored, function: function, start: start, end: end, period: period) : []
            if !ascending { points.reverse() }
            let values = points.compactMap { point in Self.value(of: statistic, in: point.bucket).map { (point.start, $0) } }
            results.append(.object([
                ("Id", .text(id)), ("Label", .text(query["Label"]?.string ?? name)),
                ("Timestamps", .array(values.map { .timestamp($0.0.timeIntervalSince1970) })),
                ("Values", .array(values.map { .double($0.1) })),
                ("StatusCode", .text("Complete")),
            ]))
        }
        return .object([("MetricDataResults", .array(results)), ("Messages", .array([]))])
    }

    func listMetrics(_ input: CBOR) throws -> CBOR {
        let namespace = input["Namespace"]?.string
        let name = input["MetricName"]?.string
        // A FunctionName value also matches that function's versions (their Resource series).
        let wanted = input["Dimensions"]?.array?.compactMap { $0["Value"]?.string }
        if namespace == "AWS/Events" { return .object([("Metrics", .array(try listEventMetrics(input)))]) }
        guard namespace == nil || namespace == "AWS/Lambda" else { return .object([("Metrics", .array([]))]) }
        let found = try metrics.knownMetrics().filter { entry in
            !entry.metric.contains("/") && (name.map { $0 == entry.metric } ?? true)
                && (wanted.map { values in
                    values.isEmpty || values.contains(entry.function) || values.contains(String(entry.function.prefix { $0 != ":" }))
                } ?? true)
        }
        return .object([("Metrics", .array(found.map { entry in
            let name = String(entry.function.prefix { $0 != ":" })
            var dimensions: [CBOR] = [.object([("Name", .text("FunctionName")), ("Value", .text(name))])]
            if entry.function != name { dimensions.append(.object([("Name", .text("Resource")), ("Value", .text(entry.function))])) }
            return .object([("Namespace", .text("AWS/Lambda")), ("MetricName", .text(entry.metric)), ("Dimensions", .array(dimensions))])
        } + (namespace == nil ? try listEventMetrics(input) : [])))])
    }

    /// EventBridge's series (stored as `AWS/Events/<name>` under `MetricsStore.seriesKey`), each
    /// with its dimension set; a request's Dimensions must all be in it.
    func listEventMetrics(_ input: CBOR) throws -> [CBOR] {
        let prefix = "AWS/Events/"
        let name = input["MetricName"]?.string
        let wanted = (input["Dimensions"]?.array ?? []).compactMap { d in d["Name"]?.string.map { ($0, d["Value"]?.string) } }
        return try metrics.knownMetrics().compactMap { entry -> CBOR? in
            guard entry.metric.hasPrefix(prefix) else { return nil }
            let metric = String(entry.metric.dropFirst(prefix.count))
            guard name.map({ $0 == metric }) ?? true else { return nil }
            let pairs = entry.function.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
                .filter { $0.count == 2 }.map { ($0[0], $0[1]) }
            guard wanted.allSatisfy({ w in pairs.contains { $0.0 == w.0 && (w.1 == nil || $0.1 == w.1) } }) else { return nil }
            return .object([("Namespace", .text("AWS/Events")), ("MetricName", .text(metric)),
                            ("Dimensions", .array(pairs.map { .object([("Name", .text($0.0)), ("Value", .text($0.1))]) }))])
        }
    }
}
