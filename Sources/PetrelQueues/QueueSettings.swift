import Foundation
import PetrelCore

/// A queue's settable attributes, validated. Stored as AWS's own attribute map (names and
/// string values), so GetQueueAttributes answers exactly what was set.
public struct QueueSettings: Sendable, Equatable {
    public var fifo: Bool
    public var visibilityTimeout = 30
    public var maximumMessageSize = 1_048_576
    public var messageRetentionPeriod = 345_600
    public var delaySeconds = 0
    public var receiveMessageWaitTimeSeconds = 0
    public var redrivePolicy: RedrivePolicy?
    public var redriveAllowPolicy: String?
    public var policy: String?
    public var contentBasedDeduplication = false
    public var deduplicationScope = "queue"
    public var fifoThroughputLimit = "perQueue"
    public var kmsMasterKeyId: String?
    public var kmsDataKeyReusePeriodSeconds = 300
    public var sqsManagedSseEnabled = true

    public init(fifo: Bool) { self.fifo = fifo }

    /// Attribute names CreateQueue and SetQueueAttributes take.
    public static let settable: Set<String> = [
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "Policy", "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    ]
    /// Attributes only FIFO queues have.
    static let fifoOnly: Set<String> = ["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]
    /// Every name GetQueueAttributes knows (botocore's QueueAttributeName).
    public static let readable: Set<String> = settable.union([
        "All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ])

    /// Applies `attributes` (AWS names, string values) over these settings, validating each as
    /// SQS does. `creating` allows `FifoQueue`, which cannot change afterwards.
    public mutating func apply(_ attributes: [String: String], creating: Bool) throws {
        for name in attributes.keys.sorted() {
            let value = attributes[name]!
            guard Self.settable.contains(name) else { throw QueueError.invalidAttributeName(name) }
            if Self.fifoOnly.contains(name), !fifo, name != "FifoQueue" {
                throw QueueError.invalidAttributeName(name)
            }
            switch name {
            case "DelaySeconds": delaySeconds = try Self.int(name, value, 0...900)
            case "MaximumMessageSize": maximumMessageSize = try Self.int(name, value, 1024...1_048_576)
            case "MessageRetentionPeriod": messageRetentionPeriod = try Self.int(name, value, 60...1_209_600)
            case "ReceiveMessageWaitTimeSeconds": receiveMessageWaitTimeSeconds = try Self.int(name, value, 0...20)
            case "VisibilityTimeout": visibilityTimeout = try Self.int(name, value, 0...43_200)
            case "KmsDataKeyReusePeriodSeconds": kmsDataKeyReusePeriodSeconds = try Self.int(name, value, 60...86_400)
            case "Policy":
                if value.isEmpty { policy = nil; continue }
                // A resource policy by IAM's grammar (the one the authorizer evaluates it with).
                guard (try? QueuePolicy.document(value, queueARN: "*")) != nil else {
                    throw QueueError.invalidAttributeValue(name, "Invalid value for the parameter Policy.")
                }
                policy = value
            case "RedrivePolicy":
                redrivePolicy = value.isEmpty ? nil : try RedrivePolicy.parse(value)
            case "RedriveAllowPolicy":
                if value.isEmpty { redriveAllowPolicy = nil; continue }
                try RedriveAllowPolicy.validate(value)
                redriveAllowPolicy = value
            case "KmsMasterKeyId": kmsMasterKeyId = value.isEmpty ? nil : value
            case "SqsManagedSseEnabled": sqsManagedSseEnabled = try Self.bool(name, value)
            case "FifoQueue":
                let wanted = try Self.bool(name, value)
                if wanted != fifo {
                    if creating, !wanted, !fifo { continue }
                    throw QueueError.invalidAttributeValue(name, creating
                        ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                        : "You can't change the FifoQueue attribute of an existing queue.")
                }
            case "ContentBasedDeduplication": contentBasedDeduplication = try Self.bool(name, value)
            case "DeduplicationScope":
                guard ["queue", "messageGroup"].contains(value) else { throw QueueError.invalidAttributeValue(name) }
                deduplicationScope = value
            case "FifoThroughputLimit":
                guard ["perQueue", "perMessageGroupId"].contains(value) else { throw QueueError.invalidAttributeValue(name) }
                fifoThroughputLimit = value
            default: break
            }
        }
        try applyEncryptionChoice(attributes)
        if fifo, fifoThroughputLimit == "perMessageGroupId", deduplicationScope != "messageGroup" {
            throw QueueError.invalidAttributeValue("FifoThroughputLimit",
                "The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup.")
        }
    }

    /// A queue is encrypted one way at a time: SSE-SQS (the default) or SSE-KMS. Naming a KMS key
    /// turns SSE-SQS off, turning SSE-SQS on drops the key, and asking for both at once is refused.
    mutating func applyEncryptionChoice(_ attributes: [String: String]) throws {
        let key = attributes["KmsMasterKeyId"].map { !$0.isEmpty }
        let managed = attributes["SqsManagedSseEnabled"]?.lowercased() == "true"
        if key == true, managed {
            throw QueueError.invalidAttributeValue("SqsManagedSseEnabled",
                "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
        }
        if key == true { sqsManagedSseEnabled = false }
        if managed { kmsMasterKeyId = nil }
    }

    /// The settable attributes as GetQueueAttributes shows them.
    public var attributes: [String: String] {
        var out: [String: String] = [
            "VisibilityTimeout": String(visibilityTimeout),
            "MaximumMessageSize": String(maximumMessageSize),
            "MessageRetentionPeriod": String(messageRetentionPeriod),
            "DelaySeconds": String(delaySeconds),
            "ReceiveMessageWaitTimeSeconds": String(receiveMessageWaitTimeSeconds),
            "SqsManagedSseEnabled": String(sqsManagedSseEnabled),
        ]
        if let redrivePolicy { out["RedrivePolicy"] = redrivePolicy.json }
        if let redriveAllowPolicy { out["RedriveAllowPolicy"] = redriveAllowPolicy }
        if let policy { out["Policy"] = policy }
        if let kmsMasterKeyId {
            out["KmsMasterKeyId"] = kmsMasterKeyId
            out["KmsDataKeyReusePeriodSeconds"] = String(kmsDataKeyReusePeriodSeconds)
        }
        if fifo {
            out["FifoQueue"] = "true"
            out["ContentBasedDeduplication"] = String(contentBasedDeduplication)
            out["DeduplicationScope"] = deduplicationScope
            out["FifoThroughputLimit"] = fifoThroughputLimit
        }
        return out
    }

    /// For CreateQueue on an existing name: the first given attribute whose value differs
    /// (nil: the call is idempotent and answers the existing URL).
    public func firstDifference(from attributes: [String: String]) -> String? {
        var proposed = self
        guard (try? proposed.apply(attributes, creating: true)) != nil else { return attributes.keys.sorted().first }
        let mine = self.attributes, theirs = proposed.attributes
        for name in attributes.keys.sorted() where mine[name] != theirs[name] { return name }
        return nil
    }

    static func int(_ name: String, _ value: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
            throw QueueError.invalidAttributeValue(name)
        }
        return n
    }

    static func bool(_ name: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw QueueError.invalidAttributeValue(name)
        }
    }
}

/// `{"deadLetterTargetArn": "...", "maxReceiveCount": N}`.
public struct RedrivePolicy: Sendable, Equatable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(deadLetterTargetArn: String, maxReceiveCount: Int) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.maxReceiveCount = maxReceiveCount
    }

    public static func parse(_ text: String) throws -> RedrivePolicy {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Redrive policy is not a valid JSON map.")
        }
        for key in object.keys where !["deadLetterTargetArn", "maxReceiveCount"].contains(key) {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
        }
        guard let arn = object["deadLetterTargetArn"] as? String, QueueAddress(arn: arn) != nil else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Value \(object["deadLetterTargetArn"].map { "\($0)" } ?? "null") for parameter deadLetterTargetArn is invalid.")
        }
        let count: Int?
        switch object["maxReceiveCount"] {
        case let n as NSNumber: count = n.doubleValue.rounded() == n.doubleValue ? n.intValue : nil
        case let s as String: count = Int(s)
        default: count = nil
        }
        guard let count, (1...1000).contains(count) else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Value \(object["maxReceiveCount"].map { "\($0)" } ?? "null") for parameter maxReceiveCount is invalid. Reason: Must be between 1 and 1000.")
        }
        return RedrivePolicy(deadLetterTargetArn: arn, maxReceiveCount: count)
    }

    /// AWS answers the policy with the count as a number: `{"deadLetterTargetArn":"…","maxReceiveCount":5}`.
    public var json: String {
        "{\"deadLetterTargetArn\":\"\(deadLetterTargetArn)\",\"maxReceiveCount\":\(maxReceiveCount)}"
    }
}

