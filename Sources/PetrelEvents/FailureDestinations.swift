import Foundation
import PetrelCore

/// Where a stream mapping sends the invocation record of a batch it gave up on
/// (DestinationConfig.OnFailure). Implemented in PetrelServer over Petrel's own SQS.
public protocol FailureDestinations: Sendable {
    /// Throws InvalidParameterValueException (an `AWSError`) when `arn` names no destination
    /// a mapping of `account` can send to.
    func check(_ arn: String, account: Account) async throws
    /// Sends one invocation record (a JSON object) to the destination.
    func send(_ record: Data, to arn: String) throws
}
