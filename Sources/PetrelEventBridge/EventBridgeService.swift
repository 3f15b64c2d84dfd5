import Foundation
import Logging
import PetrelCore
import PetrelPatterns
import PetrelStore
import Synchronization

/// Where matched events go besides Lambda functions (whose invocations this module queues
/// itself, in PetrelInvoker's `lambda_async_invocations` table, as S3 notifications do).
public struct EventSinks: Sendable {
    /// Sends a message to the SQS queue `arn` names (attributes are String-typed); throws when it cannot.
    public var sendMessage: @Sendable (_ queueArn: String, _ body: String, _ groupID: String?, _ attributes: [String: String]) throws -> Void
    /// Whether a function exists (a target naming none goes to its dead-letter queue).
    public var functionExists: @Sendable (_ name: String, _ region: String) -> Bool
    /// Runs the async invocation queue now (after rows were queued).
    public var wakeFunctions: @Sendable () -> Void
    /// Whether the function's resource-based policy lets `events.amazonaws.com` invoke it for
    /// the rule `ruleArn` (AWS wants an AddPermission before a rule may invoke a function).
    public var functionAllows: @Sendable (_ name: String, _ qualifier: String?, _ region: String, _ ruleArn: String) -> Bool
    /// Adds `value` to an `AWS/Events` metric under each of the dimension sets.
    public var recordMetric: @Sendable (_ metric: EventMetric, _ dimensionSets: [[String: String]], _ value: Double) -> Void
    /// Whether the queue's policy lets `events.amazonaws.com` send to it for the rule `ruleArn`
    /// (a queue without a policy does not: AWS wants the target's and the dead-letter queue's
    /// policy to allow EventBridge, which only AWS's console adds by itself).
    public var queueAllows: @Sendable (_ queueArn: String, _ ruleArn: String) -> Bool = { _, _ in true }
    /// Whether the queue exists (a target naming none fails with `NO_RESOURCE`, not retried).
    public var queueExists: @Sendable (_ queueArn: String) -> Bool = { _ in true }

    public init(sendMessage: @escaping @Sendable (String, String, String?, [String: String]) throws -> Void,
                functionExists: @escaping @Sendable (String, String) -> Bool,
                wakeFunctions: @escaping @Sendable () -> Void,
                functionAllows: @escaping @Sendable (String, String?, String, String) -> Bool = { _, _, _, _ in true },
                recordMetric: @escaping @Sendable (EventMetric, [[String: String]], Double) -> Void = { _, _, _ in }) {
        self.sendMessage = sendMessage
        self.functionExists = functionExists
        self.wakeFunctions = wakeFunctions
        self.functionAllows = functionAllows
        self.recordMetric = recordMetric
    }
}

/// Amazon EventBridge (AWSEvents, JSON 1.1): buses, rules, targets, PutEvents and schedules.
public final class EventBridgeService: Sendable {
    let store: EventBridgeStore
    let accountID: String
    let sinks: EventSinks
    let logger: Logger
    /// A rate's minute in seconds (PETREL_EVENTS_MINUTE_SECONDS shortens it for tests).
    let minuteSeconds: Double
    let rules = RuleCache()
    /// A retry's nominal first delay in seconds (PETREL_EVENTS_RETRY_BASE_SECONDS shortens it for tests).
    let retryBaseDelay: Double

    public init(store: Store, accountID: String, sinks: EventSinks, logger: Logger, minuteSeconds: Double = 60,
                retryBaseDelay: Double = 1) {
        self.store = EventBridgeStore(database: store.database)
        self.accountID = accountID
        self.sinks = sinks
        self.logger = logger
        self.minuteSeconds = minuteSeconds
        self.retryBaseDelay = retryBaseDelay
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        EventBridgeStore.registerMigrations(&migrator)
    }

    public static let defaultBus = "default"
    static let maxEntriesSize = 256 * 1024
    static let maxTargetsPerRule = 5

    func busArn(_ name: String, region: String) -> String { "arn:aws:events:\(region):\(accountID):event-bus/\(name)" }
    func ruleArn(_ name: String, bus: String, region: String) -> String {
        bus == Self.defaultBus ? "arn:aws:events:\(region):\(accountID):rule/\(name)"
            : "arn:aws:events:\(region):\(accountID):rule/\(bus)/\(name)"
    }

    /// A bus named by name or ARN.
    static func busName(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return defaultBus }
        if value.hasPrefix("arn:"), let range = value.range(of: ":event-bus/") { return String(value[range.upperBound...]) }
        return value
    }

    /// Answers one operation's JSON body.
    public func handle(operation: String, body: Data, region: String) throws -> Data {
        let input: EventsInput
        do {
            input = try JSONDecoder().decode(EventsInput.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw AWSError.serialization("Could not parse the request body as JSON: \(error)")
        }
        let output: JSONValue
        switch operation {
        case "CreateEventBus": output = try createEventBus(input, region: region)
        case "DeleteEventBus": output = try deleteEventBus(input, region: region)
        case "DescribeEventBus": output = try describeEventBus(input, region: region)
        case "ListEventBuses": output = try listEventBuses(input, region: region)
        case "PutRule": output = try putRule(input, region: region)
        case "DeleteRule": output = try deleteRule(input, region: region)
        case "DescribeRule": output = try describeRule(input, region: region)
        case "ListRules": output = try listRules(input, region: region)
        case "EnableRule": output = try setState(input, "ENABLED", region: region)
        case "DisableRule": output = try setState(input, "DISABLED", region: region)
        case "PutTargets": output = try putTargets(input, region: region)
        case "RemoveTargets": output = try removeTargets(input, region: region)
        case "ListTargetsByRule": output = try listTargets(input, region: region)
        case "ListRuleNamesByTarget": output = try listRuleNamesByTarget(input, region: region)
        case "PutEvents": output = try putEvents(input, region: region)
        case "TestEventPattern": output = try testEventPattern(input)
        case "TagResource": output = try tagResource(input, region: region)
        case "UntagResource": output = try untagResource(input, region: region)
        case "ListTagsForResource": output = try listTags(input, region: region)
        default:
            throw AWSError.unknownOperation("Petrel's EventBridge does not support \(operation).")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(output)
    }

    static func required<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else {
            throw EventsError.validation("1 validation error detected: Value null at '\(name)' failed to satisfy constraint: Member must not be null")
        }
        return value
    }

    static func page<T>(_ items: [T], _ input: EventsInput) throws -> ([T], String?) {
        let limit = input.Limit ?? 100
        guard (1...100).contains(limit) else {
            throw EventsError.constraint("\(limit)", "limit", "Member must have value between 1 and 100")
        }
        let offset = input.NextToken.flatMap(Int.init) ?? 0
        guard offset >= 0, offset <= items.count else { throw EventsError.validation("The NextToken is not valid.") }
        let end = min(items.count, offset + limit)
        return (Array(items[offset..<end]), end < items.count ? String(end) : nil)
    }

    static func timestamp(_ seconds: Double) -> JSONValue { .number((seconds * 1000).rounded() / 1000) }
}
