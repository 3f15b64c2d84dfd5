import Foundation
import PetrelCore

/// The key filter and event types every notification destination has.
public protocol NotificationDestination {
    var id: String { get }
    var events: [String] { get }
    /// `prefix` / `suffix` rules, names as sent (S3 accepts any case, answers as stored).
    var filterRules: [NotificationConfiguration.FilterRule] { get }
}

extension NotificationDestination {
    var prefix: String { filterRules.first { $0.name.lowercased() == "prefix" }?.value ?? "" }
    var suffix: String { filterRules.first { $0.name.lowercased() == "suffix" }?.value ?? "" }

    /// Whether this configuration wants `eventName` (`s3:ObjectCreated:Put`) for `key`.
    public func matches(eventName: String, key: String) -> Bool {
        events.contains { NotificationConfiguration.eventMatches($0, eventName) }
            && UTF8Order.hasPrefix(key, prefix) && key.utf8.reversed().starts(with: suffix.utf8.reversed())
    }
}

/// A bucket's notification configuration: Lambda and SQS destinations, and whether every event
/// also goes to EventBridge's default bus (SNS topics are refused: Petrel has no SNS). Kept as
/// JSON in storage; parsed from and rendered to S3's XML.
public struct NotificationConfiguration: Sendable, Equatable, Codable {
    public struct LambdaFunction: NotificationDestination, Sendable, Equatable, Codable {
        public var id: String
        public var functionArn: String
        public var events: [String]
        public var filterRules: [FilterRule]

        public init(id: String, functionArn: String, events: [String], filterRules: [FilterRule] = []) {
            self.id = id
            self.functionArn = functionArn
            self.events = events
            self.filterRules = filterRules
        }
    }

    /// A `QueueConfiguration`: events sent to an SQS queue as messages.
    public struct Queue: NotificationDestination, Sendable, Equatable, Codable {
        public var id: String
        public var queueArn: String
        public var events: [String]
        public var filterRules: [FilterRule]

        public init(id: String, queueArn: String, events: [String], filterRules: [FilterRule] = []) {
            self.id = id
            self.queueArn = queueArn
            self.events = events
            self.filterRules = filterRules
        }
    }

    public struct FilterRule: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var lambdaFunctions: [LambdaFunction]
    public var queues: [Queue]
    /// `<EventBridgeConfiguration/>`: every object event goes to the default bus.
    public var eventBridge: Bool

    public init(lambdaFunctions: [LambdaFunction] = [], queues: [Queue] = [], eventBridge: Bool = false) {
        self.lambdaFunctions = lambdaFunctions
        self.queues = queues
        self.eventBridge = eventBridge
    }

    enum CodingKeys: String, CodingKey { case lambdaFunctions, queues, eventBridge }

