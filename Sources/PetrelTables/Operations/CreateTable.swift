import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    func createTable(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let definition = try TableService.parseDefinition(request, name: name, context: context)
        let created = try await store.database.write { db -> TableDefinition in
            var table = definition
            if try self.catalog.find(db, region: context.region, name: name) != nil {
                throw AWSError("ResourceInUseException", status: 400, "Table already exists: \(name)")
            }
            guard let id = try db.fetchOne(Int64.self, sql: "INSERT INTO ddb_tables (region, name, definition) VALUES (?, ?, ?) RETURNING id",
                                           arguments: [context.region, name, Data()]) else {
                throw AWSError.service("The new table got no id from the database.")
            }
            table.id = id
            if let spec = table.stream {
                table.stream = try self.openStream(db, table: table, viewType: spec.viewType, context: context)
            }
            try self.catalog.save(db, table)
            return table
        }
        catalog.publish(created)
        return Response.encode(["TableDescription": describe(created, itemCount: 0, size: 0, indexCounts: [:], status: "ACTIVE")])
    }

    /// Builds a definition from CreateTable's parameters, checking them as DynamoDB does.
    static func parseDefinition(_ request: Request, name: String, context: OperationContext) throws -> TableDefinition {
        try checkKeyTypes(request)
        _ = try request.required("AttributeDefinitions")
        let rawDefinitions = try request.array("AttributeDefinitions") ?? []
        var definitions: [KeyAttribute] = []
        for d in rawDefinitions {
            guard let n = d["AttributeName"]?.string, let t = d["AttributeType"]?.string else {
                throw AWSError.validation("1 validation error detected: Value null at 'attributeDefinitions.member.attributeName' failed to satisfy constraint: Member must not be null")
            }
            guard ["S", "N", "B"].contains(t) else {
                throw AWSError.validation("1 validation error detected: Value '\(t)' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]")
            }
            if definitions.contains(where: { $0.name == n }) {
                throw AWSError.validation("Cannot have two attributes with the same name. Attribute name: \(n)")
            }
            definitions.append(KeyAttribute(name: n, type: t))
        }
        _ = try request.required("KeySchema")
        let key = try parseKeySchema(try request.array("KeySchema") ?? [], definitions: definitions, what: "Table")
        let billing = try request.choice("BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"], default: "PROVISIONED")
        let throughput = try parseThroughput(try request.object("ProvisionedThroughput"), billing: billing)
        var used = Set(key.attributes.map(\.name))
        let now = Date().timeIntervalSince1970
        var indexes: [IndexDefinition] = []
        for raw in try request.array("LocalSecondaryIndexes") ?? [] {
            let index = try parseIndex(raw, definitions: definitions, billing: billing, local: true, now: now)
            guard let tableRange = key.range else {
                throw AWSError.validation("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
            }
            _ = tableRange
            if index.key.hash != key.hash || index.key.range == nil {
                throw AWSError.validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: \(index.name). index hash key: \(index.key.hash.name), table hash key: \(key.hash.name)")
            }
            indexes.append(index)
        }
        for raw in try request.array("GlobalSecondaryIndexes") ?? [] {
            indexes.append(try parseIndex(raw, definitions: definitions, billing: billing, local: false, now: now))
        }
        var seen: Set<String> = []
        for index in indexes {
            if !seen.insert(index.name).inserted {
                throw AWSError.validation("One or more parameter values were invalid: Duplicate index name: \(index.name)")
            }
            used.formUnion(index.key.attributes.map(\.name))
        }
        if used.count != definitions.count {
            throw AWSError.validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
        }
        var stream: StreamDefinition?
        if let spec = try request.object("StreamSpecification"), spec["StreamEnabled"]?.bool == true {
            guard let viewType = spec["StreamViewType"]?.string, TableService.viewTypes.contains(viewType) else {
                throw AWSError.validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true and must be one of NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY")
            }
            stream = StreamDefinition(arn: "", label: "", viewType: viewType, enabled: true)
        }
        var tags: [String: String] = [:]
        for (k, v) in try TableService.parseTags(try request.array("Tags") ?? []) { tags[k] = v }
        if tags.count > 50 {
            throw AWSError.validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
        }
        return TableDefinition(
            id: 0, name: name, region: context.region, arn: context.account.tableARN(name),
            tableId: UUID().uuidString.lowercased(), createdAt: now, attributeDefinitions: definitions, key: key,
            billingMode: billing, throughput: throughput, indexes: indexes, stream: stream,
            ttlAttribute: nil, ttlEnabled: false, tags: tags,
            deletionProtection: try request.bool("DeletionProtectionEnabled") ?? false,
            tableClass: try request.string("TableClass"))
    }

    /// KeyType is an enum in the model: DynamoDB rejects a wrong one before anything else.
    static func checkKeyTypes(_ request: Request) throws(AWSError) {
        func check(_ elements: [JSON]?, _ prefix: String) throws(AWSError) {
            for (i, element) in (elements ?? []).enumerated() {
                if let type = element["KeyType"]?.string, type != "HASH", type != "RANGE" {
                    throw AWSError.validation("1 validation error detected: Value '\(type)' at '\(prefix)keySchema.\(i + 1).member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]")
                }
            }
        }
        try check(request["KeySchema"]?.array, "")
        for (j, index) in (request["GlobalSecondaryIndexes"]?.array ?? []).enumerated() {
            try check(index["KeySchema"]?.array, "globalSecondaryIndexes.\(j + 1).member.")
        }
        for (j, index) in (request["LocalSecondaryIndexes"]?.array ?? []).enumerated() {
            try check(index["KeySchema"]?.array, "localSecondaryIndexes.\(j + 1).member.")
        }
    }

    static let viewTypes = ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]

    static func parseKeySchema(_ elements: [JSON], definitions: [KeyAttribute], what: String, multiAttribute: Bool = false) throws(AWSError) -> KeySchema {
        // A global secondary index may name up to four HASH and four RANGE attributes.
        let maxElements = multiAttribute ? 8 : 2
        guard elements.count >= 1, elements.count <= maxElements else {
            throw AWSError.validation("1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to \(maxElements) and greater than or equal to 1")
        }
        var hashes: [KeyAttribute] = []
        var ranges: [KeyAttribute] = []
        for (i, e) in elements.enumerated() {
            guard let n = e["AttributeName"]?.string, let kind = e["KeyType"]?.string else {
                throw AWSError.validation("1 validation error detected: Value null at 'keySchema.\(i + 1).member.attributeName' failed to satisfy constraint: Member must not be null")
            }
            guard let def = definitions.first(where: { $0.name == n }) else {
                throw AWSError.validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [\(elements.compactMap { $0["AttributeName"]?.string }.joined(separator: ", "))], AttributeDefinitions: [\(definitions.map(\.name).joined(separator: ", "))]")
            }
            switch kind {
            case "HASH" where i == 0 || (multiAttribute && ranges.isEmpty):
                hashes.append(def)
            case "RANGE" where i > 0 && (multiAttribute || i == 1):
                ranges.append(def)
            case "HASH":
                throw AWSError.validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
            default:
                throw AWSError.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
            }
        }
        if hashes.count > 4 || ranges.count > 4 {
            throw AWSError.validation("One or more parameter values were invalid: A KeySchema may have at most 4 HASH and 4 RANGE key attributes")
        }
        let names = (hashes + ranges).map(\.name)
        if Set(names).count != names.count {
            if hashes.count == 1, ranges.count == 1 {
                throw AWSError.validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
            }
            throw AWSError.validation("One or more parameter values were invalid: Duplicate attribute names in KeySchema")
        }
        return KeySchema(hash: hashes[0], range: ranges.first, moreHash: Array(hashes.dropFirst()), moreRange: Array(ranges.dropFirst()))
    }

    static func parseThroughput(_ raw: [String: JSON]?, billing: String) throws(AWSError) -> ThroughputSetting? {
        if billing == "PAY_PER_REQUEST" {
            if raw != nil {
                throw AWSError.validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
            }
            return nil
        }
        guard let raw, let r = raw["ReadCapacityUnits"]?.int, let w = raw["WriteCapacityUnits"]?.int else {
            throw AWSError.validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
        }
        if r < 1 || w < 1 {
            throw AWSError.validation("One or more parameter values were invalid: Each of ReadCapacityUnits and WriteCapacityUnits must be at least 1")
        }
        return ThroughputSetting(read: r, write: w)
    }

    static func parseIndex(_ raw: JSON, definitions: [KeyAttribute], billing: String, local: Bool, now: Double) throws(AWSError) -> IndexDefinition {
        guard let name = raw["IndexName"]?.string else {
            throw AWSError.validation("1 validation error detected: Value null at 'indexName' failed to satisfy constraint: Member must not be null")
        }
        let key = try parseKeySchema(raw["KeySchema"]?.array ?? [], definitions: definitions, what: "Index", multiAttribute: !local)
        guard let p = raw["Projection"], let type = p["ProjectionType"]?.string ?? (p["NonKeyAttributes"] != nil ? "INCLUDE" : nil) else {
            throw AWSError.validation("One or more parameter values were invalid: Unknown ProjectionType: null")
        }
        guard ["ALL", "KEYS_ONLY", "INCLUDE"].contains(type) else {
            throw AWSError.validation("One or more parameter values were invalid: Unknown ProjectionType: \(type)")
        }
        let nonKey = p["NonKeyAttributes"]?.array?.compactMap(\.string)
        if type != "INCLUDE", nonKey != nil {
            throw AWSError.validation("One or more parameter values were invalid: ProjectionType is \(type), but NonKeyAttributes is specified")
        }
        var throughput: ThroughputSetting?
        if !local {
            throughput = try parseThroughput(raw["ProvisionedThroughput"]?.object, billing: billing)
        }
        return IndexDefinition(name: name, key: key, projection: IndexProjection(type: type, nonKeyAttributes: nonKey),
                               throughput: throughput, isLocal: local, createdAt: now)
    }
}
