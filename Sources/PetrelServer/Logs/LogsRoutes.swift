import Foundation
import PetrelCore

/// CloudWatch Logs (Logs_20140328), the subset that reads function logs.
struct LogsRoutes: Sendable {
    func handle(operation: String, body: Data, account: Account) async throws -> Data {
        throw AWSError.unknownOperation("Unknown operation: \(operation)")
    }
}
