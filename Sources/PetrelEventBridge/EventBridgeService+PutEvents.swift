import Foundation
import PetrelCore

extension EventBridgeService {
    func putEvents(_ input: EventsInput, region: String) throws -> JSONValue {
        let entries = try Self.required(input.Entries, "entries")
        guard (1...10).contains(entries.count) else {
            throw EventsError.constraint("[…]", "entries", "Member must have length between 1 and 10")
        }
        let size = entries.reduce(0) { total, e in
            total + 14 + (e.Source?.utf8.count ?? 0) + (e.DetailType?.utf8.count ?? 0) + (e.Detail?.utf8.count ?? 0)
                + (e.Resources ?? []).reduce(0) { $0 + $1.utf8.count }
        }
        guard size <= Self.maxEntriesSize else {
            throw EventsError.validation("Total size of the entries in the request is over the limit.")
        }
        var results: [JSONValue] = []
        var failed = 0
        for entry in entries {
            do {
                let bus = Self.busName(entry.EventBusName)
                guard try existingBus(bus, region: region) != nil else {
                    throw EntryError("ResourceNotFoundException", "Event bus \(bus) does not exist.")
                }
                let event = try makeEvent(entry, region: region)
                try publish(event, bus: bus, region: region)
                results.append(.object(["EventId": event["id"]!]))
            } catch let error as EntryError {
                failed += 1
                results.append(.object(["ErrorCode": .string(error.code), "ErrorMessage": .string(error.message)]))
            }
        }
        sinks.recordMetric(.putEventsApproximateCallCount, [[:]], 1)
        sinks.recordMetric(.putEventsApproximateSuccessCount, [[:]], Double(entries.count - failed))
        if failed > 0 { sinks.recordMetric(.putEventsApproximateFailedCount, [[:]], Double(failed)) }
        return .object(["FailedEntryCount": .number(Double(failed)), "Entries": .array(results)])
    }

    struct EntryError: Error {
        var code: String
        var message: String
        init(_ code: String, _ message: String) { (self.code, self.message) = (code, message) }
    }

    func makeEvent(_ entry: PutEventsEntry, region: String) throws -> JSONValue {
        func missing(_ name: String) -> EntryError { EntryError("InvalidArgument", "Parameter \(name) is not valid. Reason: \(name) is a required argument.") }
        guard let source = entry.Source, !source.isEmpty else { throw missing("Source") }
        guard let detailType = entry.DetailType, !detailType.isEmpty else { throw missing("DetailType") }
        guard let detailText = entry.Detail, !detailText.isEmpty else { throw missing("Detail") }
        guard let detail = try? JSONDecoder().decode(JSONValue.self, from: Data(detailText.utf8)), case .object = detail else {
            throw EntryError("MalformedDetail", "Detail is malformed.")
        }
        if source.hasPrefix("aws.") {
            throw EntryError("NotAuthorizedForSourceException", "Not authorized for the source.")
        }
        var time = Date()
        switch entry.Time {
        case .number(let seconds)?: time = Date(timeIntervalSince1970: seconds)
        case .string(let text)?: time = ISO8601DateFormatter().date(from: text) ?? Double(text).map(Date.init(timeIntervalSince1970:)) ?? time
        default: break
        }
        return Self.event(source: source, detailType: detailType, detail: detail, resources: entry.Resources ?? [],
                          time: time, account: accountID, region: region)
    }

    /// An event in EventBridge's envelope.
    public static func event(source: String, detailType: String, detail: JSONValue, resources: [String], time: Date,
                             account: String, region: String, id: String = UUID().uuidString.lowercased()) -> JSONValue {
        .object([
            "version": .string("0"), "id": .string(id), "detail-type": .string(detailType), "source": .string(source),
            "account": .string(account), "time": .string(iso(time)), "region": .string(region),
            "resources": .array(resources.map(JSONValue.string)), "detail": detail,
        ])
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Puts an event Petrel itself emits (CloudTrail's API calls, S3's object events) on a bus.
    public func emit(_ event: JSONValue, bus: String = EventBridgeService.defaultBus, region: String) {
        do { try publish(event, bus: bus, region: region) } catch {
            logger.error("Could not deliver an event from \(event["source"]?.stringValue ?? "?"): \(error)")
        }
    }

    /// Matches an event against the bus's enabled rules and delivers it to their targets.
    func publish(_ event: JSONValue, bus: String, region: String, hops: Int = 0) throws {
        let snapshot = try rules.snapshot { (try store.allRules(), try store.allTargets()) }
        guard let busRules = snapshot.buses[region + "\u{1}" + bus] else { return }
        var deliveries: [Delivery] = []
        var matched = false
        for compiled in busRules.matching(event) where compiled.rule.state != "DISABLED" {
            matched = true
            let arn = ruleArn(compiled.rule.name, bus: bus, region: region)
            let dimensions = EventMetric.ruleDimensions(bus: bus, rule: compiled.rule.name)
            sinks.recordMetric(.triggeredRules, dimensions, 1)
            sinks.recordMetric(.matchedEvents, Array(dimensions.dropFirst()), 1)
            for target in compiled.targets {
                deliveries.append(Delivery(target: target, ruleArn: arn, ruleName: compiled.rule.name, bus: bus, region: region, event: event))
            }
        }
        if matched {
            sinks.recordMetric(.matchedEvents, EventMetric.busDimensions(bus: bus), 1)
        }
        try deliver(deliveries, hops: hops)
    }
}

extension EventBridgeService {
    /// A CloudTrail record as the "AWS API Call via CloudTrail" event AWS puts on the default bus
    /// (source `aws.dynamodb` for `dynamodb.amazonaws.com`, the record as detail).
    public func emitAPICall(_ record: JSONValue) {
        guard let eventSource = record["eventSource"]?.stringValue, let region = record["awsRegion"]?.stringValue else { return }
        let service = eventSource.split(separator: ".").first.map(String.init) ?? eventSource
        let time = record["eventTime"]?.stringValue.flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date()
        emit(Self.event(source: "aws.\(service)", detailType: "AWS API Call via CloudTrail", detail: record, resources: [],
                        time: time, account: accountID, region: region), region: region)
    }
}
