import Foundation
import Logging
import PetrelCore
import PetrelEventBridge
import PetrelFunctions
import PetrelIdentity
import PetrelInvoker
import PetrelMetrics
import PetrelQueues

/// Amazon EventBridge (`X-Amz-Target: AWSEvents.*`, JSON 1.1): parse, call, render.
struct EventBridgeRoutes: Sendable {
    static let targetPrefix = "AWSEvents"
    let service: EventBridgeService

    func handle(operation: String, body: Data, account: Account) throws -> Data {
        try service.handle(operation: operation, body: body, region: account.region)
    }

    /// What the service delivers through: SQS queues by ARN, the function registry, the async queue.
    static func sinks(queues: QueueService, queueStore: QueueStore, functions: FunctionRegistry, asyncQueue: AsyncInvocationQueue,
                      account: Account, permissions: FunctionPermissions, metrics: MetricsStore) -> EventSinks {
        let unavailable = UnavailableQueues(ProcessInfo.processInfo.environment["PETREL_EVENTS_UNAVAILABLE_QUEUES"])
        var sinks = EventSinks(
            sendMessage: { arn, body, groupID, attributes in
                try unavailable?.check(arn)
                try queues.send(toQueueArn: arn, body: body,
                                attributes: attributes.mapValues { MessageAttributeValue(dataType: "String", stringValue: $0) },
                                groupID: groupID, senderID: account.id)
            },
            functionExists: { name, region in
                (try? functions.get(FunctionReference(name: name), account: account.inRegion(region), weighted: false)) != nil
            },
            wakeFunctions: { asyncQueue.wake() },
            functionAllows: { name, qualifier, region, ruleArn in
                allows(permissions, function: name, qualifier: qualifier, ruleArn: ruleArn, account: account.inRegion(region))
            },
            recordMetric: { metric, dimensionSets, value in
                for dimensions in dimensionSets {
                    metrics.record(namespaced: "\(EventMetric.namespace)/\(metric.rawValue)", dimensions: dimensions, value: value)
                }
            })
        // As AWS: the queue's policy must allow events.amazonaws.com for the rule; a queue with
        // no policy refuses (only AWS's console adds that statement, and Petrel's console does too).
        sinks.queueAllows = { queueArn, ruleArn in
            QueuePolicies(queues: queues).allowsService(principal: "events.amazonaws.com", queueArn: queueArn,
                                                        sourceArn: ruleArn, sourceAccount: account.id)
        }
        sinks.queueExists = { queueArn in
            guard let address = QueueAddress(arn: queueArn) else { return false }
            do { return try queueStore.queue(address) != nil } catch { return true }   // the send reports the error
        }
        return sinks
    }

    static let eventsPrincipal = PrincipalIdentity(kind: .service, account: "", arn: "events.amazonaws.com",
                                                   userID: "events.amazonaws.com", serviceName: "events.amazonaws.com")

    /// The function's resource-based policy, evaluated for `events.amazonaws.com` invoking it
    /// with the rule as `aws:SourceArn` (what AddPermission's `--source-arn` conditions on).
    static func allows(_ permissions: FunctionPermissions, function: String, qualifier: String?, ruleArn: String, account: Account) -> Bool {
        var principal = eventsPrincipal
        principal.account = account.id
        let question = AuthorizationRequest(action: "lambda:InvokeFunction", resource: account.lambdaFunctionARN(function, qualifier: qualifier),
                                            resourceAccount: account.id, principal: principal,
                                            context: ["aws:sourcearn": [ruleArn], "aws:sourceaccount": [account.id]])
        let policies = PolicySet(resource: permissions.resourcePolicies(function: function, qualifier: qualifier))
        return PolicyEvaluator.evaluate(question, policies).isAllowed
    }

    /// For tests only (`PETREL_EVENTS_UNAVAILABLE_QUEUES=PREFIX:SECONDS`): EventBridge's sends to
    /// queues whose name starts with PREFIX fail with an internal error during the server's first
    /// SECONDS, as a send to an unavailable SQS would. Every other delivery failure Petrel can
    /// meet (a missing queue, a policy that refuses) is one AWS does not retry, so this is how the
    /// e2e tests reach the retries.
    struct UnavailableQueues: Sendable {
        let prefix: String
        let until: Date

        init?(_ setting: String?) {
            guard let setting, let colon = setting.lastIndex(of: ":"),
                  let seconds = Double(setting[setting.index(after: colon)...]) else { return nil }
            prefix = String(setting[..<colon])
            until = Date().addingTimeInterval(seconds)
        }

        func check(_ queueArn: String) throws {
            let name = queueArn.split(separator: ":").last.map(String.init) ?? ""
            guard !prefix.isEmpty, name.hasPrefix(prefix), Date() < until else { return }
            throw AWSError("InternalError", status: 500, "The queue is unavailable (PETREL_EVENTS_UNAVAILABLE_QUEUES).")
        }
    }
}