    /// Configurations stored before queues and EventBridge have Lambda destinations only.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lambdaFunctions = try container.decodeIfPresent([LambdaFunction].self, forKey: .lambdaFunctions) ?? []
        queues = try container.decodeIfPresent([Queue].self, forKey: .queues) ?? []
        eventBridge = try container.decodeIfPresent(Bool.self, forKey: .eventBridge) ?? false
    }

    /// Whether any event of the bucket goes anywhere.
    public var isEmpty: Bool { lambdaFunctions.isEmpty && queues.isEmpty && !eventBridge }

    var destinations: [any NotificationDestination] { (lambdaFunctions as [any NotificationDestination]) + (queues as [any NotificationDestination]) }

    /// Event types S3 accepts in a configuration.
    public static let knownEvents: Set<String> = [
        "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject", "s3:Replication:*", "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated", "s3:LifecycleTransition",
        "s3:IntelligentTiering", "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
        "s3:ObjectAcl:Put", "s3:TestEvent",
    ]

    /// `s3:ObjectCreated:*` matches `s3:ObjectCreated:Put`.
    public static func eventMatches(_ configured: String, _ event: String) -> Bool {
        if configured == event { return true }
        if configured.hasSuffix(":*") { return event.hasPrefix(String(configured.dropLast())) }
        return false
    }

    static func eventsOverlap(_ a: String, _ b: String) -> Bool { eventMatches(a, b) || eventMatches(b, a) }

    /// Parses `<NotificationConfiguration>`; validates as S3 does (before destinations are checked).
    public static func parse(_ root: XMLNode) throws(S3Error) -> NotificationConfiguration {
        guard root.name == "NotificationConfiguration" else { throw S3Error.malformedXML() }
        var configuration = NotificationConfiguration()
        for node in root.all("CloudFunctionConfiguration") + root.all("LambdaFunctionConfiguration") {
            guard let arn = node.value("CloudFunction") ?? node.value("LambdaFunctionArn") else { throw S3Error.malformedXML() }
            let (id, events, rules) = try common(node)
            configuration.lambdaFunctions.append(LambdaFunction(id: id, functionArn: arn, events: events, filterRules: rules))
        }
        for node in root.all("QueueConfiguration") {
            guard let arn = node.value("Queue") else { throw S3Error.malformedXML() }
            let (id, events, rules) = try common(node)
            configuration.queues.append(Queue(id: id, queueArn: arn, events: events, filterRules: rules))
        }
        if !root.all("TopicConfiguration").isEmpty {
            throw S3Error.invalidArgument("Unable to validate the following destination configurations: Petrel has no SNS topics; use a QueueConfiguration, a LambdaFunctionConfiguration or EventBridgeConfiguration.",
                                   name: "Destination", value: "Topic")
        }
        configuration.eventBridge = root.child("EventBridgeConfiguration") != nil
        try configuration.checkOverlaps()
        return configuration
    }

    /// A destination's Id (S3 makes one up when none is given), events and filter rules.
    static func common(_ node: XMLNode) throws(S3Error) -> (String, [String], [FilterRule]) {
        let events = node.all("Event").map(\.text)
        guard !events.isEmpty else { throw S3Error.malformedXML() }
        for event in events where !knownEvents.contains(event) {
            throw S3Error.invalidArgument("The event is not supported for notifications", name: "Event", value: event)
        }
        var rules: [FilterRule] = []
        for rule in node.child("Filter")?.child("S3Key")?.all("FilterRule") ?? [] {
            let name = rule.value("Name") ?? ""
            guard ["prefix", "suffix"].contains(name.lowercased()) else {
                throw S3Error.invalidArgument("filter rule name must be either prefix or suffix", name: "FilterRule.Name", value: name)
            }
            if rules.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                throw S3Error.invalidArgument("Cannot specify more than one \(name.lowercased()) rule in a filter.", name: "FilterRule.Name", value: name)
            }
            rules.append(FilterRule(name: name, value: rule.value("Value") ?? ""))
        }
        let id = node.value("Id").flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
        return (id, events, rules)
    }

    /// Two configurations (of any destination type) that share an event type and whose prefix
    /// and suffix rules can both match one key overlap: S3 refuses them.
    func checkOverlaps() throws(S3Error) {
        let all = destinations
        for i in all.indices {
            for j in all.indices where j > i {
                let a = all[i], b = all[j]
                let sharesEvent = a.events.contains { e in b.events.contains { NotificationConfiguration.eventsOverlap(e, $0) } }
                let prefixes = UTF8Order.hasPrefix(a.prefix, b.prefix) || UTF8Order.hasPrefix(b.prefix, a.prefix)
                let suffixes = a.suffix.hasSuffix(b.suffix) || b.suffix.hasSuffix(a.suffix)
                if sharesEvent && prefixes && suffixes {
                    throw S3Error.invalidArgument("Configurations overlap. Configurations on the same bucket cannot share a common event type.",
                                           name: "Event", value: a.events.first { e in b.events.contains { NotificationConfiguration.eventsOverlap(e, $0) } })
                }
            }
        }
    }

    /// The configuration as `GetBucketNotificationConfiguration` answers it.
    public var xml: String {
        var xml = XMLText()
        xml.open("NotificationConfiguration", namespace: true)
        for queue in queues {
            Self.render(&xml, "QueueConfiguration", queue, arnElement: "Queue", arn: queue.queueArn)
        }
        for function in lambdaFunctions {
            Self.render(&xml, "CloudFunctionConfiguration", function, arnElement: "CloudFunction", arn: function.functionArn)
        }
        if eventBridge {
            xml.open("EventBridgeConfiguration")
            xml.close("EventBridgeConfiguration")
        }
        xml.close("NotificationConfiguration")
        return xml.document
    }

    static func render(_ xml: inout XMLText, _ element: String, _ destination: any NotificationDestination, arnElement: String, arn: String) {
        xml.open(element)
        xml.element("Id", destination.id)
        xml.element(arnElement, arn)
        for event in destination.events { xml.element("Event", event) }
        if !destination.filterRules.isEmpty {
            xml.open("Filter")
            xml.open("S3Key")
            for rule in destination.filterRules {
                xml.open("FilterRule")
                xml.element("Name", rule.name)
                xml.element("Value", rule.value)
                xml.close("FilterRule")
            }
            xml.close("S3Key")
            xml.close("Filter")
        }
        xml.close(element)
    }
}

