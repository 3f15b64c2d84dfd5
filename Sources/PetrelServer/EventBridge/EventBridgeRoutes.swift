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
        var sinks = EventSinks(
            sendMessage: { arn, body, groupID, attributes in
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
}
