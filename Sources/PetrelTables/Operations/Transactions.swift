import Foundation
import Crypto
import PetrelStore
import PetrelCore

extension TableService {
    static let tokenLifetime: Double = 600

    func transactWriteItems(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let entries = try request.array("TransactItems"), !entries.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null")
        }
        if entries.count > 100 {
            throw AWSError.validation("1 validation error detected: Value '[…]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        var parsedMutations: [ItemMutation] = []
        for entry in entries {
            guard case .object(let members) = entry, members.count == 1, let (kind, body) = members.first,
                  let bodyObject = body.object else {
                throw AWSError.validation("TransactItems can only contain one of Check, Put, Update or Delete")
            }
            let name: String
            switch kind {
            case "Put": name = "Put"
            case "Update": name = "Update"
            case "Delete": name = "Delete"
            case "ConditionCheck": name = "Check"
            default: throw AWSError.validation("TransactItems can only contain one of Check, Put, Update or Delete")
            }
            parsedMutations.append(try ItemMutation.parse(Request(members: bodyObject), kind: name, allowLegacy: false))
        }
        let mutations = parsedMutations
        let token = try request.string("ClientRequestToken")
        let requestHash = Data(SHA256.hash(data: JSONWriter.encode(.array(entries))))
        let streamed = catalog.mayAppendStreamRecords(region: context.region, tables: mutations.map(\.tableName))
        let appended = try await writer.write(appendsStreamRecords: streamed) { db -> [String: Int64] in
            let now = Date().timeIntervalSince1970
            if let token {
                try db.execute(sql: "DELETE FROM ddb_transaction_tokens WHERE created < ?", arguments: [now - TableService.tokenLifetime])
                if let previous = try db.fetchOne(Data.self, sql: "SELECT request_hash FROM ddb_transaction_tokens WHERE token = ?", arguments: [token]) {
                    if previous != requestHash {
                        let text = "The request with the same client token was previously processed with different parameters. Use a new ClientRequestToken for a different request."
                        // This exception's member is `Message` in DynamoDB's model.
                        throw AWSError("IdempotentParameterMismatchException", status: 400, text, extra: ["Message": .string(text)])
                    }
                    return [:] // Already applied: succeed without writing again.
                }
            }
            var planned: [(ItemMutation, TableDefinition, PrimaryKey, Item?)] = []
            var seen: Set<String> = []
            for mutation in mutations {
                let table = try self.catalog.require(db, region: context.region, name: mutation.tableName)
                let key = try mutation.primaryKey(table)
                if !seen.insert("\(table.id)/\(key.hk)/\(key.rk)").inserted {
                    throw AWSError.validation("Transaction request cannot include multiple operations on one item")
                }
                planned.append((mutation, table, key, try ItemStore.fetch(db, tableId: table.id, key: key)))
            }
            // Past a table's provisioned writes the transaction is cancelled, as DynamoDB does.
            let throttled = planned.map { !self.meter.admitsWrite($0.1) }
            if throttled.contains(true) { throw TableService.throttledTransaction(throttled) }
            var reasons: [JSONValue] = []
            var outcomes: [ItemMutation.Outcome] = []
            var failed = false
            for (mutation, table, _, old) in planned {
                do {
                    outcomes.append(try mutation.evaluate(old: old, table: table))
                    reasons.append(.object(["Code": .string("None")]))
                } catch let error as AWSError where error.code == "ConditionalCheckFailedException" {
                    failed = true
                    var reason: [String: JSONValue] = ["Code": .string("ConditionalCheckFailed"), "Message": .string("The conditional request failed")]
                    if let item = error.extra["Item"] { reason["Item"] = item }
                    reasons.append(.object(reason))
                    outcomes.append(ItemMutation.Outcome(old: old, new: old))
                } catch let error as AWSError where error.code == "ValidationException" {
                    // A failure evaluating this item's update (e.g. adding to a string) cancels
                    // the transaction with a ValidationError reason, as DynamoDB reports it.
                    failed = true
                    reasons.append(.object(["Code": .string("ValidationError"), "Message": .string(error.message)]))
                    outcomes.append(ItemMutation.Outcome(old: old, new: old))
                }
            }
            if failed {
                let codes = reasons.map { $0["Code"]?.stringValue ?? "None" }.joined(separator: ", ")
                let text = "Transaction cancelled, please refer cancellation reasons for specific reasons [\(codes)]"
                // `Message`, capitalised, is this exception's member in DynamoDB's model.
                throw AWSError("TransactionCanceledException", status: 400, text,
                               extra: ["CancellationReasons": .array(reasons), "Message": .string(text)])
            }
            var streams = StreamRecordWriter(region: context.region)
            for ((mutation, table, key, old), outcome) in zip(planned, outcomes) {
                if case .check = mutation.kind { continue }
                try ItemWriter.write(db, table: table, key: key, old: old, new: outcome.new, streams: &streams)
            }
            for ((_, table, _, _), outcome) in zip(planned, outcomes) {
                self.meter.spendWrite(table, units: CapacityMeter.writeUnits(outcome, transactional: true))
            }
            if let token {
                try db.execute(sql: "INSERT INTO ddb_transaction_tokens (token, request_hash, created) VALUES (?, ?, ?)", arguments: [token, requestHash, now])
            }
            return streams.appended
        }
        notifier.published(appended)
        if let c = try request.consumedCapacityList(mutations.map(\.tableName) + mutations.map(\.tableName)) {
            return Response.encode(["ConsumedCapacity": c])
        }
        return Response.empty
    }

    func transactGetItems(_ request: Request, _ context: OperationContext) async throws -> Data {
        guard let entries = try request.array("TransactItems"), !entries.isEmpty else {
            throw AWSError.validation("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null")
        }
        if entries.count > 100 {
            throw AWSError.validation("1 validation error detected: Value '[…]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        var gets: [(String, Item, [DocumentPath]?)] = []
        for entry in entries {
            guard let get = entry["Get"]?.object else {
                throw AWSError.validation("1 validation error detected: Value null at 'transactItems.member.get' failed to satisfy constraint: Member must not be null")
            }
            let spec = Request(members: get)
            var expressions = try spec.expressionContext()
            let projection = try TableService.projection(spec, context: &expressions)
            try expressions.checkAllUsed()
            gets.append((try spec.tableName(), try ItemMutation.requiredKey(spec), projection))
        }
        let plannedGets = gets
        let responses = try await store.database.read { db -> [JSON] in
            var out: [JSON] = []
            let tables = try plannedGets.map { try self.catalog.require(db, region: context.region, name: $0.0) }
            let throttled = tables.map { !self.meter.admitsRead($0) }
            if throttled.contains(true) { throw TableService.throttledTransaction(throttled) }
            for ((_, keyParameter, projection), table) in zip(plannedGets, tables) {
                let key = try table.key.key(ofKeyParameter: keyParameter)
                let found = try ItemStore.fetch(db, tableId: table.id, key: key)
                self.meter.spendRead(table, units: CapacityUnits.read(bytes: found?.itemSize ?? 0, consistent: true, transactional: true))
                guard let item = found else { out.append(.object([:])); continue }
                out.append(.object(["Item": (projection.map { Projection.apply($0, to: item) } ?? item).wire]))
            }
            return out
        }
        var out: [String: JSON] = ["Responses": .array(responses)]
        if let c = try request.consumedCapacityList(gets.map(\.0) + gets.map(\.0)) { out["ConsumedCapacity"] = c }
        return Response.encode(out)
    }
}

extension TableService {
    /// TransactionCanceledException with a ProvisionedThroughputExceeded reason for each
    /// throttled item, as DynamoDB cancels a transaction past provisioned capacity.
    static func throttledTransaction(_ throttled: [Bool]) -> AWSError {
        let reasons: [JSONValue] = throttled.map { hit in
            hit ? .object(["Code": .string("ProvisionedThroughputExceeded"), "Message": .string(CapacityMeter.exceeded.message)])
                : .object(["Code": .string("None")])
        }
        let codes = throttled.map { $0 ? "ProvisionedThroughputExceeded" : "None" }.joined(separator: ", ")
        let text = "Transaction cancelled, please refer cancellation reasons for specific reasons [\(codes)]"
        return AWSError("TransactionCanceledException", status: 400, text, extra: ["CancellationReasons": .array(reasons), "Message": .string(text)])
    }
}
