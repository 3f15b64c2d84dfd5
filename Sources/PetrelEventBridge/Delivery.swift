import Foundation
import PetrelCore
import PetrelStore

/// One matched event for one target.
struct Delivery: Sendable {
    var target: TargetSpec
    var ruleArn: String
    var ruleName: String
    var bus: String
    var region: String
    var event: JSONValue

    var payload: String { TargetInput.render(target, event: event, ruleArn: ruleArn, ruleName: ruleName) }
}

/// Why a delivery failed, in the codes AWS puts in a dead-letter message's `ERROR_CODE`.
struct DeliveryFailure: Error, Sendable, Equatable {
    var code: String
    var message: String

    /// An SQS send's error as EventBridge reports it.
    static func sqs(_ error: any Error, queue: String) -> DeliveryFailure {
        guard let aws = error as? AWSError else { return DeliveryFailure(code: "INTERNAL_ERROR", message: "\(error)") }
        let code: String = switch aws.code {
        case let c where c.contains("QueueDoesNotExist") || c.contains("NonExistentQueue"): "NO_RESOURCE"
        case let c where c.contains("AccessDenied"): "NO_PERMISSIONS"
        case let c where c.contains("Throttl") || c.contains("OverLimit"): "THROTTLING"
        case let c where c.contains("InvalidParameter") || c.contains("InvalidMessageContents") || c.contains("MissingParameter"): "INVALID_PARAMETER"
        default: "INTERNAL_ERROR"
        }
        return DeliveryFailure(code: code, message: "SQS SendMessage to \(queue) failed: \(aws.code): \(aws.message)")
    }
}

extension EventBridgeService {
    static let maxHops = 5

    /// Lambda targets are queued as asynchronous invocations in one transaction (with
    /// `alsoInTransaction`, which a schedule uses to record its firing), so a matched event
    /// survives `kill -9`; queues and buses are sent to after it commits. A delivery that fails
    /// is retried under the target's RetryPolicy through the durable `eb_retries` table (see
    /// `runRetries`), or goes to the target's dead-letter queue when AWS does not retry its error.
    func deliver(_ deliveries: [Delivery], hops: Int = 0,
                 alsoInTransaction: ((any SQLConnection) throws -> Bool)? = nil) throws {
        var functionRows: [(Delivery, String, String?, String)] = []
        var others: [Delivery] = []
        var failures: [(Delivery, DeliveryFailure)] = []
        for delivery in deliveries {
            if case .function(let name, let qualifier, let region)? = Self.kind(delivery.target.Arn) {
                if let failure = functionFailure(delivery, name: name, qualifier: qualifier, region: region) {
                    failures.append((delivery, failure))
                } else {
                    functionRows.append((delivery, name, qualifier, region))
                }
            } else {
                others.append(delivery)
            }
        }
        var proceed = true
        if !functionRows.isEmpty || alsoInTransaction != nil {
            proceed = try store.database.write { db in
                if let alsoInTransaction, try !alsoInTransaction(db) { return false }
                for (delivery, name, qualifier, region) in functionRows {
                    try Self.queueInvocation(db, delivery, name: name, qualifier: qualifier, region: region)
                }
                return true
            }
            if proceed, !functionRows.isEmpty {
                sinks.wakeFunctions()
                for (delivery, _, _, _) in functionRows { count(.invocations, delivery) }
            }
        }
        guard proceed else { return }
        for delivery in others {
            if let failure = send(delivery, hops: hops) {
                failures.append((delivery, failure))
            } else {
                count(.invocations, delivery)
            }
        }
        let now = Date().timeIntervalSince1970
        for (delivery, failure) in failures {
            failed(delivery, failure, hops: hops, retries: 0, firstAttempt: now, retryID: nil)
        }
    }

