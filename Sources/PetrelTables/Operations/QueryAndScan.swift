import Foundation
import PetrelStore
import PetrelCore

/// What Query and Scan share: reading rows in key order, counting 1 MB pages before the
/// filter, filtering, projecting, and the LastEvaluatedKey.
struct ReadPlan {
    var table: TableDefinition
    var index: IndexDefinition?
    var filter: Condition?
    var projection: [DocumentPath]?
    var countOnly: Bool
    var limit: Int?

    static let pageBytes = 1024 * 1024

    var schema: KeySchema { index?.key ?? table.key }

    /// Key attributes that identify a position: the index's keys plus the table's.
    func positionKey(of item: Item) -> Item {
        var key = table.key.keyItem(of: item)
        if let index { for (k, v) in index.key.keyItem(of: item) { key[k] = v } }
        return key
    }

    func run(_ db: any SQLConnection, sql: String, arguments: SQLArguments) throws -> [String: JSON] {
        var items: [JSON] = []
        var count = 0
        var scanned = 0
        var bytes = 0
        var lastData: Data?
        var stoppedEarly = false
        let needsItem = filter != nil || projection != nil
        try db.forEachRow(sql: sql, arguments: arguments) { row in
            if let limit, scanned >= limit { stoppedEarly = true; return false }
            if bytes >= ReadPlan.pageBytes { stoppedEarly = true; return false }
            let data: Data = row["item"]
            let size: Int = row["size"]
            scanned += 1
            bytes += size
            lastData = data
            if needsItem {
                let item = try ItemStore.decode(data)
                if let filter, !ConditionEvaluator.evaluate(filter, item) { return true }
                count += 1
                if !countOnly {
                    items.append(projection.map { Projection.apply($0, to: item).wire } ?? .raw(data))
                }
            } else {
                count += 1
                if !countOnly { items.append(.raw(data)) }
            }
            return true
        }
        var out: [String: JSON] = ["Count": .int(count), "ScannedCount": .int(scanned)]
        if !countOnly { out["Items"] = .array(items) }
        if stoppedEarly, let lastData { out["LastEvaluatedKey"] = positionKey(of: try ItemStore.decode(lastData)).wire }
        return out
    }
}

