import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    func updateTable(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let original = try store.readNow { db in try self.catalog.find(db, region: context.region, name: name) }
        let (updated, result) = try await store.database.write { db -> (TableDefinition, JSON) in
            guard var table = try self.catalog.find(db, region: context.region, name: name) else {
                throw TableCatalog.notFoundTable(name)
            }
            let original = table
            var definitions = table.attributeDefinitions
            for d in try request.array("AttributeDefinitions") ?? [] {
                guard let n = d["AttributeName"]?.string, let t = d["AttributeType"]?.string, ["S", "N", "B"].contains(t) else { continue }
                if let existing = definitions.first(where: { $0.name == n }) {
                    if existing.type != t {
                        throw AWSError.validation("One or more parameter values were invalid: Attribute \(n) is already defined with type \(existing.type)")
                    }
                } else {
                    definitions.append(KeyAttribute(name: n, type: t))
                }
            }
            if let billing = try request.string("BillingMode") {
                table.billingMode = try request.choice("BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"], default: billing)
                if billing == "PAY_PER_REQUEST" {
                    table.throughput = nil
                    for i in table.indexes.indices { table.indexes[i].throughput = nil }
                }
            }
            if let t = try request.object("ProvisionedThroughput") {
                table.throughput = try TableService.parseThroughput(t, billing: table.billingMode)
            }
            if let deletion = try request.bool("DeletionProtectionEnabled") { table.deletionProtection = deletion }
            if let cls = try request.string("TableClass") { table.tableClass = cls }
            if let spec = try request.object("StreamSpecification") {
                let enable = spec["StreamEnabled"]?.bool ?? false
                if enable {
                    if table.streamEnabled {
                        throw AWSError.validation("Table already has an enabled stream: TableName: \(name)")
                    }
                    guard let viewType = spec["StreamViewType"]?.string, TableService.viewTypes.contains(viewType) else {
                        throw AWSError.validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true and must be one of NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY")
                    }
                    table.stream = try self.openStream(db, table: table, viewType: viewType, context: context)
                } else {
                    guard let s = table.stream, s.enabled else {
                        throw AWSError.validation("Table already has no stream enabled: TableName: \(name)")
                    }
                    table.stream?.enabled = false
                    try db.execute(sql: "UPDATE ddb_streams SET disabled = ? WHERE arn = ?", arguments: [Date().timeIntervalSince1970, s.arn])
                }
            }
            var backfill: [IndexDefinition] = []
            for update in try request.array("GlobalSecondaryIndexUpdates") ?? [] {
                if let create = update["Create"] {
                    let index = try TableService.parseIndex(create, definitions: definitions, billing: table.billingMode, local: false, now: Date().timeIntervalSince1970)
                    if table.index(named: index.name) != nil {
                        throw AWSError.validation("One or more parameter values were invalid: Index with name \(index.name) already exists")
                    }
                    table.indexes.append(index)
                    backfill.append(index)
                } else if let delete = update["Delete"], let indexName = delete["IndexName"]?.string {
                    guard let i = table.indexes.firstIndex(where: { $0.name == indexName && !$0.isLocal }) else {
                        throw AWSError.resourceNotFound("Requested resource not found: Index: \(indexName) not found")
                    }
                    table.indexes.remove(at: i)
                    try db.execute(sql: "DELETE FROM ddb_index_items WHERE table_id = ? AND index_name = ?", arguments: [table.id, indexName])
                } else if let change = update["Update"], let indexName = change["IndexName"]?.string {
                    guard let i = table.indexes.firstIndex(where: { $0.name == indexName && !$0.isLocal }) else {
                        throw AWSError.resourceNotFound("Requested resource not found: Index: \(indexName) not found")
                    }
                    table.indexes[i].throughput = try TableService.parseThroughput(change["ProvisionedThroughput"]?.object, billing: table.billingMode)
                }
            }
            // Keep only the attribute definitions some key still uses.
            let used = Set(table.key.attributes.map(\.name) + table.indexes.flatMap { $0.key.attributes.map(\.name) })
            table.attributeDefinitions = definitions.filter { used.contains($0.name) }
            if table == original, request["StreamSpecification"] == nil, request["ProvisionedThroughput"] == nil, request["BillingMode"] == nil {
                throw AWSError.validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
            }
            if !backfill.isEmpty {
                let rows = try db.fetchAll(sql: "SELECT hh, hk, rk, item FROM ddb_items WHERE table_id = ?", arguments: [table.id])
                var entries: [(IndexDefinition, PrimaryKey, PrimaryKey, Item)] = []
                for row in rows {
                    let item = try ItemStore.decode(row["item"])
                    let base = PrimaryKey(hh: row["hh"], hk: [UInt8](row["hk"] as Data), rk: [UInt8](row["rk"] as Data))
                    for index in backfill {
                        // Items whose attribute has the wrong type are left out of the index, as on AWS.
                        guard let key = try? index.key.indexKey(of: item, indexName: index.name) else { continue }
                        entries.append((index, key, base, ItemStore.projected(item, for: index, table: table)))
                    }
                }
                for (index, key, base, item) in entries {
                    try ItemStore.insertIndexEntry(db, tableId: table.id, index: index.name, key: key, base: base, item: item)
                }
            }
            try self.catalog.save(db, table)
            let (count, size, indexCounts) = try self.counts(db, table)
            return (table, self.describe(table, itemCount: count, size: size, indexCounts: indexCounts, status: "ACTIVE"))
        }
        catalog.publish(updated)
        if let arn = original?.stream?.arn, original?.streamEnabled == true, updated.stream?.arn != arn || !updated.streamEnabled {
            notifier.closed(arn)
        }
        return Response.encode(["TableDescription": result])
    }
}

extension PrimaryKey {
    init(hh: Int64, hk: [UInt8], rk: [UInt8]) {
        self.hh = hh
        self.hk = hk
        self.rk = rk
    }
}