    static func queueInvocation(_ db: any SQLConnection, _ delivery: Delivery, name: String, qualifier: String?, region: String) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO lambda_async_invocations (request_id, function_name, qualifier, region, payload, not_before, created)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [UUID().uuidString.lowercased(), name, qualifier, region, Data(delivery.payload.utf8), now, now])
    }

    /// Why a function target cannot take the event now, if it cannot.
    func functionFailure(_ delivery: Delivery, name: String, qualifier: String?, region: String) -> DeliveryFailure? {
        if !sinks.functionExists(name, region) {
            return DeliveryFailure(code: "ResourceNotFoundException", message: "Function does not exist: \(delivery.target.Arn)")
        }
        if !sinks.functionAllows(name, qualifier, region, delivery.ruleArn) {
            return DeliveryFailure(code: "NO_PERMISSIONS", message: "The resource-based policy of \(delivery.target.Arn) does not allow events.amazonaws.com to invoke it for \(delivery.ruleArn) (lambda add-permission --principal events.amazonaws.com --source-arn RULE_ARN)")
        }
        return nil
    }

    /// Sends to a queue or bus target; the failure, if it fails.
    func send(_ delivery: Delivery, hops: Int) -> DeliveryFailure? {
        switch Self.kind(delivery.target.Arn) {
        case .queue(let arn)?:
            guard sinks.queueExists(arn) else {
                return DeliveryFailure(code: "NO_RESOURCE", message: "Queue \(arn) does not exist.")
            }
            guard sinks.queueAllows(arn, delivery.ruleArn) else {
                return DeliveryFailure(code: "NO_PERMISSIONS", message: "The queue policy of \(arn) does not allow events.amazonaws.com sqs:SendMessage for \(delivery.ruleArn)")
            }
            do {
                try sinks.sendMessage(arn, delivery.payload, delivery.target.SqsParameters?.MessageGroupId, [:])
            } catch {
                return .sqs(error, queue: arn)
            }
        case .bus(let name, let region)?:
            guard hops < Self.maxHops else {
                return DeliveryFailure(code: "INVALID_PARAMETER", message: "The event crossed \(hops) buses; EventBridge stops at \(Self.maxHops) (a rule loop?).")
            }
            do {
                guard try existingBus(name, region: region) != nil else {
                    return DeliveryFailure(code: "NO_RESOURCE", message: "Event bus \(name) does not exist.")
                }
                try publish(delivery.event, bus: name, region: region, hops: hops + 1)
            } catch {
                return DeliveryFailure(code: "INTERNAL_ERROR", message: "Could not put the event on bus \(name): \(error)")
            }
        case .function?, nil:
            break
        }
        return nil
    }

    /// A failed attempt: schedule the next retry (a new or updated `eb_retries` row), or, when
    /// the error is not retried or the policy is exhausted, send the event to the dead-letter
    /// queue and count the failure.
    func failed(_ delivery: Delivery, _ failure: DeliveryFailure, hops: Int, retries: Int, firstAttempt: Double, retryID: String?) {
        let now = Date().timeIntervalSince1970
        let schedule = RetrySchedule(baseDelay: retryBaseDelay, policy: delivery.target.RetryPolicy)
        let decision: RetrySchedule.Decision? = RetrySchedule.isRetried(failure.code)
            ? schedule.next(afterRetries: retries, firstAttempt: firstAttempt, now: now, random: Double.random(in: 0..<1))
            : nil
        do {
            if case .retry(let at)? = decision {
                if let retryID {
                    try store.rescheduleRetry(id: retryID, retries: retries, notBefore: at, errorCode: failure.code, errorMessage: failure.message)
                } else {
                    try store.insertRetry(.init(id: UUID().uuidString.lowercased(), region: delivery.region, bus: delivery.bus,
                                                rule: delivery.ruleName, ruleArn: delivery.ruleArn, target: delivery.target,
                                                event: delivery.event, hops: hops, retries: retries, firstAttempt: firstAttempt,
                                                notBefore: at, errorCode: failure.code, errorMessage: failure.message))
                }
                return
            }
            if let retryID { try store.deleteRetry(id: retryID) }
        } catch {
            logger.error("EventBridge could not record a retry for \(delivery.target.Arn) (rule \(delivery.ruleArn)): \(error)")
        }
        var condition: ExhaustedRetryCondition?
        if case .exhausted(let c)? = decision { condition = c }
        giveUp(delivery, failure, condition: condition, retries: retries)
    }

    /// The event goes to the target's dead-letter queue, with AWS's attributes, if it has one.
    func giveUp(_ delivery: Delivery, _ failure: DeliveryFailure, condition: ExhaustedRetryCondition?, retries: Int) {
        count(.invocations, delivery)
        count(.failedInvocations, delivery)
        count(.deadLetterInvocations, delivery)
        guard let dlq = delivery.target.DeadLetterConfig?.Arn else {
            logger.warning("EventBridge could not deliver to \(delivery.target.Arn) (rule \(delivery.ruleArn)) after \(retries) retries: \(failure.message)")
            return
        }
        var attributes = ["RULE_ARN": delivery.ruleArn, "TARGET_ARN": delivery.target.Arn,
                          "ERROR_CODE": failure.code, "ERROR_MESSAGE": failure.message, "RETRY_ATTEMPTS": String(retries)]
        if let condition { attributes["EXHAUSTED_RETRY_CONDITION"] = condition.rawValue }
        // As AWS, EventBridge sends to the dead-letter queue as `events.amazonaws.com`: the queue
        // must exist and its policy allow the rule, else the event is dropped.
        guard sinks.queueExists(dlq), sinks.queueAllows(dlq, delivery.ruleArn) else {
            count(.invocationsFailedToBeSentToDlq, delivery)
            logger.error("EventBridge could not send to the dead-letter queue \(dlq): it does not exist or its policy does not allow events.amazonaws.com sqs:SendMessage for \(delivery.ruleArn)")
            return
        }
        do {
            try sinks.sendMessage(dlq, TargetInput.encode(delivery.event), nil, attributes)
            count(.invocationsSentToDlq, delivery)
        } catch {
            count(.invocationsFailedToBeSentToDlq, delivery)
            logger.error("EventBridge could not send to the dead-letter queue \(dlq): \(error)")
        }
    }

    func count(_ metric: EventMetric, _ delivery: Delivery, _ value: Double = 1) {
        sinks.recordMetric(metric, EventMetric.ruleDimensions(bus: delivery.bus, rule: delivery.ruleName), value)
    }

    // MARK: Retries

    /// Whether the row's rule still has its target.
    func targetExists(_ row: EventBridgeStore.PendingRetry) -> Bool {
        guard let snapshot = try? rules.snapshot({ (try store.allRules(), try store.allTargets()) }) else { return true }
        let candidates = (snapshot.buses[row.region + "\u{1}" + row.bus]?.rules ?? []) + snapshot.scheduled
        return candidates.contains { compiled in
            compiled.rule.region == row.region && compiled.rule.bus == row.bus && compiled.rule.name == row.rule
                && compiled.targets.contains { $0.Id == row.target.Id }
        }
    }

    /// Makes the retries that are due, until cancelled (on one node of a cluster: the server
    /// runs it under a lease). Rows are durable, so a retry owed before `kill -9` is made after
    /// the restart.
    public func runRetries() async {
        while !Task.isCancelled {
            var wait = 0.5
            do {
                let now = Date().timeIntervalSince1970
                for row in try store.dueRetries(now: now) where !Task.isCancelled { retry(row) }
                if let next = try store.nextRetry() { wait = min(wait, max(0.005, next - Date().timeIntervalSince1970)) }
            } catch {
                logger.error("EventBridge retries: \(error)")
                wait = 1
            }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }

    /// One retry of one pending delivery. A function target's invocation is queued in the same
    /// transaction that deletes the row; a queue or bus is sent to, then the row deleted.
    func retry(_ row: EventBridgeStore.PendingRetry) {
        guard targetExists(row) else {
            // RemoveTargets or DeleteRule since: the pending delivery is dropped with its target.
            try? store.deleteRetry(id: row.id)
            return
        }
        let delivery = Delivery(target: row.target, ruleArn: row.ruleArn, ruleName: row.rule, bus: row.bus, region: row.region, event: row.event)
        count(.retryInvocationAttempts, delivery)
        let retries = row.retries + 1
        var failure: DeliveryFailure?
        if case .function(let name, let qualifier, let region)? = Self.kind(row.target.Arn) {
            failure = functionFailure(delivery, name: name, qualifier: qualifier, region: region)
            if failure == nil {
                do {
                    try store.database.write { db in
                        try Self.queueInvocation(db, delivery, name: name, qualifier: qualifier, region: region)
                        try db.execute(sql: "DELETE FROM eb_retries WHERE id = ?", arguments: [row.id])
                    }
                    sinks.wakeFunctions()
                } catch {
                    failure = DeliveryFailure(code: "INTERNAL_ERROR", message: "Could not queue the invocation: \(error)")
                }
            }
        } else {
            failure = send(delivery, hops: row.hops)
            if failure == nil {
                do { try store.deleteRetry(id: row.id) } catch {
                    logger.error("EventBridge could not delete a finished retry: \(error)")
                }
            }
        }
        if let failure {
            failed(delivery, failure, hops: row.hops, retries: retries, firstAttempt: row.firstAttempt, retryID: row.id)
        } else {
            count(.invocations, delivery)
        }
    }
}
