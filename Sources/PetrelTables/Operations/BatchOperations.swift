import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    func batchGetItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let requestItems = try request.object("RequestItems"), !requestItems.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
        }
        struct TableRead { var name: String; var keys: [Item]; var rawKeys: [JSON]; var projection: [DocumentPath]?; var consistent: Bool; var spec: [String: JSON] }
        var reads: [TableRead] = []
        var total = 0
        for name in requestItems.keys.sorted() {
            try Request.validateTableName(name, field: "requestItems")
            let spec = Request(members: requestItems[name]!.object ?? [:])
            var expressions = try spec.expressionContext()
            let projection = try TableService.projection(spec, context: &expressions)
            try expressions.checkAllUsed()
            var keys: [Item] = []
            let rawKeys = try spec.array("Keys") ?? []
            for k in rawKeys { keys.append(try Item(wireItem: k, parameter: "Keys")) }
            if keys.isEmpty {
                throw AWSError.validation("1 validation error detected: Value '[]' at 'requestItems.\(name).member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1")
            }
            if Set(keys).count != keys.count {
                throw AWSError.validation("Provided list of item keys contains duplicates")
            }
            total += keys.count
            reads.append(TableRead(name: name, keys: keys, rawKeys: rawKeys, projection: projection,
                                   consistent: try spec.bool("ConsistentRead") ?? false, spec: requestItems[name]!.object ?? [:]))
        }
        if total > 100 {
            throw AWSError.validation("Too many items requested for the BatchGetItem call")
        }
        let plannedReads = reads
        let (responses, unprocessed) = try store.readNow { db -> ([String: JSON], [String: JSON]) in
            var responses: [String: JSON] = [:]
            var unprocessed: [String: JSON] = [:]
            var served = 0
            for read in plannedReads {
                let table = try self.catalog.require(db, region: context.region, name: read.name)
                var items: [JSON] = []
                var throttled: [JSON] = []
                for (keyParameter, rawKey) in zip(read.keys, read.rawKeys) {
                    // Past the table's provisioned reads a key comes back in UnprocessedKeys.
                    guard self.meter.admitsRead(table) else { throttled.append(rawKey); continue }
                    served += 1
                    let key = try table.key.key(ofKeyParameter: keyParameter)
                    let raw = try ItemStore.fetchRaw(db, tableId: table.id, key: key)
                    if CapacityMeter.isProvisioned(table) {
                        let size = try raw.map { try ItemStore.decode($0).itemSize } ?? 0
                        self.meter.spendRead(table, units: CapacityUnits.read(bytes: size, consistent: read.consistent))
                    }
                    guard let raw else { continue }
                    if let projection = read.projection {
                        items.append(Projection.apply(projection, to: try ItemStore.decode(raw)).wire)
                    } else {
                        items.append(.raw(raw))
                    }
                }
                responses[read.name] = .array(items)
                if !throttled.isEmpty {
                    var spec = read.spec
                    spec["Keys"] = .array(throttled)
                    unprocessed[read.name] = .object(spec)
                }
            }
            // AWS throws only when no key at all could be read.
            if served == 0 { throw CapacityMeter.exceeded }
            return (responses, unprocessed)
        }
        var out: [String: JSON] = ["Responses": .object(responses), "UnprocessedKeys": .object(unprocessed)]
        if let c = try request.consumedCapacityList(reads.flatMap { r in r.keys.map { _ in r.name } }) { out["ConsumedCapacity"] = c }
        return Response.encode(out)
    }

    func batchWriteItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let requestItems = try request.object("RequestItems"), !requestItems.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
        }
        var mutations: [ItemMutation] = []
        var entryJSON: [JSON] = []
        for name in requestItems.keys.sorted() {
            try Request.validateTableName(name, field: "requestItems")
            guard let entries = requestItems[name]!.array, !entries.isEmpty, entries.count <= 25 else {
                throw AWSError.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
            }
            for entry in entries {
                entryJSON.append(entry)
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
        let streamed = catalog.mayAppendStreamRecords(region: context.region, tables: parsed.map(\.tableName))
        let (appended, throttled) = try await writer.write(appendsStreamRecords: streamed) { db -> ([String: Int64], [Int]) in
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
            var throttled: [Int] = []
            for (position, (mutation, table, key)) in planned.enumerated() {
                // Past the table's provisioned writes a request comes back in UnprocessedItems.
                guard self.meter.admitsWrite(table) else { throttled.append(position); continue }
                let old = try ItemStore.fetch(db, tableId: table.id, key: key)
                let outcome = try mutation.evaluate(old: old, table: table)
                try ItemWriter.write(db, table: table, key: key, old: old, new: outcome.new, streams: &streams)
                self.meter.spendWrite(table, units: CapacityMeter.writeUnits(outcome))
            }
            // AWS throws only when no request at all could be written.
            if throttled.count == planned.count { throw CapacityMeter.exceeded }
            return (streams.appended, throttled)
        }
        notifier.published(appended)
        var unprocessed: [String: [JSON]] = [:]
        for position in throttled { unprocessed[mutations[position].tableName, default: []].append(entryJSON[position]) }
        var out: [String: JSON] = ["UnprocessedItems": .object(unprocessed.mapValues { .array($0) })]
        if let c = try request.consumedCapacityList(mutations.map(\.tableName)) { out["ConsumedCapacity"] = c }
        return Response.encode(out)
    }
}
