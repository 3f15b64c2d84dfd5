import Foundation
import PetrelCore

/// Queue operations: create, find, list, delete, purge, attributes, tags, permissions.
extension QueueService {
    func createQueue(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let name = try input.string("QueueName") ?? ""
        // Names are trimmed ("VisibilityTimeout " is VisibilityTimeout), as SQS's front end does.
        var attributes = Dictionary(try input.stringMap("Attributes").map { ($0.key.trimmingCharacters(in: .whitespaces), $0.value) }) { _, last in last }
        let tags = try input.stringMap("tags").merging(try input.stringMap("Tags")) { a, _ in a }
        let fifo = name.hasSuffix(".fifo")
        if attributes["FifoQueue"]?.lowercased() == "true", !fifo {
            throw QueueError.invalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
        }
        guard QueueAddress.isValidName(name), !fifo || attributes["FifoQueue"]?.lowercased() == "true" || attributes["FifoQueue"] == nil else {
            throw QueueError.invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        if fifo, attributes["FifoQueue"] == nil { attributes["FifoQueue"] = "true" }
        try validateTags(tags, queue: name)
        let address = QueueAddress(account: context.account, region: context.region, name: name)
        var settings = QueueSettings(fifo: fifo)
        try settings.apply(attributes, creating: true)
        try checkDeadLetterTarget(settings, source: address)
        let (queue, created) = try store.create(address, settings: settings, tags: tags, now: now() / 1000)
        if !created, let different = queue.settings.firstDifference(from: attributes) {
            throw QueueError.queueNameExists(different)
        }
        return .object(["QueueUrl": .string(address.url(host: context.host))])
    }

    /// A RedrivePolicy must name an existing queue of the same type that allows this source.
    func checkDeadLetterTarget(_ settings: QueueSettings, source: QueueAddress) throws {
        guard let policy = settings.redrivePolicy else { return }
        guard let target = try queue(arn: policy.deadLetterTargetArn) else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Dead-letter target does not exist.")
        }
        guard target.settings.fifo == settings.fifo else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "Dead-letter target must be of the same type (standard or FIFO) as the source queue.")
        }
        guard RedriveAllowPolicy.allows(target.settings.redriveAllowPolicy, source: source.arn) else {
            throw QueueError.invalidAttributeValue("RedrivePolicy", "The dead-letter target's RedriveAllowPolicy does not allow \(source.arn).")
        }
    }

    func validateTags(_ tags: [String: String], queue name: String = "") throws {
        guard tags.count <= 50 else { throw QueueError.invalidParameter("Too many tags added for queue \(name).") }
        for (key, value) in tags {
            guard (1...128).contains(key.count), value.count <= 256 else {
                throw QueueError.invalidParameter("Tag keys must be 1 to 128 characters and values at most 256 characters.")
            }
        }
    }

    func getQueueUrl(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let name = try input.required("QueueName")
        let owner = try input.string("QueueOwnerAWSAccountId") ?? context.account
        let address = QueueAddress(account: owner, region: context.region, name: name)
        guard QueueAddress.isValidName(name), try store.queue(address) != nil else { throw QueueError.queueDoesNotExist() }
        return .object(["QueueUrl": .string(address.url(host: context.host))])
    }

    func listQueues(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let prefix = try input.string("QueueNamePrefix") ?? ""
        let maxResults = try input.int("MaxResults")
        if let maxResults, !(1...1000).contains(maxResults) {
            throw QueueError.invalidParameter("MaxResults", String(maxResults), reason: "MaxResults must be an integer between 1 and 1000.")
        }
        var after: String?
        if let token = try input.string("NextToken") {
            guard let data = Data(base64Encoded: token), let name = String(data: data, encoding: .utf8) else {
                throw QueueError.invalidParameter("Invalid NextToken value.")
            }
            after = name
        }
        let limit = maxResults ?? 1000
        let names = try store.list(region: context.region, account: context.account, prefix: prefix, after: after, limit: limit + 1)
        var out: [String: JSONValue] = [:]
        let page = names.prefix(limit)
        if !page.isEmpty {
            out["QueueUrls"] = .array(page.map { .string(QueueAddress(account: context.account, region: context.region, name: $0).url(host: context.host)) })
        }
        if maxResults != nil, names.count > limit, let last = page.last {
            out["NextToken"] = .string(Data(last.utf8).base64EncodedString())
        }
        return .object(out)
    }

    func deleteQueue(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        try store.delete(queueID: queue.id)
        wakeups.signal(queue.id)
        return .object([:])
    }

    func purgeQueue(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        guard try store.purge(queueID: queue.id, now: now(), cooldownMs: Self.purgeCooldownMs) else {
            throw QueueError.purgeInProgress(queue.address.arn)
        }
        return .object([:])
    }

    func getQueueAttributes(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let names = try input.strings("AttributeNames")
        for name in names where !QueueSettings.readable.contains(name) {
            throw QueueError.invalidAttributeName(name)
        }
        let all = names.contains("All")
        guard !names.isEmpty else { return .object([:]) }
        var attributes = queue.settings.attributes
        attributes["QueueArn"] = queue.address.arn
        attributes["CreatedTimestamp"] = String(queue.createdAt)
        attributes["LastModifiedTimestamp"] = String(queue.modifiedAt)
        let wantsCounts = all || names.contains { $0.hasPrefix("ApproximateNumberOfMessages") }
        if wantsCounts {
            let counts = try store.counts(queueID: queue.id, now: now())
            attributes["ApproximateNumberOfMessages"] = String(counts.visible)
            attributes["ApproximateNumberOfMessagesNotVisible"] = String(counts.inFlight)
            attributes["ApproximateNumberOfMessagesDelayed"] = String(counts.delayed)
        }
        let selected = all ? attributes : attributes.filter { names.contains($0.key) }
        return .object(["Attributes": .object(selected.mapValues { .string($0) })])
    }

    func setQueueAttributes(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let attributes = Dictionary(try input.stringMap("Attributes").map { ($0.key.trimmingCharacters(in: .whitespaces), $0.value) }) { _, last in last }
        var settings = queue.settings
        try settings.apply(attributes, creating: false)
        try checkDeadLetterTarget(settings, source: queue.address)
        try store.update(queueID: queue.id, settings: settings, now: now() / 1000)
        return .object([:])
    }

    func tagQueue(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let given = try input.stringMap("Tags")
        guard !given.isEmpty else { throw QueueError.missingParameter("Tags") }
        let tags = queue.tags.merging(given) { _, new in new }
        try validateTags(tags, queue: queue.address.name)
        try store.update(queueID: queue.id, tags: tags)
        return .object([:])
    }

    func untagQueue(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        var tags = queue.tags
        let keys = try input.strings("TagKeys")
        guard !keys.isEmpty, keys.allSatisfy({ (1...128).contains($0.count) }) else {
            throw QueueError.invalidParameter("Tag keys must be between 1 and 128 characters in length.")
        }
        for key in keys { tags[key] = nil }
        try store.update(queueID: queue.id, tags: tags)
        return .object([:])
    }

    func listQueueTags(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        return queue.tags.isEmpty ? .object([:]) : .object(["Tags": .object(queue.tags.mapValues { .string($0) })])
    }

    /// AddPermission writes a statement into the queue's Policy, as SQS does.
    func addPermission(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let label = try input.required("Label")
        let accounts = try input.strings("AWSAccountIds"), actions = try input.strings("Actions")
        var policy = Self.policyObject(queue.settings.policy, queue: queue)
        var statements = policy["Statement"] as? [[String: Any]] ?? []
        guard !statements.contains(where: { $0["Sid"] as? String == label }) else {
            throw QueueError.invalidParameter("Value \(label) for parameter Label is invalid. Reason: Already exists.")
        }
        for action in actions where Self.ownerOnlyActions.contains(action) {
            throw QueueError.invalidParameter("Value SQS:\(action) for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.")
        }
        guard !actions.isEmpty else { throw QueueError.missingParameter("Actions") }
        guard !accounts.isEmpty else {
            throw QueueError.invalidParameter("Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.")
        }
        guard actions.count <= 7 else {
            throw QueueError.make("OverLimit", "\(actions.count) Actions were found, maximum allowed is 7.")
        }
        statements.append([
            "Sid": label, "Effect": "Allow",
            "Principal": ["AWS": accounts.map { "arn:aws:iam::\($0):root" }],
            "Action": actions.map { "SQS:\($0)" }, "Resource": queue.address.arn,
        ])
        policy["Statement"] = statements
        return try writePolicy(policy, queue: queue)
    }

    /// Actions AddPermission cannot share: only the queue's owner may call them.
    static let ownerOnlyActions: Set<String> = [
        "AddPermission", "RemovePermission", "CreateQueue", "DeleteQueue", "SetQueueAttributes", "TagQueue", "UntagQueue",
    ]

    func removePermission(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let label = try input.required("Label")
        var policy = Self.policyObject(queue.settings.policy, queue: queue)
        var statements = policy["Statement"] as? [[String: Any]] ?? []
        guard statements.contains(where: { $0["Sid"] as? String == label }) else {
            throw QueueError.invalidParameter("Value \(label) for parameter Label is invalid. Reason: can't find label on existing policy.")
        }
        statements.removeAll { $0["Sid"] as? String == label }
        policy["Statement"] = statements
        return try writePolicy(statements.isEmpty ? nil : policy, queue: queue)
    }

    static func policyObject(_ text: String?, queue: QueueRecord) -> [String: Any] {
        if let text, let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] { return object }
        return ["Version": "2012-10-17", "Id": "\(queue.address.arn)/SQSDefaultPolicy", "Statement": [[String: Any]]()]
    }

    func writePolicy(_ policy: [String: Any]?, queue: QueueRecord) throws -> JSONValue {
        var settings = queue.settings
        settings.policy = try policy.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try store.update(queueID: queue.id, settings: settings, now: now() / 1000)
        return .object([:])
    }

    func listDeadLetterSourceQueues(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let queue = try queue(input, context)
        let maxResults = try input.int("MaxResults")
        if let maxResults, !(1...1000).contains(maxResults) {
            throw QueueError.invalidParameter("MaxResults", String(maxResults), reason: "MaxResults must be an integer between 1 and 1000.")
        }
        let after = try input.string("NextToken").flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) }
        let limit = maxResults ?? 1000
        let sources = try store.sources(of: queue.address.arn, after: after, limit: limit + 1)
        let page = sources.prefix(limit)
        var out: [String: JSONValue] = ["queueUrls": .array(page.map { .string($0.address.url(host: context.host)) })]
        if maxResults != nil, sources.count > limit, let last = page.last {
            out["NextToken"] = .string(Data(last.address.name.utf8).base64EncodedString())
        }
        return .object(out)
    }
}
