import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    /// Runs one mutation in its own transaction and wakes stream consumers after the commit.
    func commit(_ mutation: ItemMutation, _ context: OperationContext) async throws -> ItemMutation.Outcome {
        let streamed = catalog.mayAppendStreamRecords(region: context.region, tables: [mutation.tableName])
        let (outcome, appended) = try await writer.write(appendsStreamRecords: streamed) { db -> (ItemMutation.Outcome, [String: Int64]) in
            let table = try self.catalog.require(db, region: context.region, name: mutation.tableName)
            try self.meter.checkWrite(table)
            var streams = StreamRecordWriter(region: context.region)
            let outcome = try mutation.apply(db, table: table, streams: &streams)
            self.meter.spendWrite(table, units: CapacityMeter.writeUnits(outcome))
            return (outcome, streams.appended)
        }
        notifier.published(appended)
        return outcome
    }

    func putItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        try await replaceOrRemoveItem(request, context, kind: "Put")
    }

    func deleteItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        try await replaceOrRemoveItem(request, context, kind: "Delete")
    }

    /// PutItem and DeleteItem answer alike: ReturnValues may only be NONE or ALL_OLD.
    private func replaceOrRemoveItem(_ request: Request, _ context: OperationContext, kind: String) async throws -> Data {
        var mutation = try ItemMutation.parse(request, kind: kind)
        mutation.returnValues = try request.choice("ReturnValues", ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"], default: "NONE")
        if !["NONE", "ALL_OLD"].contains(mutation.returnValues) {
            throw AWSError.validation("ReturnValues can only be ALL_OLD or NONE")
        }
        let outcome = try await commit(mutation, context)
        var out: [String: JSON] = [:]
        if mutation.returnValues == "ALL_OLD", let old = outcome.old { out["Attributes"] = old.wire }
        if let c = try request.consumedCapacity(mutation.tableName) { out["ConsumedCapacity"] = c }
        return out.isEmpty ? Response.empty : Response.encode(out)
    }

    func updateItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        var mutation = try ItemMutation.parse(request, kind: "Update")
        mutation.returnValues = try request.choice("ReturnValues", ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"], default: "NONE")
        let outcome = try await commit(mutation, context)
        var out: [String: JSON] = [:]
        let attributes: Item?
        switch mutation.returnValues {
        case "ALL_OLD": attributes = outcome.old
        case "ALL_NEW": attributes = outcome.new
        case "UPDATED_OLD": attributes = outcome.old.map { Projection.apply(mutation.updatedPaths, to: $0) }
        case "UPDATED_NEW": attributes = outcome.new.map { Projection.apply(mutation.updatedPaths, to: $0) }
        default: attributes = nil
        }
        if let attributes, !attributes.isEmpty { out["Attributes"] = attributes.wire }
        if let c = try request.consumedCapacity(mutation.tableName) { out["ConsumedCapacity"] = c }
        return out.isEmpty ? Response.empty : Response.encode(out)
    }
}
