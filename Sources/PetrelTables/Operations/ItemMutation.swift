import Foundation
import PetrelStore
import PetrelCore

/// One parsed item write — Put, Update, Delete or ConditionCheck — shared by the single-item
/// operations, BatchWriteItem and TransactWriteItems.
struct ItemMutation: Sendable {
    enum Kind: Sendable {
        case put(Item)
        case update(UpdateActions)
        case delete
        case check
    }

    var tableName: String
    var kind: Kind
    var key: Item
    var condition: Condition?
    var returnValues: String = "NONE"
    var returnOnFailure: String = "NONE"
    /// Paths named by the update, for UPDATED_OLD / UPDATED_NEW.
    var updatedPaths: [DocumentPath] = []

    /// Parses the members the operations share. `operation` picks the legacy parameters allowed.
    static func parse(_ request: Request, kind: String, allowLegacy: Bool = true) throws(AWSError) -> ItemMutation {
        let tableName = try request.tableName()
        let expressionNames = ["UpdateExpression", "ConditionExpression"].filter { kind == "Update" || $0 != "UpdateExpression" }
        if allowLegacy {
            try LegacyParameters.checkNotMixed(request, legacy: ["Expected", "AttributeUpdates"].filter { kind == "Update" || $0 != "AttributeUpdates" }, expressions: expressionNames)
        }
        var context = try request.expressionContext()
        var condition: Condition?
        if let text = try request.string("ConditionExpression") {
            condition = try ExpressionParser.condition(text, context: &context)
        } else if allowLegacy, let expected = try request.object("Expected") {
            condition = try LegacyParameters.expected(expected, conditionalOperator: try request.string("ConditionalOperator"))
        }
        var mutation: ItemMutation
        switch kind {
        case "Put":
            _ = try request.required("Item")
            let item = try request.item("Item") ?? [:]
            mutation = ItemMutation(tableName: tableName, kind: .put(item), key: [:], condition: condition)
        case "Update":
            var actions = UpdateActions()
            if let text = try request.string("UpdateExpression") {
                actions = try ExpressionParser.update(text, context: &context)
            } else if allowLegacy, let updates = try request.object("AttributeUpdates") {
                actions = try LegacyParameters.attributeUpdates(updates)
            }
            mutation = ItemMutation(tableName: tableName, kind: .update(actions), key: try requiredKey(request), condition: condition)
            mutation.updatedPaths = actions.allPaths
        case "Delete":
            mutation = ItemMutation(tableName: tableName, kind: .delete, key: try requiredKey(request), condition: condition)
        default:
            guard condition != nil else {
                throw AWSError.validation("1 validation error detected: Value null at 'conditionExpression' failed to satisfy constraint: Member must not be null")
            }
            mutation = ItemMutation(tableName: tableName, kind: .check, key: try requiredKey(request), condition: condition)
        }
        try context.checkAllUsed()
        mutation.returnOnFailure = try request.choice("ReturnValuesOnConditionCheckFailure", ["ALL_OLD", "NONE"], default: "NONE")
        return mutation
    }

    static func requiredKey(_ request: Request) throws(AWSError) -> Item {
        guard let key = try request.item("Key") else {
            _ = try request.required("Key")
            return [:]
        }
        return key
    }

    /// The result of applying a mutation: the item before and after.
    struct Outcome: Sendable {
        var old: Item?
        var new: Item?
    }

    /// Validates the mutation against the table's schema and returns its primary key.
    func primaryKey(_ table: TableDefinition) throws(AWSError) -> PrimaryKey {
        switch kind {
        case .put(let item):
            let key = try table.key.key(ofItem: item)
            try ItemWriter.checkSize(item)
            try ItemStore.validateIndexKeys(item, table: table)
            return key
        case .update(let actions):
            let keyNames = Set(table.key.attributes.map(\.name))
            for path in actions.allPaths {
                if let top = path.topName, keyNames.contains(top) {
                    throw AWSError.validation("One or more parameter values were invalid: Cannot update attribute \(top). This attribute is part of the key")
                }
            }
            return try table.key.key(ofKeyParameter: key)
        default:
            return try table.key.key(ofKeyParameter: key)
        }
    }

    /// Runs the condition and computes the new item; throws the condition failure. Writes nothing.
    func evaluate(old: Item?, table: TableDefinition) throws(AWSError) -> Outcome {
        if let condition, !ConditionEvaluator.evaluate(condition, old ?? [:]) {
            var extra: [String: JSONValue] = [:]
            if returnOnFailure == "ALL_OLD", let old {
                // DynamoDB spells the member `Message` when it returns the item.
                extra["Item"] = old.wire.jsonValue
                extra["Message"] = .string("The conditional request failed")
            }
            throw AWSError("ConditionalCheckFailedException", status: 400, "The conditional request failed", extra: extra)
        }
        switch kind {
        case .put(let item):
            return Outcome(old: old, new: item)
        case .update(let actions):
            if old == nil, !actions.isEmpty, actions.set.isEmpty, actions.add.isEmpty {
                // Only removals on a missing item: DynamoDB does not create it.
                return Outcome(old: nil, new: nil)
            }
            let base = old ?? key
            let new = try UpdateEvaluator.apply(actions, to: base)
            try ItemWriter.checkSize(new, update: true)
            try ItemStore.validateIndexKeys(new, table: table)
            return Outcome(old: old, new: new)
        case .delete:
            return Outcome(old: old, new: nil)
        case .check:
            return Outcome(old: old, new: old)
        }
    }

    /// Loads, checks and writes in the caller's transaction.
    func apply(_ db: any SQLConnection, table: TableDefinition, streams: inout StreamRecordWriter) throws -> Outcome {
        let key = try primaryKey(table)
        if case .put(let item) = kind, condition == nil, returnValues == "NONE", !table.streamEnabled, table.indexes.isEmpty {
            // Nothing needs the old item: a blind overwrite.
            try ItemStore.upsert(db, table: table, key: key, item: item)
            return Outcome(old: nil, new: item)
        }
        let old = try ItemStore.fetch(db, tableId: table.id, key: key)
        let outcome = try evaluate(old: old, table: table)
        if case .check = kind { return outcome }
        try ItemWriter.write(db, table: table, key: key, old: old, new: outcome.new, streams: &streams)
        return outcome
    }
}

extension Request {
    /// `ConsumedCapacity` per table, for the batch and transaction operations.
    func consumedCapacityList(_ tableNames: [String]) throws(AWSError) -> JSON? {
        let mode = try choice("ReturnConsumedCapacity", ["INDEXES", "TOTAL", "NONE"], default: "NONE")
        guard mode != "NONE" else { return nil }
        return .array(Set(tableNames).sorted().map { name in
            let units = Double(tableNames.filter { $0 == name }.count)
            return .object(["TableName": .string(name), "CapacityUnits": .number(String(units))])
        })
    }

    /// `ConsumedCapacity` when the caller asked for it.
    func consumedCapacity(_ tableName: String, units: Double = 1) throws(AWSError) -> JSON? {
        let mode = try choice("ReturnConsumedCapacity", ["INDEXES", "TOTAL", "NONE"], default: "NONE")
        guard mode != "NONE" else { return nil }
        var o: [String: JSON] = ["TableName": .string(tableName), "CapacityUnits": .number(String(units))]
        if mode == "INDEXES" { o["Table"] = .object(["CapacityUnits": .number(String(units))]) }
        return .object(o)
    }
}
