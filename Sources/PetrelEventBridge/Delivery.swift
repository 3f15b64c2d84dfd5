import Foundation
import PetrelCore
import PetrelStore

/// One matched event for one target.
struct Delivery: Sendable {
    var target: TargetSpec
    var ruleArn: String
    var ruleName: String
    var event: JSONValue

    var payload: String { TargetInput.render(target, event: event, ruleArn: ruleArn, ruleName: ruleName) }
}

extension EventBridgeService {
    static let maxHops = 5

    /// Lambda targets are queued as asynchronous invocations in one transaction (with
    /// `alsoInTransaction`, which a schedule uses to record its firing), so a matched event
    /// survives `kill -9`; queues and buses are sent to after it commits. A target that cannot
    /// take the event (a missing function or queue, a function whose resource-based policy does
    /// not allow events.amazonaws.com for the rule) goes to its dead-letter queue, with AWS's
    /// attributes.
    func deliver(_ deliveries: [Delivery], hops: Int = 0,
                 alsoInTransaction: ((any SQLConnection) throws -> Bool)? = nil) throws {
        var functionRows: [(Delivery, String, String?, String)] = []
        var others: [Delivery] = []
        var failures: [(Delivery, String, String)] = []
        for delivery in deliveries {
            if case .function(let name, let qualifier, let region)? = Self.kind(delivery.target.Arn) {
                if !sinks.functionExists(name, region) {
                    failures.append((delivery, "ResourceNotFoundException", "Function does not exist: \(delivery.target.Arn)"))
                } else if sinks.functionAllows(name, qualifier, region, delivery.ruleArn) {
                    functionRows.append((delivery, name, qualifier, region))
                } else {
                    failures.append((delivery, "NO_PERMISSIONS", "The resource-based policy of \(delivery.target.Arn) does not allow events.amazonaws.com to invoke it for \(delivery.ruleArn) (lambda add-permission --principal events.amazonaws.com --source-arn RULE_ARN)"))
                }
            } else {
                others.append(delivery)
            }
        }
        var proceed = true
        if !functionRows.isEmpty || alsoInTransaction != nil {
            proceed = try store.database.write { db in
                if let alsoInTransaction, try !alsoInTransaction(db) { return false }
                let now = Date().timeIntervalSince1970
                for (delivery, name, qualifier, region) in functionRows {
                    try db.execute(sql: """
                        INSERT INTO lambda_async_invocations (request_id, function_name, qualifier, region, payload, not_before, created)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [UUID().uuidString.lowercased(), name, qualifier, region, Data(delivery.payload.utf8), now, now])
                }
                return true
            }
            if proceed, !functionRows.isEmpty { sinks.wakeFunctions() }
        }
        guard proceed else { return }
        for delivery in others {
            switch Self.kind(delivery.target.Arn) {
            case .queue(let arn)?:
                do {
                    try sinks.sendMessage(arn, delivery.payload, delivery.target.SqsParameters?.MessageGroupId, [:])
                } catch {
                    failures.append((delivery, "SQSError", "\(error)"))
                }
            case .bus(let name, let region)?:
                guard hops < Self.maxHops, (try? existingBus(name, region: region)) != nil else {
                    failures.append((delivery, "ResourceNotFoundException", "Event bus \(name) does not exist or the event crossed too many buses."))
                    continue
                }
                try publish(delivery.event, bus: name, region: region, hops: hops + 1)
            case .function?, nil:
                break
            }
        }
        for (delivery, code, message) in failures {
            guard let dlq = delivery.target.DeadLetterConfig?.Arn else {
                logger.warning("EventBridge could not deliver to \(delivery.target.Arn) (rule \(delivery.ruleArn)): \(message)")
                continue
            }
            let attributes = ["RULE_ARN": delivery.ruleArn, "TARGET_ARN": delivery.target.Arn,
                              "ERROR_CODE": code, "ERROR_MESSAGE": message]
            do {
                try sinks.sendMessage(dlq, TargetInput.encode(delivery.event), nil, attributes)
            } catch {
                logger.error("EventBridge could not send to the dead-letter queue \(dlq): \(error)")
            }
        }
    }
}
