import Foundation
import PetrelCore
import PetrelEvents
import PetrelQueues

/// Stream mappings' OnFailure destinations on Petrel's own SQS: the invocation record of a
/// batch given up on is sent, in process, as one message to the queue.
struct QueueFailureDestinations: FailureDestinations {
    let queues: QueueService

    /// A standard queue of the mapping's account that exists (AWS takes standard queues only).
    func check(_ arn: String, account: Account) async throws {
        func invalid(_ why: String) -> AWSError {
            AWSError.invalidParameter("The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=\(arn))) is invalid: \(why)")
        }
        guard arn.hasPrefix("arn:aws:sqs:"), let address = QueueAddress(arn: arn) else {
            throw invalid("Petrel sends a stream mapping's discarded batches to SQS queues only (arn:aws:sqs:REGION:ACCOUNT:NAME).")
        }
        guard !address.isFifo else { throw invalid("the destination must be a standard queue, not a FIFO queue.") }
        guard address.account == account.id, await QueueEventSource(queues: queues, address: address).exists() else {
            throw invalid("the queue does not exist.")
        }
    }

    func send(_ record: Data, to arn: String) throws {
        try queues.send(toQueueArn: arn, body: String(decoding: record, as: UTF8.self), senderID: QueueAddress(arn: arn)?.account ?? "")
    }
}
