import Foundation
import PetrelStore
import PetrelCore

/// The DynamoDB-compatible table service: DynamoDB_20120810 and DynamoDBStreams_20120810.
///
/// The gateway hands it the operation name (the part of `X-Amz-Target` after the dot) and the
/// raw JSON body; it returns the JSON response body or throws an `AWSError`.
public final class TableService: Sendable {
    let store: Store
    let account: Account
    let catalog = TableCatalog()
    let notifier = StreamNotifier()
    /// Provisioned-throughput buckets (PROVISIONED tables only).
    let meter = CapacityMeter()
    /// Item writes go through group commit; table DDL uses the pool directly.
    let writer: WriteCombiner
    /// Seconds between TTL sweeps; tests shorten it.
    let ttlInterval: Duration

    public init(store: Store, account: Account) {
        self.store = store
        self.account = account
        self.writer = WriteCombiner(database: store.database)
        self.ttlInterval = .seconds(5)
    }

    init(store: Store, account: Account, ttlInterval: Duration) {
        self.store = store
        self.account = account
        self.writer = WriteCombiner(database: store.database)
        self.ttlInterval = ttlInterval
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        TablesMigrations.register(&migrator)
    }

    public func handle(operation: String, body: Data, region: String) async throws -> Data {
        let request = try Request(body)
        let context = OperationContext(region: region, account: account.inRegion(region))
        switch operation {
        case "CreateTable": return try await createTable(request, context)
        case "DescribeTable": return try await describeTable(request, context)
        case "ListTables": return try await listTables(request, context)
        case "DeleteTable": return try await deleteTable(request, context)
        case "UpdateTable": return try await updateTable(request, context)
        case "UpdateTimeToLive": return try await updateTimeToLive(request, context)
        case "DescribeTimeToLive": return try await describeTimeToLive(request, context)
        case "TagResource": return try await tagResource(request, context)
        case "UntagResource": return try await untagResource(request, context)
        case "ListTagsOfResource": return try await listTagsOfResource(request, context)
        case "PutItem": return try await putItem(request, context)
        case "GetItem": return try await getItem(request, context)
        case "UpdateItem": return try await updateItem(request, context)
        case "DeleteItem": return try await deleteItem(request, context)
        case "Query": return try await query(request, context)
        case "Scan": return try await scan(request, context)
        case "BatchGetItem": return try await batchGetItem(request, context)
        case "BatchWriteItem": return try await batchWriteItem(request, context)
        case "TransactWriteItems": return try await transactWriteItems(request, context)
        case "TransactGetItems": return try await transactGetItems(request, context)
        case "DescribeEndpoints":
            // DynamoDB's own answer. SDKs never use endpoint discovery with a custom endpoint
            // such as Petrel's, so this only has to look like AWS's.
            return Response.encode(["Endpoints": .array([.object(["Address": .string("dynamodb.\(region).amazonaws.com"),
                                                                  "CachePeriodInMinutes": .int(1440)])])])
        case "DescribeLimits":
            return Response.encode([
                "AccountMaxReadCapacityUnits": .int(80000), "AccountMaxWriteCapacityUnits": .int(80000),
                "TableMaxReadCapacityUnits": .int(40000), "TableMaxWriteCapacityUnits": .int(40000),
            ])
        default:
            throw AWSError.unknownOperation("Unknown operation: \(operation). Petrel's table service implements the DynamoDB_20120810 table, item, query, batch and transaction operations.")
        }
    }

    public func handleStreams(operation: String, body: Data, region: String) async throws -> Data {
        let request = try Request(body)
        let context = OperationContext(region: region, account: account.inRegion(region))
        switch operation {
        case "ListStreams": return try await listStreams(request, context)
        case "DescribeStream": return try await describeStream(request, context)
        case "GetShardIterator": return try await getShardIterator(request, context)
        case "GetRecords": return try await getRecords(request, context)
        default:
            throw AWSError.unknownOperation("Unknown operation: \(operation). Petrel's stream service implements ListStreams, DescribeStream, GetShardIterator and GetRecords.")
        }
    }

    /// Background work (TTL expiry, stream retention). Runs until cancelled.
    public func run() async throws {
        while !Task.isCancelled {
            do {
                try await expireItems(now: Date())
                try await trimStreams(now: Date())
            } catch is CancellationError {
                return
            } catch {
                // A failed sweep is retried on the next tick.
            }
            do {
                try await Task.sleep(for: ttlInterval)
            } catch {
                return // Cancelled: a graceful shutdown.
            }
        }
    }
}

/// Per-request facts every operation needs.
struct OperationContext: Sendable {
    var region: String
    var account: Account
}
