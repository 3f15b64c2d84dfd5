import Foundation

/// A bucket's notification configuration: the Lambda destinations (queues and topics arrive
/// with those services). Kept as JSON in storage; parsed from and rendered to S3's XML.
public struct NotificationConfiguration: Sendable, Equatable, Codable {
    public struct LambdaFunction: Sendable, Equatable, Codable {
        public var id: String
        public var functionArn: String
        public var events: [String]
        /// `prefix` / `suffix` rules, names as sent (S3 accepts any case, answers as stored).
        public var filterRules: [FilterRule]

        public init(id: String, functionArn: String, events: [String], filterRules: [FilterRule] = []) {
            self.id = id
            self.functionArn = functionArn
            self.events = events
            self.filterRules = filterRules
        }

        var prefix: String { filterRules.first { $0.name.lowercased() == "prefix" }?.value ?? "" }
        var suffix: String { filterRules.first { $0.name.lowercased() == "suffix" }?.value ?? "" }

        /// Whether this configuration wants `eventName` (`s3:ObjectCreated:Put`) for `key`.
        public func matches(eventName: String, key: String) -> Bool {
            events.contains { NotificationConfiguration.eventMatches($0, eventName) }
                && UTF8Order.hasPrefix(key, prefix) && key.utf8.reversed().starts(with: suffix.utf8.reversed())
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

    public init(lambdaFunctions: [LambdaFunction] = []) { self.lambdaFunctions = lambdaFunctions }

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
            configuration.lambdaFunctions.append(LambdaFunction(id: id, functionArn: arn, events: events, filterRules: rules))
        }
        if !root.all("QueueConfiguration").isEmpty || !root.all("TopicConfiguration").isEmpty {
            throw S3Error.invalidArgument("Unable to validate the following destination configurations: Petrel serves Lambda destinations only.",
                                   name: "Destination", value: "Queue/Topic")
        }
        try configuration.checkOverlaps()
        return configuration
    }

    /// Two configurations that share an event type and whose prefix and suffix rules can both
    /// match one key overlap: S3 refuses them.
    func checkOverlaps() throws(S3Error) {
        let all = lambdaFunctions
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
        for function in lambdaFunctions {
            xml.open("CloudFunctionConfiguration")
            xml.element("Id", function.id)
            xml.element("CloudFunction", function.functionArn)
            for event in function.events { xml.element("Event", event) }
            if !function.filterRules.isEmpty {
                xml.open("Filter")
                xml.open("S3Key")
                for rule in function.filterRules {
                    xml.open("FilterRule")
                    xml.element("Name", rule.name)
                    xml.element("Value", rule.value)
                    xml.close("FilterRule")
                }
                xml.close("S3Key")
                xml.close("Filter")
            }
            xml.close("CloudFunctionConfiguration")
        }
        xml.close("NotificationConfiguration")
        return xml.document
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
    /// The asynchronous invocations one event causes: one per matching Lambda destination.
    public func invocations(for event: ObjectEvent) -> [QueuedInvocation] {
        lambdaFunctions.compactMap { destination in
            guard destination.matches(eventName: event.eventName, key: event.key),
                  let function = FunctionARN(destination.functionArn) else { return nil }
            return QueuedInvocation(functionName: function.name, qualifier: function.qualifier, region: function.region ?? event.region,
                                    payload: event.payload(configurationID: destination.id))
        }
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
