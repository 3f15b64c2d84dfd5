import Foundation
import PetrelCore
import PetrelTables
import Synchronization

/// Tables' partition key names, for `dynamodb:LeadingKeys`: read with DescribeTable and kept
/// a few seconds (a table's key schema never changes, but a table may be deleted and made again).
final class HashKeys: Sendable {
    let tables: TableService
    private let cache = Mutex<[String: (key: String?, read: ContinuousClock.Instant)]>([:])
    static let lifetime: Duration = .seconds(5)

    init(tables: TableService) {
        self.tables = tables
    }

    func hashKey(table: String, region: String) async -> String? {
        let id = "\(region)/\(table)"
        let now = ContinuousClock.now
        if let hit = cache.withLock({ $0[id] }), hit.read.duration(to: now) < Self.lifetime { return hit.key }
        var key: String?
        if let body = try? JSONEncoder().encode(["TableName": table]),
           let output = try? await tables.handle(operation: "DescribeTable", body: body, region: region),
           let described = try? JSONDecoder().decode(JSONValue.self, from: output),
           case .array(let schema)? = described["Table"]?["KeySchema"] {
            key = schema.first { $0["KeyType"]?.stringValue == "HASH" }?["AttributeName"]?.stringValue
        }
        cache.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[id] = (key, now)
        }
        return key
    }

    /// The tables a DynamoDB request names.
    static func tableNames(_ body: JSONValue?) -> [String] {
        var names: [String] = []
        if let name = body?["TableName"]?.stringValue { names.append(name) }
        if case .object(let items)? = body?["RequestItems"] { names += items.keys }
        if case .array(let items)? = body?["TransactItems"] {
            for item in items {
                if case .object(let members) = item, let inner = members.first?.value, let name = inner["TableName"]?.stringValue { names.append(name) }
            }
        }
        return names
    }
}
