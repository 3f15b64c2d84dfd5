import Foundation
import Logging
import PetrelCore
import PetrelEventBridge
import PetrelFunctions
import PetrelInvoker
import PetrelQueues

/// Amazon EventBridge (`X-Amz-Target: AWSEvents.*`, JSON 1.1): parse, call, render.
struct EventBridgeRoutes: Sendable {
    static let targetPrefix = "AWSEvents"
    let service: EventBridgeService

    func handle(operation: String, body: Data, account: Account) throws -> Data {
        try service.handle(operation: operation, body: body, region: account.region)
    }

    /// What the service delivers through: SQS queues by ARN, the function registry, the async queue.
    static func sinks(queues: QueueService, functions: FunctionRegistry, asyncQueue: AsyncInvocationQueue,
                      account: Account) -> EventSinks {
        EventSinks(
            sendMessage: { arn, body, groupID, attributes in
                try queues.send(toQueueArn: arn, body: body,
                                attributes: attributes.mapValues { MessageAttributeValue(dataType: "String", stringValue: $0) },
                                groupID: groupID, senderID: account.id)
            },
            functionExists: { name, region in
                (try? functions.get(FunctionReference(name: name), account: account.inRegion(region), weighted: false)) != nil
            },
            wakeFunctions: { asyncQueue.wake() })
    }
}
