import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    func updateTimeToLive(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let (enabled, attribute) = try TableService.timeToLiveSpecification(request)
        let updated = try await store.database.write { db -> TableDefinition in
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

    /// TimeToLiveSpecification's members, checked in the order and words DynamoDB uses.
    static func timeToLiveSpecification(_ request: Request) throws(AWSError) -> (Bool, String) {
        func missing(_ at: String) -> AWSError {
            AWSError.validation("1 validation error detected: Value null at '\(at)' failed to satisfy constraint: Member must not be null")
        }
        guard let object = try request.object("TimeToLiveSpecification") else { throw missing("timeToLiveSpecification") }
        let spec = Request(members: object)
        let attribute = try spec.string("AttributeName", length: 0...255, field: "timeToLiveSpecification.attributeName")
        let enabled = try spec.bool("Enabled")
        if attribute == nil, enabled == nil {
            throw AWSError.validation("2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null; Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null")
        }
        guard let attribute else { throw missing("timeToLiveSpecification.attributeName") }
        guard let enabled else { throw missing("timeToLiveSpecification.enabled") }
        if attribute.isEmpty { throw AWSError.validation("TimeToLiveSpecification.AttributeName must be non empty") }
        return (enabled, attribute)
    }

    func describeTimeToLive(_ request: Request, _ context: OperationContext) async throws -> Data {
        let name = try request.tableName()
        let table = try await store.database.read { db in try self.catalog.require(db, region: context.region, name: name) }
        var description: [String: JSON] = ["TimeToLiveStatus": .string(table.ttlEnabled ? "ENABLED" : "DISABLED")]
        if table.ttlEnabled, let a = table.ttlAttribute { description["AttributeName"] = .string(a) }
        return Response.encode(["TimeToLiveDescription": .object(description)])
    }

    private func tableByARN(_ db: any SQLConnection, _ request: Request) throws -> TableDefinition {
        _ = try request.required("ResourceArn")
        let arn = try request.string("ResourceArn", length: 1...1283) ?? ""
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "dynamodb", parts[5].hasPrefix("table/") else {
            throw AWSError.validation("Invalid TableArn: Invalid ResourceArn provided as input \(arn)")
        }
        if parts[5].dropFirst("table/".count).contains("/") {
            // An index or stream ARN: DynamoDB tags tables only.
            throw AWSError.validation("Invalid TableArn: Tags can only be applied to tables; invalid ResourceArn provided as input \(arn)")
        }
        guard let table = try catalog.find(db, arn: arn) else {
            throw AWSError.resourceNotFound("Requested resource not found: ResourcArn: \(arn) not found")
        }
        return table
    }

    func tagResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        _ = try request.required("ResourceArn")
        guard let tags = try request.array("Tags") else {
            throw AWSError.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
        }
        let parsed = try TableService.parseTags(tags)
        let updated = try await store.database.write { db -> TableDefinition in
            var table = try self.tableByARN(db, request)
            for (k, v) in parsed { table.tags[k] = v }
            if table.tags.count > 50 {
                throw AWSError.validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
            }
            try self.catalog.save(db, table)
            return table
        }
        catalog.publish(updated)
        return Response.empty
    }

    /// Tags as DynamoDB checks them: keys of 1 to 128 characters and values of up to 256, both
    /// of letters, digits, white space and `+ - = . _ : /`; `aws:` keys are reserved.
    static func parseTags(_ tags: [JSON]) throws(AWSError) -> [(String, String)] {
        var out: [(String, String)] = []
        for (i, t) in tags.enumerated() {
            let tag = Request(members: t.object ?? [:])
            let at = "tags.\(i + 1).member"
            _ = try tag.required("Key")
            let key = try tag.string("Key", length: 1...128, field: "\(at).key") ?? ""
            guard let value = try tag.string("Value", length: 0...256, field: "\(at).value") else {
                throw AWSError.validation("1 validation error detected: Value null at '\(at).value' failed to satisfy constraint: Member must not be null")
            }
            for (text, field) in [(key, "key"), (value, "value")] where !TableService.isTagText(text) {
                throw AWSError.validation("1 validation error detected: Value '\(text)' at '\(at).\(field)' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-]*)$")
            }
            if key.lowercased().hasPrefix("aws:") {
                throw AWSError.validation("One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use: \(key)")
            }
            out.append((key, value))
        }
        return out
    }

    static func isTagText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { c in
            c.properties.isAlphabetic || c.properties.numericType != nil || c.properties.generalCategory == .spaceSeparator
                || "_.:/=+-".unicodeScalars.contains(c)
        }
    }

    func untagResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        _ = try request.required("ResourceArn")
        guard let rawKeys = try request.array("TagKeys") else {
            throw AWSError.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
        }
        let keys = rawKeys.compactMap(\.string)
        let updated = try await store.database.write { db -> TableDefinition in
            var table = try self.tableByARN(db, request)
            for k in keys { table.tags[k] = nil }
            try self.catalog.save(db, table)
            return table
        }
        catalog.publish(updated)
        return Response.empty
    }

    func listTagsOfResource(_ request: Request, _ context: OperationContext) async throws -> Data {
        let table = try await store.database.read { db in try self.tableByARN(db, request) }
        let tags = table.tags.keys.sorted().map { JSON.object(["Key": .string($0), "Value": .string(table.tags[$0]!)]) }
        return Response.encode(["Tags": .array(tags)])
    }

    /// Deletes items whose TTL attribute (a number of epoch seconds) is in the past, each with a
    /// REMOVE stream record attributed to the DynamoDB service.
    func expireItems(now: Date) async throws {
        let tables = try await store.database.read { db in try self.catalog.all(db) }.filter { $0.ttlEnabled && $0.ttlAttribute != nil }
        let cutoff = now.timeIntervalSince1970
        for table in tables {
            let attribute = table.ttlAttribute!
            // Find candidates through the expiry index without holding the writer; re-check
            // each inside the write.
            let expired = try store.readNow { db -> [PrimaryKey] in
                try db.fetchAll(sql: "SELECT hh, hk, rk FROM ddb_items WHERE table_id = ? AND expires IS NOT NULL AND expires < ? LIMIT 1000",
                                 arguments: [table.id, cutoff])
                    .map { PrimaryKey(hh: $0["hh"], hk: [UInt8]($0["hk"] as Data), rk: [UInt8]($0["rk"] as Data)) }
            }
            guard !expired.isEmpty else { continue }
            let appended = try await writer.write(appendsStreamRecords: table.stream?.enabled == true) { db -> [String: Int64] in
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