/// One change to one object, as an S3 event notification describes it.
public struct ObjectEvent: Sendable, Equatable {
    /// `s3:ObjectCreated:Put`, `s3:ObjectRemoved:Delete`, …
    public var eventName: String
    public var bucket: String
    public var key: String
    public var size: Int64?
    public var etag: String?
    public var versionID: String?
    public var sequencer: String
    public var time: Date
    public var region: String
    public var requestID: String
    public var sourceIP: String
    public var principalID: String

    public init(eventName: String, bucket: String, key: String, size: Int64? = nil, etag: String? = nil, versionID: String? = nil,
                sequencer: String, time: Date, region: String, requestID: String, sourceIP: String, principalID: String) {
        self.eventName = eventName
        self.bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self.versionID = versionID
        self.sequencer = sequencer
        self.time = time
        self.region = region
        self.requestID = requestID
        self.sourceIP = sourceIP
        self.principalID = principalID
    }

    /// The event a Lambda destination receives: `{"Records":[…]}` with AWS's record shape.
    public func payload(configurationID: String) -> Data {
        var object: [String: Any] = ["key": ObjectEvent.encodeKey(key), "sequencer": sequencer]
        if let size { object["size"] = size }
        if let etag { object["eTag"] = Conditions.unquote(etag) }
        if let versionID { object["versionId"] = versionID }
        let record: [String: Any] = [
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": region,
            "eventTime": HTTPDate.iso8601(time),
            "eventName": eventName.hasPrefix("s3:") ? String(eventName.dropFirst(3)) : eventName,
            "userIdentity": ["principalId": principalID],
            "requestParameters": ["sourceIPAddress": sourceIP],
            "responseElements": ["x-amz-request-id": requestID, "x-amz-id-2": requestID],
            "s3": [
                "s3SchemaVersion": "1.0",
                "configurationId": configurationID,
                "bucket": ["name": bucket, "ownerIdentity": ["principalId": principalID], "arn": "arn:aws:s3:::\(bucket)"],
                "object": object,
            ] as [String: Any],
        ]
        return (try? JSONSerialization.data(withJSONObject: ["Records": [record]], options: [.sortedKeys])) ?? Data()
    }

    /// Keys in events are form-encoded as AWS sends them: a space becomes `+`, `/` stays.
    public static func encodeKey(_ key: String) -> String {
        URLEncoding.encode(key).replacingOccurrences(of: "%20", with: "+")
    }
}

extension NotificationConfiguration {
    /// What one event causes, to be stored in the change's own transaction: an asynchronous
    /// invocation per matching Lambda destination, an outbox message per matching queue, and
    /// the EventBridge event when EventBridge is on.
    public func deliveries(for event: ObjectEvent) -> [QueuedNotification] {
        var out: [QueuedNotification] = lambdaFunctions.compactMap { destination in
            guard destination.matches(eventName: event.eventName, key: event.key),
                  let function = FunctionARN(destination.functionArn) else { return nil }
            return .invocation(QueuedInvocation(functionName: function.name, qualifier: function.qualifier,
                                                region: function.region ?? event.region,
                                                payload: event.payload(configurationID: destination.id)))
        }
        for queue in queues where queue.matches(eventName: event.eventName, key: event.key) {
            out.append(.outbox(OutboxMessage(kind: .queue, target: queue.queueArn, region: event.region,
                                             body: String(decoding: event.payload(configurationID: queue.id), as: UTF8.self))))
        }
        if eventBridge, let found = event.eventBridgeDetail() {
            out.append(.outbox(OutboxMessage(kind: .eventBridge, target: found.detailType, region: event.region,
                                             body: ObjectEvent.jsonText(found.detail), time: event.time)))
        }
        return out
    }
}

