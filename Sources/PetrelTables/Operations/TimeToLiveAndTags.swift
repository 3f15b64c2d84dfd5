import Foundation
import GRDB
import PetrelCore

extension TableService {
    func updateTimeToLive(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        guard let spec = try request.object("TimeToLiveSpecification"),
              let enabled = spec["Enabled"]?.bool, let attribute = spec["AttributeName"]?.string, !attribute.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
        }
        let updated = try await store.pool.write { db -> TableDefinition in
            guard var table = try self.catalog.find(db, region: context.region, name: name) else {
                throw TableCatalog.notFound
            }
            if enabled, table.ttlEnabled {
                throw AWSError.validation("TimeToLive is already enabled")
            }
            if !enabled, !table.ttlEnabled {
                throw AWSError.validation("TimeToLive is already disabled")
            }
            if !enabled, table.ttlAttribute != attribute {
                throw AWSError.validation("TimeToLive attribute name does not match the one currently enabled: \(table.ttlAttribute ?? "")")
            }
            table.ttlEnabled = enabled
            table.ttlAttribute = attribute
            try self.catalog.save(db, table)
            try ItemStore.refreshExpiry(db, table: table)
            return table
        }
        catalog.publish(updated)
        return Response.encode(["TimeToLiveSpecification": .object(["AttributeName": .string(attribute), "Enabled": .bool(enabled)])])
    }

    func describeTimeToLive(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let table = try await store.pool.read { db in try self.catalog.require(db, region: context.region, name: name) }
        var description: [String: JSON] = ["TimeToLiveStatus": .string(table.ttlEnabled ? "ENABLED" : "DISABLED")]
        if table.ttlEnabled, let a = table.ttlAttribute { description["AttributeName"] = .string(a) }
        return Response.encode(["TimeToLiveDescription": .object(description)])
    }

    private func tableByARN(_ db: Database, _ request: Request) throws -> TableDefinition {
        let arn = try request.requiredString("ResourceArn")
        guard let table = try catalog.find(db, arn: arn) else {
            throw AWSError.resourceNotFound("Requested resource not found: ResourcArn: \(arn) not found")
        }
        return table
    }

    func tagResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        let tags = try request.array("Tags") ?? []
        let updated = try await store.pool.write { db -> TableDefinition in
            var table = try self.tableByARN(db, request)
            for t in tags {
                guard let k = t["Key"]?.string, let v = t["Value"]?.string else {
                    throw AWSError.validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null")
                }
                table.tags[k] = v
            }
            if table.tags.count > 50 {
                throw AWSError.validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
            }
            try self.catalog.save(db, table)
            return table
        }
        catalog.publish(updated)
        return Response.empty
    }

    func untagResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        let keys = (try request.array("TagKeys") ?? []).compactMap(\.string)
        let updated = try await store.pool.write { db -> TableDefinition in
            var table = try self.tableByARN(db, request)
            for k in keys { table.tags[k] = nil }
            try self.catalog.save(db, table)
            return table
        }
        catalog.publish(updated)
        return Response.empty
    }

    func listTagsOfResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        let table = try await store.pool.read { db in try self.tableByARN(db, request) }
        let tags = table.tags.keys.sorted().map { JSON.object(["Key": .string($0), "Value": .string(table.tags[$0]!)]) }
        return Response.encode(["Tags": .array(tags)])
    }

    /// Deletes items whose TTL attribute (a number of epoch seconds) is in the past, each with a
    /// REMOVE stream record attributed to the DynamoDB service.
    func expireItems(now: Date) async throws {
        let tables = try await store.pool.read { db in try self.catalog.all(db) }.filter { $0.ttlEnabled && $0.ttlAttribute != nil }
        let cutoff = now.timeIntervalSince1970
        for table in tables {
            let attribute = table.ttlAttribute!
            // Find candidates through the expiry index without holding the writer; re-check
            // each inside the write.
            let expired = try store.readNow { db -> [PrimaryKey] in
                try Row.fetchAll(db, sql: "SELECT hh, hk, rk FROM ddb_items WHERE table_id = ? AND expires IS NOT NULL AND expires < ? LIMIT 1000",
                                 arguments: [table.id, cutoff])
                    .map { PrimaryKey(hh: $0["hh"], hk: [UInt8]($0["hk"] as Data), rk: [UInt8]($0["rk"] as Data)) }
            }
            guard !expired.isEmpty else { continue }
            let appended = try await writer.write { db -> [String: Int64] in
                guard let current = try self.catalog.find(db, region: table.region, name: table.name), current.id == table.id else { return [:] }
                var streams = StreamRecordWriter(region: current.region)
                for key in expired {
                    guard let item = try ItemStore.fetch(db, tableId: current.id, key: key),
                          case .n(let n)? = item[attribute], n.doubleValue < cutoff, n.doubleValue > 0 else { continue }
                    try ItemWriter.write(db, table: current, key: key, old: item, new: nil, streams: &streams, byService: true)
                }
                return streams.appended
            }
            notifier.published(appended)
        }
    }
}
