import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    /// Renders a TableDescription with botocore's member names.
    func describe(_ table: TableDefinition, itemCount: Int, size: Int, indexCounts: [String: (Int, Int)], status: String) -> JSON {
        func keySchema(_ k: KeySchema) -> JSON { k.wire }
        func throughput(_ t: ThroughputSetting?) -> JSON {
            .object(["NumberOfDecreasesToday": .int(0), "ReadCapacityUnits": .int(t?.read ?? 0), "WriteCapacityUnits": .int(t?.write ?? 0)])
        }
        func projection(_ p: IndexProjection) -> JSON {
            var o: [String: JSON] = ["ProjectionType": .string(p.type)]
            if let n = p.nonKeyAttributes { o["NonKeyAttributes"] = .array(n.map { .string($0) }) }
            return .object(o)
        }
        var d: [String: JSON] = [
            "TableName": .string(table.name),
            "TableArn": .string(table.arn),
            "TableId": .string(table.tableId),
            "TableStatus": .string(status),
            "CreationDateTime": .number(String(format: "%.3f", table.createdAt)),
            "AttributeDefinitions": .array(table.attributeDefinitions.map { .object(["AttributeName": .string($0.name), "AttributeType": .string($0.type)]) }),
            "KeySchema": keySchema(table.key),
            "ProvisionedThroughput": throughput(table.throughput),
            "ItemCount": .int(itemCount),
            "TableSizeBytes": .int(size),
            "DeletionProtectionEnabled": .bool(table.deletionProtection),
        ]
        if table.billingMode == "PAY_PER_REQUEST" {
            d["BillingModeSummary"] = .object(["BillingMode": .string("PAY_PER_REQUEST"),
                                               "LastUpdateToPayPerRequestDateTime": .number(String(format: "%.3f", table.createdAt))])
        }
        if let c = table.tableClass {
            d["TableClassSummary"] = .object(["TableClass": .string(c)])
        }
        let locals = table.indexes.filter(\.isLocal)
        let globals = table.indexes.filter { !$0.isLocal }
        func index(_ i: IndexDefinition) -> [String: JSON] {
            let counts = indexCounts[i.name] ?? (0, 0)
            return [
                "IndexName": .string(i.name),
                "KeySchema": keySchema(i.key),
                "Projection": projection(i.projection),
                "IndexSizeBytes": .int(counts.1),
                "ItemCount": .int(counts.0),
                "IndexArn": .string(table.arn + "/index/" + i.name),
            ]
        }
        if !locals.isEmpty { d["LocalSecondaryIndexes"] = .array(locals.map { .object(index($0)) }) }
        if !globals.isEmpty {
            d["GlobalSecondaryIndexes"] = .array(globals.map { g in
                var o = index(g)
                o["IndexStatus"] = .string("ACTIVE")
                o["ProvisionedThroughput"] = throughput(g.throughput)
                return .object(o)
            })
        }
        if let s = table.stream {
            if s.enabled {
                d["StreamSpecification"] = .object(["StreamEnabled": .bool(true), "StreamViewType": .string(s.viewType)])
            }
            d["LatestStreamArn"] = .string(s.arn)
            d["LatestStreamLabel"] = .string(s.label)
        }
        return .object(d)
    }

    /// Counts for DescribeTable, read live.
    func counts(_ db: any SQLConnection, _ table: TableDefinition) throws -> (Int, Int, [String: (Int, Int)]) {
        let row = try db.fetchOne(sql: "SELECT count(*), coalesce(sum(size), 0) FROM ddb_items WHERE table_id = ?", arguments: [table.id])!
        var perIndex: [String: (Int, Int)] = [:]
        for index in table.indexes {
            let r = try db.fetchOne(sql: "SELECT count(*), coalesce(sum(size), 0) FROM ddb_index_items WHERE table_id = ? AND index_name = ?", arguments: [table.id, index.name])!
            perIndex[index.name] = (r[0], r[1])
        }
        return (row[0], row[1], perIndex)
    }

    func describeTable(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        return try await store.database.read { db in
            guard let table = try self.catalog.find(db, region: context.region, name: name) else {
                throw TableCatalog.notFoundTable(name)
            }
            let (count, size, indexCounts) = try self.counts(db, table)
            return Response.encode(["Table": self.describe(table, itemCount: count, size: size, indexCounts: indexCounts, status: "ACTIVE")])
        }
    }

    func listTables(_ request: Request, _ context: OperationContext) async throws -> Data {
        let limit = try request.int("Limit") ?? 100
        if limit < 1 || limit > 100 {
            throw AWSError.validation("1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
        }
        let start = try request.string("ExclusiveStartTableName")
        let names = try await store.database.read { db in try self.catalog.names(db, region: context.region) }
        let after = names.filter { start == nil || $0 > start! }
        let page = Array(after.prefix(limit))
        var out: [String: JSON] = ["TableNames": .array(page.map { .string($0) })]
        if after.count > limit, let last = page.last { out["LastEvaluatedTableName"] = .string(last) }
        return Response.encode(out)
    }

    func deleteTable(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let (description, closedStream) = try await store.database.write { db -> (JSON, String?) in
            guard let table = try self.catalog.find(db, region: context.region, name: name) else {
                throw TableCatalog.notFoundTable(name)
            }
            if table.deletionProtection {
                throw AWSError.validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
            }
            let (count, size, _) = try self.counts(db, table)
            try db.execute(sql: "DELETE FROM ddb_items WHERE table_id = ?", arguments: [table.id])
            try db.execute(sql: "DELETE FROM ddb_index_items WHERE table_id = ?", arguments: [table.id])
            try db.execute(sql: "DELETE FROM ddb_tables WHERE id = ?", arguments: [table.id])
            if let s = table.stream, s.enabled {
                try db.execute(sql: "UPDATE ddb_streams SET disabled = ? WHERE arn = ?", arguments: [Date().timeIntervalSince1970, s.arn])
            }
            let closed = table.streamEnabled ? table.stream?.arn : nil
            return (TableService.deletingDescription(table, itemCount: count, size: size), closed)
        }
        catalog.remove(region: context.region, name: name)
        if let arn = closedStream { notifier.closed(arn) }
        return Response.encode(["TableDescription": description])
    }

    /// What DeleteTable answers: DynamoDB's short description of a table being deleted (no key
    /// schema, attribute definitions, indexes or stream).
    static func deletingDescription(_ table: TableDefinition, itemCount: Int, size: Int) -> JSON {
        var d: [String: JSON] = [
            "TableName": .string(table.name),
            "TableArn": .string(table.arn),
            "TableId": .string(table.tableId),
            "TableStatus": .string("DELETING"),
            "ProvisionedThroughput": .object(["NumberOfDecreasesToday": .int(0), "ReadCapacityUnits": .int(table.throughput?.read ?? 0),
                                              "WriteCapacityUnits": .int(table.throughput?.write ?? 0)]),
            "ItemCount": .int(itemCount),
            "TableSizeBytes": .int(size),
        ]
        if table.billingMode == "PAY_PER_REQUEST" {
            d["BillingModeSummary"] = .object(["BillingMode": .string("PAY_PER_REQUEST"),
                                               "LastUpdateToPayPerRequestDateTime": .number(String(format: "%.3f", table.createdAt))])
        }
        return .object(d)
    }

    /// Creates a new stream (a new ARN and label) for a table, as enabling a stream does on AWS.
    func openStream(_ db: any SQLConnection, table: TableDefinition, viewType: String, context: OperationContext) throws -> StreamDefinition {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var label = String(formatter.string(from: Date()).dropLast()) // drop the "Z"
        var arn = table.arn + "/stream/" + label
        var attempt = 0
        while try db.fetchOne(Bool.self, sql: "SELECT 1 FROM ddb_streams WHERE arn = ?", arguments: [arn]) == true {
            attempt += 1
            label = String(formatter.string(from: Date().addingTimeInterval(Double(attempt) / 1000)).dropLast())
            arn = table.arn + "/stream/" + label
        }
        let keySchema = try JSONEncoder().encode(table.key)
        try db.execute(sql: "INSERT INTO ddb_streams (arn, table_id, region, table_name, view_type, label, key_schema, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [arn, table.id, table.region, table.name, viewType, label, keySchema, Date().timeIntervalSince1970])
        return StreamDefinition(arn: arn, label: label, viewType: viewType, enabled: true)
    }
}
