import Foundation
import PetrelStore
import PetrelCore

extension TableService {
    /// ProjectionExpression or AttributesToGet, as document paths (nil: the whole item).
    static func projection(_ request: Request, context: inout ExpressionContext) throws(AWSError) -> [DocumentPath]? {
        if let text = try request.string("ProjectionExpression") {
            if request["AttributesToGet"] != nil {
                throw AWSError.validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
            }
            return try ExpressionParser.projection(text, context: &context)
        }
        if let names = try request.array("AttributesToGet") {
            if names.isEmpty {
                throw AWSError.validation("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1")
            }
            return names.compactMap(\.string).map { [.name($0)] }
        }
        return nil
    }

    func getItem(_ request: Request, _ context: OperationContext) async throws -> Data {
        let tableName = try request.tableName()
        var expressions = try request.expressionContext()
        let projection = try TableService.projection(request, context: &expressions)
        if projection == nil, request["ExpressionAttributeNames"] != nil {
            throw AWSError.validation("ExpressionAttributeNames can only be specified when using expressions")
        }
        try expressions.checkAllUsed()
        let keyParameter = try ItemMutation.requiredKey(request)
        let capacity = try request.consumedCapacity(tableName, units: 0.5)
        let consistent = try request.bool("ConsistentRead") ?? false
        let raw = try store.readNow { db -> Data? in
            let table = try self.catalog.require(db, region: context.region, name: tableName)
            try self.meter.checkRead(table)
            let key = try table.key.key(ofKeyParameter: keyParameter)
            let raw = try ItemStore.fetchRaw(db, tableId: table.id, key: key)
            if CapacityMeter.isProvisioned(table) {
                let size = try raw.map { try ItemStore.decode($0).itemSize } ?? 0
                self.meter.spendRead(table, units: CapacityUnits.read(bytes: size, consistent: consistent))
            }
            return raw
        }
        var out: [String: JSON] = [:]
        if let c = capacity { out["ConsumedCapacity"] = c }
        guard let raw else { return out.isEmpty ? Response.empty : Response.encode(out) }
        if let projection {
            let item = Projection.apply(projection, to: try ItemStore.decode(raw))
            out["Item"] = item.wire
            return Response.encode(out)
        }
        if out.isEmpty {
            // Splice the stored wire JSON straight into the response.
            var data = Data("{\"Item\":".utf8)
            data.append(raw)
            data.append(UInt8(ascii: "}"))
            return data
        }
        out["Item"] = .raw(raw)
        return Response.encode(out)
    }
}