/// `{"redrivePermission": "allowAll"|"denyAll"|"byQueue", "sourceQueueArns": [...]}`.
public enum RedriveAllowPolicy {
    public static func validate(_ text: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let permission = object["redrivePermission"] as? String else {
            throw QueueError.invalidAttributeValue("RedriveAllowPolicy", "Redrive allow policy is not a valid JSON map with redrivePermission.")
        }
        let sources = object["sourceQueueArns"] as? [String]
        switch permission {
        case "allowAll", "denyAll":
            if sources != nil {
                throw QueueError.invalidAttributeValue("RedriveAllowPolicy", "sourceQueueArns can be specified only when redrivePermission is byQueue.")
            }
        case "byQueue":
            guard let sources, (1...10).contains(sources.count) else {
                throw QueueError.invalidAttributeValue("RedriveAllowPolicy", "sourceQueueArns must hold 1 to 10 queue ARNs when redrivePermission is byQueue.")
            }
        default:
            throw QueueError.invalidAttributeValue("RedriveAllowPolicy", "redrivePermission must be allowAll, denyAll or byQueue.")
        }
    }

    /// Whether a queue may name the queue with this policy as its dead-letter queue.
    public static func allows(_ text: String?, source: String) -> Bool {
        guard let text, let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let permission = object["redrivePermission"] as? String else { return true }
        switch permission {
        case "denyAll": return false
        case "byQueue": return (object["sourceQueueArns"] as? [String] ?? []).contains(source)
        default: return true
        }
    }
}