extension TableService {
    /// Parses what Query and Scan share. `legacyFilter` names QueryFilter or ScanFilter.
    func readPlan(_ request: Request, _ db: any SQLConnection, _ context: OperationContext, expressions: inout ExpressionContext, legacyFilter: String) throws -> ReadPlan {
        let tableName = try request.tableName()
        let table = try catalog.require(db, region: context.region, name: tableName)
        var index: IndexDefinition?
        if let name = try request.string("IndexName") {
            guard let i = table.index(named: name) else {
                throw AWSError.validation("The table does not have the specified index: \(name)")
            }
            if !i.isLocal, try request.bool("ConsistentRead") == true {
                throw AWSError.validation("Consistent reads are not supported on global secondary indexes")
            }
            index = i
        }
        var filter: Condition?
        if let text = try request.string("FilterExpression") {
            filter = try ExpressionParser.condition(text, kind: "FilterExpression", context: &expressions)
        } else if let legacy = try request.object(legacyFilter) {
            filter = try LegacyParameters.filter(legacy, conditionalOperator: try request.string("ConditionalOperator"))
        }
        let projection = try TableService.projection(request, context: &expressions)
        let select = try request.choice("Select", ["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"], default: projection == nil ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES")
        let projectionParameter = request["ProjectionExpression"] != nil ? "ProjectionExpression" : "AttributesToGet"
        if projection != nil, select != "SPECIFIC_ATTRIBUTES" {
            throw AWSError.validation("Cannot specify the \(projectionParameter) when choosing to get \(select)")
        }
        if projection == nil, select == "SPECIFIC_ATTRIBUTES" {
            throw AWSError.validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
        }
        if select == "ALL_PROJECTED_ATTRIBUTES", index == nil {
            throw AWSError.validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
        }
        // Without Select an index read returns what the index projects; only asking for
        // ALL_ATTRIBUTES from a GSI that does not project them is an error.
        if request["Select"] != nil, select == "ALL_ATTRIBUTES", let index, !index.isLocal, index.projection.type != "ALL" {
            throw AWSError.validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index \(index.name) because its projection type is not ALL")
        }
        let limit = try request.int("Limit")
        if let limit, limit < 1 {
            throw AWSError.validation("1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
        }
        return ReadPlan(table: table, index: index, filter: filter, projection: projection, countOnly: select == "COUNT", limit: limit)
    }

    /// The stored position after which to resume, from ExclusiveStartKey.
    func startPosition(_ request: Request, plan: ReadPlan) throws(AWSError) -> (PrimaryKey, PrimaryKey)? {
        guard let start = try request.item("ExclusiveStartKey") else { return nil }
        let invalid = AWSError.validation("The provided starting key is invalid: The provided key element does not match the schema")
        let base: PrimaryKey
        do { base = try plan.table.key.key(ofKeyParameter: plan.table.key.keyItem(of: start)) } catch { throw invalid }
        guard let index = plan.index else {
            if start.count != plan.table.key.attributes.count { throw invalid }
            return (base, base)
        }
        guard let key = try? index.key.indexKey(of: start, indexName: index.name) else { throw invalid }
        return (key, base)
    }

    func query(_ request: Request, _ context: OperationContext) async throws -> Data {
        try LegacyParameters.checkNotMixed(request, legacy: ["KeyConditions", "QueryFilter", "AttributesToGet"], expressions: ["KeyConditionExpression", "FilterExpression", "ProjectionExpression"])
        let forward = try request.bool("ScanIndexForward") ?? true
        let result = try store.readNow { db -> [String: JSON] in
            var expressions = try request.expressionContext()
            var keyCondition: Condition
            if let text = try request.string("KeyConditionExpression") {
                keyCondition = try ExpressionParser.condition(text, kind: "KeyConditionExpression", context: &expressions)
            } else if let legacy = try request.object("KeyConditions") {
                keyCondition = try LegacyParameters.filter(legacy, conditionalOperator: nil)
            } else {
                throw AWSError.validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
            }
            let plan = try self.readPlan(request, db, context, expressions: &expressions, legacyFilter: "QueryFilter")
            try expressions.checkAllUsed()
            let key = try KeyCondition.from(keyCondition, schema: plan.schema)
            let hk = plan.schema.compositeHash ? PrimaryKey.tuple([key.hash] + key.moreHash) : PrimaryKey.sortBytes(key.hash)
            var sql: String
            var args: SQLArguments
            if let index = plan.index {
                sql = "SELECT item, size FROM ddb_index_items WHERE table_id = ? AND index_name = ? AND hh = ? AND hk = ?"
                args = [plan.table.id, index.name, PrimaryKey.hashOf(hk), Data(hk)]
            } else {
                sql = "SELECT item, size FROM ddb_items WHERE table_id = ? AND hh = ? AND hk = ?"
                args = [plan.table.id, PrimaryKey.hashOf(hk), Data(hk)]
            }
            if plan.schema.compositeRange {
                let (lower, upper) = TableService.tupleBounds(prefix: key.rangePrefix, last: key.range)
                if !lower.isEmpty {
                    sql += " AND rk >= ?"
                    args += [Data(lower)]
                }
                if let upper {
                    sql += " AND rk < ?"
                    args += [Data(upper)]
                }
            } else if let range = key.range {
                switch range {
                case .compare(let op, let v):
                    sql += " AND rk \(op.rawValue) ?"
                    args += [Data(PrimaryKey.sortBytes(v))]
                case .between(let a, let b):
                    sql += " AND rk >= ? AND rk <= ?"
                    args += [Data(PrimaryKey.sortBytes(a)), Data(PrimaryKey.sortBytes(b))]
                case .beginsWith(let v):
                    let prefix = PrimaryKey.sortBytes(v)
                    sql += " AND rk >= ?"
                    args += [Data(prefix)]
                    if let upper = TableService.prefixSuccessor(prefix) {
                        sql += " AND rk < ?"
                        args += [Data(upper)]
                    }
                }
            }
            if let (position, base) = try self.startPosition(request, plan: plan) {
                let op = forward ? ">" : "<"
                if plan.index != nil {
                    sql += " AND (rk, pk) \(op) (?, ?)"
                    args += [Data(position.rk), Data(base.packed)]
                } else {
                    sql += " AND rk \(op) ?"
                    args += [Data(position.rk)]
                }
            }
            let direction = forward ? "ASC" : "DESC"
            sql += plan.index != nil ? " ORDER BY rk \(direction), pk \(direction)" : " ORDER BY rk \(direction)"
            return try plan.run(db, sql: sql, arguments: args)
        }
        return Response.encode(try TableService.withCapacity(result, request))
    }

    /// Adds a nominal ConsumedCapacity (half a unit per 4 KB read) when the caller asked.
    static func withCapacity(_ result: [String: JSON], _ request: Request) throws(AWSError) -> [String: JSON] {
        var out = result
        let scanned = Double(result["ScannedCount"]?.int ?? 1)
        if let c = try request.consumedCapacity(try request.tableName(), units: max(0.5, scanned / 2)) { out["ConsumedCapacity"] = c }
        return out
    }

    /// The stored-key range `[lower, upper)` of a multi-attribute sort key condition: equal to
    /// `prefix` on the leading attributes and, on the next one, the condition `last`.
    static func tupleBounds(prefix: [AttributeValue], last: KeyCondition.Range?) -> ([UInt8], [UInt8]?) {
        let p = PrimaryKey.tuple(prefix)
        switch last {
        case nil: return (p, prefixSuccessor(p))
        case .compare(let op, let v)?:
            let c = p + PrimaryKey.tupleElement(v)
            switch op {
            case .lt: return (p, c)
            case .le: return (p, prefixSuccessor(c))
            case .gt: return (prefixSuccessor(c) ?? c, prefixSuccessor(p))
            case .ge: return (c, prefixSuccessor(p))
            default: return (c, prefixSuccessor(c))
            }
        case .between(let a, let b)?:
            return (p + PrimaryKey.tupleElement(a), prefixSuccessor(p + PrimaryKey.tupleElement(b)))
        case .beginsWith(let v)?:
            let x = p + PrimaryKey.tupleElement(v, terminated: false)
            return (x, prefixSuccessor(x))
        }
    }

    /// The slice of the 32-bit key-hash space a parallel Scan segment covers.
    static func segmentRange(_ segment: Int, of total: Int) -> Range<Int64> {
        let width = (Int64(1) << 32) / Int64(total)
        let low = Int64(segment) * width
        return low..<(segment == total - 1 ? (Int64(1) << 32) : low + width)
    }

    /// The smallest byte string greater than every string starting with `prefix`.
    static func prefixSuccessor(_ prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF { bytes[bytes.count - 1] = last + 1; return bytes }
            bytes.removeLast()
        }
        return nil
    }

    func scan(_ request: Request, _ context: OperationContext) async throws -> Data {
        try LegacyParameters.checkNotMixed(request, legacy: ["ScanFilter", "AttributesToGet"], expressions: ["FilterExpression", "ProjectionExpression"])
        let segment = try request.int("Segment")
        let total = try request.int("TotalSegments")
        if segment != nil, total == nil {
            throw AWSError.validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
        }
        if segment == nil, total != nil {
            throw AWSError.validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
        }
        if let total, total < 1 || total > 1_000_000 {
            throw AWSError.validation("1 validation error detected: Value '\(total)' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000")
        }
        if let segment, let total, segment < 0 || segment >= total {
            throw AWSError.validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: \(segment) is not less than TotalSegments: \(total)")
        }
        let result = try store.readNow { db -> [String: JSON] in
            var expressions = try request.expressionContext()
            let plan = try self.readPlan(request, db, context, expressions: &expressions, legacyFilter: "ScanFilter")
            try expressions.checkAllUsed()
            var sql: String
            var args: SQLArguments
            if let index = plan.index {
                sql = "SELECT item, size FROM ddb_index_items WHERE table_id = ? AND index_name = ?"
                args = [plan.table.id, index.name]
            } else {
                sql = "SELECT item, size FROM ddb_items WHERE table_id = ?"
                args = [plan.table.id]
            }
            var segmentRange: Range<Int64>?
            if let segment, let total {
                let range = TableService.segmentRange(segment, of: total)
                sql += " AND hh >= ? AND hh < ?"
                args += [range.lowerBound, range.upperBound]
                segmentRange = range
            }
            if let (position, base) = try self.startPosition(request, plan: plan) {
                if let segmentRange, let total, !segmentRange.contains(position.hh) {
                    // DynamoDB refuses a start key from another segment rather than return a
                    // truncated page; it names the segment the key belongs to.
                    let owner = min(Int(position.hh / ((Int64(1) << 32) / Int64(total))), total - 1)
                    throw AWSError.validation("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: \(total) Segment: \(owner)")
                }
                if plan.index != nil {
                    sql += " AND (hh, hk, rk, pk) > (?, ?, ?, ?)"
                    args += [position.hh, Data(position.hk), Data(position.rk), Data(base.packed)]
                } else {
                    sql += " AND (hh, hk, rk) > (?, ?, ?)"
                    args += [position.hh, Data(position.hk), Data(position.rk)]
                }
            }
            sql += plan.index != nil ? " ORDER BY hh, hk, rk, pk" : " ORDER BY hh, hk, rk"
            return try plan.run(db, sql: sql, arguments: args)
        }
        return Response.encode(try TableService.withCapacity(result, request))
    }
}
