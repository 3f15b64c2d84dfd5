import Foundation
import PetrelCore

/// Redrive from a dead-letter queue: StartMessageMoveTask, ListMessageMoveTasks,
/// CancelMessageMoveTask. Tasks are rows; the background loop moves their messages at most
/// `MaxNumberOfMessagesPerSecond` a second, and a restart resumes them.
extension QueueService {
    static let defaultMovesPerSecond = 500

    func startMessageMoveTask(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let sourceArn = try input.required("SourceArn")
        guard let source = try queue(arn: sourceArn) else {
            throw QueueError.resourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
        }
        guard try !store.sources(of: sourceArn, after: nil, limit: 1).isEmpty else {
            throw QueueError.invalidParameter("Source queue must be configured as a Dead Letter Queue.")
        }
        let destinationArn = try input.string("DestinationArn")
        if let destinationArn {
            guard let destination = try queue(arn: destinationArn) else {
                throw QueueError.resourceNotFound("The resource that you specified for the DestinationArn parameter doesn't exist.")
            }
            guard destination.settings.fifo == source.settings.fifo else {
                throw QueueError.invalidParameter("The destination queue must be of the same type as the source queue.")
            }
        }
        let rate = try input.int("MaxNumberOfMessagesPerSecond")
        if let rate, !(1...500).contains(rate) {
            throw QueueError.invalidParameter("MaxNumberOfMessagesPerSecond", String(rate), reason: "Must be between 1 and 500.")
        }
        guard try store.moveTasks(sourceArn: sourceArn).allSatisfy({ $0.status != "RUNNING" && $0.status != "CANCELLING" }) else {
            throw QueueError.unsupported("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
        }
        let now = now()
        let toMove = Int64(try store.counts(queueID: source.id, now: now).visible)
        let handle = Data("{\"taskId\":\"\(UUID().uuidString.lowercased())\",\"sourceArn\":\"\(sourceArn)\"}".utf8).base64EncodedString()
        try store.insertMoveTask(MoveTaskRecord(handle: handle, sourceArn: sourceArn, destinationArn: destinationArn, maxPerSecond: rate,
                                                status: "RUNNING", moved: 0, toMove: toMove, startedAt: now))
        wakeups.signal(Self.tasksChannel)
        return .object(["TaskHandle": .string(handle)])
    }

    func listMessageMoveTasks(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let sourceArn = try input.required("SourceArn")
        guard try queue(arn: sourceArn) != nil else {
            throw QueueError.resourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
        }
        let max = try input.int("MaxResults") ?? 1
        guard (1...10).contains(max) else {
            throw QueueError.invalidParameter("MaxResults", String(max), reason: "Must be between 1 and 10.")
        }
        let tasks = try store.moveTasks(sourceArn: sourceArn).prefix(max)
        return .object(["Results": .array(tasks.map { task in
            var out: [String: JSONValue] = [
                "Status": .string(task.status), "SourceArn": .string(task.sourceArn),
                "ApproximateNumberOfMessagesMoved": .number(Double(task.moved)),
                "ApproximateNumberOfMessagesToMove": .number(Double(task.toMove)),
                "StartedTimestamp": .number(Double(task.startedAt)),
            ]
            if task.status == "RUNNING" { out["TaskHandle"] = .string(task.handle) }
            if let d = task.destinationArn { out["DestinationArn"] = .string(d) }
            if let r = task.maxPerSecond { out["MaxNumberOfMessagesPerSecond"] = .number(Double(r)) }
            if let f = task.failureReason { out["FailureReason"] = .string(f) }
            return .object(out)
        })])
    }

    func cancelMessageMoveTask(_ input: SQSInput, _ context: QueueRequestContext) throws -> JSONValue {
        let handle = try input.required("TaskHandle")
        guard let task = try store.moveTask(handle: handle) else {
            throw QueueError.resourceNotFound("Task does not exist.")
        }
        guard task.status == "RUNNING" else {
            throw QueueError.unsupported("Only active tasks can be cancelled.")
        }
        try store.setMoveTask(handle: handle, status: "CANCELLED")
        return .object(["ApproximateNumberOfMessagesMoved": .number(Double(task.moved))])
    }

    /// One second's worth of every running task; answers whether any is still running.
    func runMoveTasks(now: Int64) -> Bool {
        var running = false
        do {
            for task in try store.moveTasks(status: "RUNNING") {
                guard let source = try queue(arn: task.sourceArn) else {
                    try store.setMoveTask(handle: task.handle, status: "FAILED", failureReason: "AWS.SimpleQueueService.NonExistentQueue")
                    continue
                }
                var destination: QueueRecord?
                if let arn = task.destinationArn {
                    guard let found = try queue(arn: arn) else {
                        try store.setMoveTask(handle: task.handle, status: "FAILED", failureReason: "AWS.SimpleQueueService.NonExistentQueue")
                        continue
                    }
                    destination = found
                }
                let limit = task.maxPerSecond ?? Self.defaultMovesPerSecond
                let moved = try store.moveMessages(task: task.handle, source: source, destination: destination, limit: limit, now: now) {
                    try self.queue(arn: $0)
                }
                if let destination { wakeups.signal(destination.id) } else if moved > 0 {
                    for target in try store.sources(of: source.address.arn, after: nil, limit: 1000) { wakeups.signal(target.id) }
                }
                if moved < limit {
                    try store.setMoveTask(handle: task.handle, status: "COMPLETED")
                } else {
                    running = true
                }
            }
        } catch {
            logger.error("SQS message move task failed: \(error)")
        }
        return running
    }
}
