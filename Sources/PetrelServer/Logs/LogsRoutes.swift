import Foundation
import PetrelCore
import PetrelLogs

/// CloudWatch Logs (Logs_20140328): the subset that reads function logs, plus the few
/// writes tools use (CreateLogGroup, CreateLogStream, PutLogEvents, DeleteLogGroup).
struct LogsRoutes: Sendable {
    let logs: LogStore

    struct Input: Decodable {
        var logGroupName: String?
        var logGroupNamePrefix: String?
        var logStreamName: String?
        var logStreamNamePrefix: String?
        var logStreamNames: [String]?
        var orderBy: String?
        var descending: Bool?
        var limit: Int?
        var nextToken: String?
        var startTime: Int64?
        var endTime: Int64?
        var startFromHead: Bool?
        var filterPattern: String?
        var logEvents: [InputEvent]?
    }

    struct InputEvent: Decodable {
        var timestamp: Int64
        var message: String
    }

    func handle(operation: String, body: Data, account: Account) async throws -> Data {
        let input: Input
        do {
            input = try JSONDecoder().decode(Input.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw AWSError.serialization("Could not parse the request body as JSON: \(error)")
        }
        let output: [String: Any]
        switch operation {
        case "DescribeLogGroups": output = try describeGroups(input, account: account)
        case "DescribeLogStreams": output = try describeStreams(input, account: account)
        case "GetLogEvents": output = try getEvents(input)
        case "FilterLogEvents": output = try filterEvents(input)
        case "CreateLogGroup":
            try logs.createGroup(try required(input.logGroupName, "logGroupName"))
            output = [:]
        case "CreateLogStream":
            try logs.createStream(group: try required(input.logGroupName, "logGroupName"),
                                  name: try required(input.logStreamName, "logStreamName"))
            output = [:]
        case "DeleteLogGroup":
            try logs.deleteGroup(try required(input.logGroupName, "logGroupName"))
            output = [:]
        case "PutLogEvents":
            let events = (input.logEvents ?? []).map { LogEvent(timestamp: $0.timestamp, message: $0.message) }
            try logs.putEvents(group: try required(input.logGroupName, "logGroupName"),
                               stream: try required(input.logStreamName, "logStreamName"), events: events)
            output = ["rejectedLogEventsInfo": [String: Any]()]
        default:
            throw AWSError.unknownOperation("Petrel's CloudWatch Logs does not support \(operation) yet.")
        }
        return try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys])
    }

    private func required(_ value: String?, _ name: String) throws -> String {
        guard let value, !value.isEmpty else {
            throw AWSError("InvalidParameterException", status: 400, "1 validation error detected: Value null at '\(name)' failed to satisfy constraint: Member must not be null")
        }
        return value
    }

    private func limit(_ value: Int?, max: Int, default def: Int) throws -> Int {
        guard let value else { return def }
        guard value >= 1, value <= max else {
            throw AWSError("InvalidParameterException", status: 400, "1 validation error detected: Value '\(value)' at 'limit' failed to satisfy constraint: Member must have value between 1 and \(max)")
        }
        return value
    }

    private func describeGroups(_ input: Input, account: Account) throws -> [String: Any] {
        let page = try logs.groups(prefix: input.logGroupNamePrefix, after: input.nextToken,
                                   limit: try limit(input.limit, max: 50, default: 50))
        var out: [String: Any] = ["logGroups": page.groups.map { g -> [String: Any] in
            let arn = "arn:aws:logs:\(account.region):\(account.id):log-group:\(g.name)"
            var group: [String: Any] = ["logGroupName": g.name, "creationTime": g.creationTime, "metricFilterCount": 0,
                                        "arn": arn + ":*", "logGroupArn": arn, "storedBytes": g.storedBytes,
                                        "logGroupClass": "STANDARD"]
            if let days = g.retentionInDays { group["retentionInDays"] = days }
            return group
        }]
        if let next = page.next { out["nextToken"] = next }
        return out
    }

    private func describeStreams(_ input: Input, account: Account) throws -> [String: Any] {
        let group = try required(input.logGroupName, "logGroupName")
        let byTime = input.orderBy == "LastEventTime"
        if byTime, input.logStreamNamePrefix != nil {
            throw AWSError("InvalidParameterException", status: 400, "Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        let offset = input.nextToken.flatMap(Int.init) ?? 0
        let page = try logs.streams(group: group, prefix: input.logStreamNamePrefix, byLastEventTime: byTime,
                                    descending: input.descending ?? false, offset: offset,
                                    limit: try limit(input.limit, max: 50, default: 50))
        var out: [String: Any] = ["logStreams": page.streams.map { s -> [String: Any] in
            var stream: [String: Any] = [
                "logStreamName": s.name, "creationTime": s.creationTime, "storedBytes": s.storedBytes,
                "arn": "arn:aws:logs:\(account.region):\(account.id):log-group:\(group):log-stream:\(s.name)",
            ]
            if let v = s.firstEventTimestamp { stream["firstEventTimestamp"] = v }
            if let v = s.lastEventTimestamp { stream["lastEventTimestamp"] = v }
            if let v = s.lastIngestionTime { stream["lastIngestionTime"] = v }
            return stream
        }]
        if let next = page.next { out["nextToken"] = String(next) }
        return out
    }

    /// Forward tokens are `f/<last id>`, backward tokens `b/<first id>`, as opaque as AWS's.
    private func getEvents(_ input: Input) throws -> [String: Any] {
        let group = try required(input.logGroupName, "logGroupName")
        let stream = try required(input.logStreamName, "logStreamName")
        var after: Int64?
        var before: Int64?
        if let token = input.nextToken {
            guard token.count > 2, let id = Int64(token.dropFirst(2)), token.hasPrefix("f/") || token.hasPrefix("b/") else {
                throw AWSError("InvalidParameterException", status: 400, "The specified nextToken is invalid.")
            }
            if token.hasPrefix("f/") { after = id } else { before = id }
        }
        let events = try logs.events(group: group, stream: stream, startTime: input.startTime, endTime: input.endTime,
                                     afterID: after, beforeID: before, fromHead: input.startFromHead ?? false,
                                     limit: try limit(input.limit, max: 10000, default: 10000))
        let forward = events.last?.id ?? after ?? (before.map { $0 - 1 } ?? 0)
        let backward = events.first?.id ?? before ?? ((after ?? 0) + 1)
        return [
            "events": events.map { ["timestamp": $0.timestamp, "message": $0.message, "ingestionTime": $0.ingestionTime] },
            "nextForwardToken": "f/\(String(format: "%056d", forward))",
            "nextBackwardToken": "b/\(String(format: "%056d", backward))",
        ]
    }

    private func filterEvents(_ input: Input) throws -> [String: Any] {
        let group = try required(input.logGroupName, "logGroupName")
        let pattern: FilterPattern?
        do {
            pattern = try input.filterPattern.flatMap { $0.isEmpty ? nil : try FilterPattern($0) }
        } catch {
            throw AWSError("InvalidParameterException", status: 400, "\(error)")
        }
        let page = try logs.filter(group: group, streamNames: input.logStreamNames, streamPrefix: input.logStreamNamePrefix,
                                   startTime: input.startTime, endTime: input.endTime, pattern: pattern,
                                   afterID: input.nextToken.flatMap(Int64.init), limit: try limit(input.limit, max: 10000, default: 10000))
        var out: [String: Any] = [
            "events": page.events.map { e -> [String: Any] in
                ["logStreamName": e.streamName, "timestamp": e.timestamp, "message": e.message,
                 "ingestionTime": e.ingestionTime, "eventId": String(e.id)]
            },
            "searchedLogStreams": [Any](),
        ]
        if let next = page.next { out["nextToken"] = String(next) }
        return out
    }
}