extension ObjectEvent {
    /// A JSON value as compact text, keys sorted (outbox bodies, queue messages).
    public static func jsonText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The EventBridge `detail-type` and `reason` of an S3 event name, as AWS maps them
    /// ("Using EventBridge" in the S3 user guide); nil for events S3 does not send to EventBridge.
    static func eventBridgeKind(_ eventName: String) -> (detailType: String, reason: String?, deletionType: String?)? {
        switch eventName {
        case "s3:ObjectCreated:Put": ("Object Created", "PutObject", nil)
        case "s3:ObjectCreated:Post": ("Object Created", "POST Object", nil)
        case "s3:ObjectCreated:Copy": ("Object Created", "CopyObject", nil)
        case "s3:ObjectCreated:CompleteMultipartUpload": ("Object Created", "CompleteMultipartUpload", nil)
        case "s3:ObjectRemoved:Delete": ("Object Deleted", "DeleteObject", "Permanently Deleted")
        case "s3:ObjectRemoved:DeleteMarkerCreated": ("Object Deleted", "DeleteObject", "Delete Marker Created")
        case "s3:LifecycleExpiration:Delete": ("Object Deleted", "Lifecycle Expiration", "Permanently Deleted")
        case "s3:LifecycleExpiration:DeleteMarkerCreated": ("Object Deleted", "Lifecycle Expiration", "Delete Marker Created")
        case "s3:ObjectTagging:Put": ("Object Tags Added", nil, nil)
        case "s3:ObjectTagging:Delete": ("Object Tags Deleted", nil, nil)
        case "s3:ObjectAcl:Put": ("Object ACL Updated", nil, nil)
        case "s3:ObjectRestore:Post": ("Object Restore Initiated", nil, nil)
        case "s3:ObjectRestore:Completed": ("Object Restore Completed", nil, nil)
        case "s3:ObjectRestore:Delete": ("Object Restore Expired", nil, nil)
        default: nil
        }
    }

    /// The event's `detail-type` and `detail` on EventBridge (source `aws.s3`, resources the
    /// bucket's ARN): keys are not encoded there, unlike in notification records.
    public func eventBridgeDetail() -> (detailType: String, detail: JSONValue)? {
        guard let kind = Self.eventBridgeKind(eventName) else { return nil }
        var object: [String: JSONValue] = ["key": .string(key), "sequencer": .string(sequencer)]
        if let size { object["size"] = .number(Double(size)) }
        if let etag { object["etag"] = .string(Conditions.unquote(etag)) }
        if let versionID { object["version-id"] = .string(versionID) }
        var detail: [String: JSONValue] = [
            "version": .string("0"),
            "bucket": .object(["name": .string(bucket)]),
            "object": .object(object),
            "request-id": .string(requestID),
            "requester": .string(requester),
            "source-ip-address": .string(sourceIP),
        ]
        if let reason = kind.reason { detail["reason"] = .string(reason) }
        if let deletion = kind.deletionType { detail["deletion-type"] = .string(deletion) }
        return (kind.detailType, .object(detail))
    }

    /// `requester` on EventBridge: the account id, or the service (`s3.amazonaws.com` for lifecycle).
    var requester: String {
        for prefix in ["AWSService:", "AWS:"] where principalID.hasPrefix(prefix) { return String(principalID.dropFirst(prefix.count)) }
        return principalID
    }
}

/// A function named by ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`) or by name.
public struct FunctionARN: Sendable, Equatable {
    public var name: String
    public var qualifier: String?
    public var region: String?

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function" {
            name = parts[6]
            qualifier = parts.count >= 8 ? parts[7] : nil
            region = parts[3].isEmpty ? nil : parts[3]
        } else if parts.count == 1, !text.isEmpty {
            name = text
            region = nil
        } else {
            return nil
        }
        guard !name.isEmpty else { return nil }
    }
}
