import Foundation
import PetrelEvents
import PetrelQueues
import PetrelTables

/// Tells the event-source engine what an event source ARN names: a DynamoDB table stream or
/// an SQS queue (a Kinesis stream plugs in here too).
struct EventSourceResolver: EventSourceResolving {
    let tables: TableService
    let queues: QueueService

    func resolve(arn: String) async throws(EventSourceError) -> ResolvedSource? {
        if arn.hasPrefix("arn:aws:dynamodb:"), arn.contains("/stream/") {
            let source = TableStreamSource(tables: tables, arn: arn)
            _ = try source.info()
            return .sharded(source)
        }
        if arn.hasPrefix("arn:aws:sqs:"), let address = QueueAddress(arn: arn) {
            let source = QueueEventSource(queues: queues, address: address)
            guard await source.exists() else { throw EventSourceError.notFound(arn) }
            return .queue(source)
        }
        return nil
    }
}
