import Foundation
import GRDB
import PetrelCore

extension TableService {
    func batchGetItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let requestItems = try request.object("RequestItems"), !requestItems.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
        }
        struct TableRead { var name: String; var keys: [Item]; var projection: [DocumentPath]? }
        var reads: [TableRead] = []
        var total = 0
        for name in requestItems.keys.sorted() {
            try Request.validateTableName(name, field: "requestItems")
            let spec = Request(members: requestItems[name]!.object ?? [:])
            var expressions = try spec.expressionContext()
            let projection = try TableService.projection(spec, context: &expressions)
            try expressions.checkAllUsed()
            var keys: [Item] = []
            for k in try spec.array("Keys") ?? [] { keys.append(try Item(wireItem: k, parameter: "Keys")) }
            if keys.isEmpty {
                throw AWSError.validation("1 validation error detected: Value '[]' at 'requestItems.\(name).member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1")
            }
            if Set(keys).count != keys.count {
                throw AWSError.validation("Provided list of item keys contains duplicates")
            }
            total += keys.count
            reads.append(TableRead(name: name, keys: keys, projection: projection))
        }
        if total > 100 {
            throw AWSError.validation("Too many items requested for the BatchGetItem call")
        }
        let plannedReads = reads
        let responses = try store.readNow { db -> [String: JSON] in
            var responses: [String: JSON] = [:]
            for read in plannedReads {
                let table = try self.catalog.require(db, region: context.region, name: read.name)
                var items: [JSON] = []
                for keyParameter in read.keys {
                    let key = try table.key.key(ofKeyParameter: keyParameter)
                    guard let raw = try ItemStore.fetchRaw(db, tableId: table.id, key: key) else { continue }
                    if let projection = read.projection {
                        items.append(Projection.apply(projection, to: try ItemStore.decode(raw)).wire)
                    } else {
                        items.append(.raw(raw))
                    }
                }
                responses[read.name] = .array(items)
            }
            return responses
        }
        return Response.encode(["Responses": .object(responses), "UnprocessedKeys": .object([:])])
    }

    func batchWriteItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let requestItems = try request.object("RequestItems"), !requestItems.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
        }
        var mutations: [ItemMutation] = []
        for name in requestItems.keys.sorted() {
            try Request.validateTableName(name, field: "requestItems")
            guard let entries = requestItems[name]!.array, !entries.isEmpty, entries.count <= 25 else {
                throw AWSError.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
            }
            for entry in entries {
                if let put = entry["PutRequest"], entry["DeleteRequest"] == nil {
                    guard let raw = put["Item"] else { throw AWSError.validation("1 validation error detected: Value null at 'requestItems.\(name).member.putRequest.item' failed to satisfy constraint: Member must not be null") }
                    mutations.append(ItemMutation(tableName: name, kind: .put(try Item(wireItem: raw, parameter: "Item")), key: [:]))
                } else if let delete = entry["DeleteRequest"], entry["PutRequest"] == nil {
                    guard let raw = delete["Key"] else { throw AWSError.validation("1 validation error detected: Value null at 'requestItems.\(name).member.deleteRequest.key' failed to satisfy constraint: Member must not be null") }
                    mutations.append(ItemMutation(tableName: name, kind: .delete, key: try Item(wireItem: raw, parameter: "Key")))
                } else {
                    throw AWSError.validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
                }
            }
        }
        if mutations.count > 25 {
            throw AWSError.validation("Too many items requested for the BatchWriteItem call")
        }
        let parsed = mutations
        let appended = try await writer.write { db -> [String: Int64] in
            var streams = StreamRecordWriter(region: context.region)
            var seen: Set<String> = []
            var planned: [(ItemMutation, TableDefinition, PrimaryKey)] = []
            for mutation in parsed {
                let table = try self.catalog.require(db, region: context.region, name: mutation.tableName)
                let key = try mutation.primaryKey(table)
                let identity = "\(table.id)/\(key.hk)/\(key.rk)"
                if !seen.insert(identity).inserted {
                    throw AWSError.validation("Provided list of item keys contains duplicates")
                }
                planned.append((mutation, table, key))
            }
            for (mutation, table, key) in planned {
                let old = try ItemStore.fetch(db, tableId: table.id, key: key)
                let outcome = try mutation.evaluate(old: old, table: table)
                try ItemWriter.write(db, table: table, key: key, old: old, new: outcome.new, streams: &streams)
            }
            return streams.appended
        }
        notifier.published(appended)
        return Response.encode(["UnprocessedItems": .object([:])])
    }
}
