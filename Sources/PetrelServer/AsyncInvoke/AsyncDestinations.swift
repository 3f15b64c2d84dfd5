import Foundation
import Logging
import PetrelCore
import PetrelEventBridge
import PetrelFunctions
import PetrelInvoker
import PetrelQueues

/// Where an asynchronous event goes when it ends: its function's OnSuccess / OnFailure
/// destination (an SQS queue, another function invoked asynchronously, or an EventBridge bus),
/// with AWS's invocation record as the message (on a bus: as the detail of a
/// "Lambda Function Invocation Result - Success/Failure" event from source `lambda`).
struct AsyncDestinations: Sendable {
    let configs: EventInvokeConfigStore
    let functions: FunctionRegistry
    let queues: QueueService
    let asyncQueue: AsyncInvocationQueue
    let account: Account
    let logger: Logger
    var events: EventBridgeService? = nil

    enum Kind: Equatable { case queue, function, bus(name: String, region: String) }

    static func kind(_ arn: String) -> Kind? {
        if arn.hasPrefix("arn:aws:sqs:"), QueueAddress(arn: arn) != nil { return .queue }
        if arn.hasPrefix("arn:aws:lambda:"), (try? FunctionReference.parse(arn)) != nil { return .function }
        // arn:aws:events:REGION:ACCOUNT:event-bus/NAME
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        if parts.count == 6, parts[0] == "arn", parts[2] == "events", !parts[3].isEmpty, parts[5].hasPrefix("event-bus/"),
           parts[5].count > "event-bus/".count {
            return .bus(name: String(parts[5].dropFirst("event-bus/".count)), region: String(parts[3]))
        }
        return nil
    }

    /// The hooks the async queue calls.
    var hooks: AsyncEventHooks {
        AsyncEventHooks(
            limits: { function, qualifier, region in
                (try? configs.get(region: region, function: function, qualifier: qualifier ?? "$LATEST"))?.limits
            },
            finished: { outcome in await deliver(outcome) })
    }

    func deliver(_ outcome: AsyncEventOutcome) async {
        let qualifier = outcome.qualifier ?? "$LATEST"
        if outcome.condition != .success { deadLetter(outcome) }
        guard let config = try? configs.get(region: outcome.region, function: outcome.functionName, qualifier: qualifier) else { return }
        let destination = outcome.condition == .success ? config.onSuccess : config.onFailure
        guard let destination else { return }
        let functionArn = account.inRegion(outcome.region).lambdaFunctionARN(outcome.functionName, qualifier: qualifier)
        let record = Self.record(outcome, functionArn: functionArn, now: Date())
        do {
            switch Self.kind(destination) {
            case .queue:
                try queues.send(toQueueArn: destination, body: String(decoding: record, as: UTF8.self), senderID: account.id)
            case .function:
                let ref = try FunctionReference.parse(destination)
                try asyncQueue.enqueue(functionName: ref.name, qualifier: ref.qualifier, payload: record,
                                       requestID: UUID().uuidString.lowercased(), region: outcome.region)
            case .bus(let name, let region):
                guard let events else {
                    logger.warning("Async destination \(destination) of \(functionArn): no event bus service")
                    return
                }
                let detail = try JSONDecoder().decode(JSONValue.self, from: record)
                let type = outcome.condition == .success ? "Success" : "Failure"
                let event = EventBridgeService.event(
                    source: "lambda", detailType: "Lambda Function Invocation Result - \(type)", detail: detail,
                    resources: [destination, functionArn], time: Date(), account: account.id, region: region)
                events.emit(event, bus: name, region: region)
            case nil:
                logger.warning("Async destination \(destination) of \(functionArn) is not one Petrel delivers to")
            }
        } catch {
            logger.warning("Could not deliver the \(outcome.condition.rawValue) record of \(outcome.requestID) to \(destination): \(error)")
        }
    }

    /// The function's DeadLetterConfig: the event itself, with AWS's message attributes
    /// RequestID, ErrorCode and ErrorMessage.
    func deadLetter(_ outcome: AsyncEventOutcome) {
        let account = account.inRegion(outcome.region)
        guard let function = try? functions.get(FunctionReference(name: outcome.functionName, qualifier: outcome.qualifier), account: account),
              let target = function.settings.deadLetterTargetArn else { return }
        var message = "Event age exceeded (\(outcome.invokeCount) invocations)"
        if let result = outcome.result,
           let error = (try? JSONSerialization.jsonObject(with: result.payload)) as? [String: Any] {
            message = error["errorMessage"] as? String ?? String(decoding: result.payload, as: UTF8.self)
        }
        let attributes: [String: MessageAttributeValue] = [
            "RequestID": .init(dataType: "String", stringValue: outcome.requestID),
            "ErrorCode": .init(dataType: "Number", stringValue: "200"),
            "ErrorMessage": .init(dataType: "String", stringValue: String(message.prefix(1024)).isEmpty ? "Unhandled" : String(message.prefix(1024))),
        ]
        do {
            try queues.send(toQueueArn: target, body: String(decoding: outcome.payload, as: UTF8.self), attributes: attributes, senderID: account.id)
        } catch {
            logger.warning("Could not send \(outcome.requestID) to the dead-letter queue \(target) of \(outcome.functionName): \(error)")
        }
    }

    /// AWS's invocation record: `version, timestamp, requestContext{requestId, functionArn,
    /// condition, approximateInvokeCount}, requestPayload, responseContext{statusCode,
    /// executedVersion, functionError}, responsePayload`.
    static func record(_ outcome: AsyncEventOutcome, functionArn: String, now: Date) -> Data {
        func json(_ data: Data) -> Any {
            (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) ?? String(decoding: data, as: UTF8.self)
        }
        var record: [String: Any] = [
            "version": "1.0",
            "timestamp": timestamp(now),
            "requestContext": [
                "requestId": outcome.requestID, "functionArn": functionArn,
                "condition": outcome.condition.rawValue, "approximateInvokeCount": outcome.invokeCount,
            ] as [String: Any],
            "requestPayload": json(outcome.payload),
        ]
        if let result = outcome.result {
            var context: [String: Any] = ["statusCode": 200, "executedVersion": result.executedVersion]
            if result.isError { context["functionError"] = "Unhandled" }
            record["responseContext"] = context
            if !result.payload.isEmpty { record["responsePayload"] = json(result.payload) }
        }
        return (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
