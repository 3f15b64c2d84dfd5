import Foundation
import GRDB
import PetrelCore
import PetrelStore

/// The DynamoDB-compatible table service: DynamoDB_20120810 and DynamoDBStreams_20120810.
///
/// The gateway hands it the operation name (the part of `X-Amz-Target` after the dot) and the
/// raw JSON body; it returns the JSON response body or throws an `AWSError`.
public final class TableService: Sendable {
    let store: Store
    let account: Account

    public init(store: Store, account: Account) {
        self.store = store
        self.account = account
    }

    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {}

    public func handle(operation: String, body: Data, region: String) async throws -> Data {
        throw AWSError.unknownOperation("Unknown operation: \(operation)")
    }

    public func handleStreams(operation: String, body: Data, region: String) async throws -> Data {
        throw AWSError.unknownOperation("Unknown operation: \(operation)")
    }

    /// Background work (TTL expiry). Runs until cancelled.
    public func run() async throws {
        try await gracefulSleepForever()
    }
}

func gracefulSleepForever() async throws {
    while !Task.isCancelled {
        try await Task.sleep(for: .seconds(3600))
    }
}
