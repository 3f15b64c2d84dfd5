import Foundation
import PetrelEvents
import PetrelKinesis
import PetrelQueues
import PetrelTables

/// Tells the event-source engine what an event source ARN names: a DynamoDB table stream or
/// a Kinesis stream or an SQS queue.
struct EventSourceResolver: EventSourceResolving {
    let tables: TableService
    let queues: QueueService
    let kinesis: KinesisService

    func resolve(arn: String) async throws(EventSourceError) -> ResolvedSource? {
        if arn.hasPrefix("arn:aws:dynamodb:"), arn.contains("/stream/") {
            let source = TableStreamSource(tables: tables, arn: arn)
            _ = try source.info()
            return .sharded(source)
        }
        // An enhanced fan-out consumer's ARN (…:stream/NAME/consumer/…) is not served as a source.
        if arn.hasPrefix("arn:aws:kinesis:"), arn.contains(":stream/"), !arn.contains("/consumer/") {
            let source = KinesisStreamSource(kinesis: kinesis, arn: arn)
            try source.checkExists()
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
