import Foundation
import Logging
import PetrelCore
import PetrelStore

/// The one place an unexpected error becomes a 500: logged with its detail for the operator,
/// answered without internals to the client. A full disk is named as such on both sides.
struct InternalErrors: Sendable {
    let dataDirectory: URL
    let logger: Logger

    /// `code` is the service's own name for an internal fault (DynamoDB: InternalServerError,
    /// Lambda: ServiceException, CloudWatch Logs: ServiceUnavailableException).
    func answer(_ error: any Error, code: String = "ServiceException", context: @autoclosure () -> String) -> AWSError {
        if StorageFull.matches(error) {
            logger.error("\(StorageFull.logMessage(directory: dataDirectory)) While: \(context())")
            return AWSError(code, status: 500, StorageFull.clientMessage)
        }
        logger.error("Internal error in \(context()): \(String(reflecting: error))")
        return AWSError(code, status: 500, "An internal error occurred. See the server log for details.")
    }

    /// The internal-fault code of the JSON service a target prefix names.
    static func code(forTargetPrefix prefix: String) -> String {
        switch prefix {
        case "DynamoDB_20120810", "DynamoDBStreams_20120810": "InternalServerError"
        case "Logs_20140328": "ServiceUnavailableException"
        case "AWSEvents": "InternalException"
        default: "ServiceException"
        }
    }
}
