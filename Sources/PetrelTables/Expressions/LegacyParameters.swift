import PetrelCore

/// Translates the pre-expression parameters that older code still sends (Expected,
/// AttributeUpdates, KeyConditions, QueryFilter, ScanFilter, AttributesToGet,
/// ConditionalOperator) into the same AST the expression parser produces.
enum LegacyParameters {
    /// Expected: `{attr: {Value, Exists, ComparisonOperator, AttributeValueList}}`.
    static func expected(_ raw: [String: JSON], conditionalOperator: String?) throws(AWSError) -> Condition {
        var conditions: [Condition] = []
        for name in raw.keys.sorted() {
            guard case .object(let spec) = raw[name]! else { throw AWSError.serialization("Expected entries must be objects") }
            let path: DocumentPath = [.name(name)]
            func invalid(_ text: String) -> AWSError {
                AWSError.validation("One or more parameter values were invalid: \(text) for Attribute: \(name)")
            }
            if let op = spec["ComparisonOperator"]?.string {
                if spec["Exists"] != nil { throw invalid("Exists and ComparisonOperator cannot be used together") }
                if spec["Value"] != nil, spec["AttributeValueList"] != nil { throw invalid("Value and AttributeValueList cannot be used together") }
                // A single Value stands for a one-element AttributeValueList.
                let list: [AttributeValue]
                if let raw = spec["Value"] { list = [try AttributeValue(wire: raw)] } else { list = try values(spec["AttributeValueList"]) }
                conditions.append(try comparison(path, op, list, attribute: name))
                continue
            }
            if spec["AttributeValueList"] != nil { throw invalid("AttributeValueList can only be used with a ComparisonOperator") }
            let exists = spec["Exists"]?.bool ?? true
            if let raw = spec["Value"] {
                let value = try AttributeValue(wire: raw)
                if !exists { throw invalid("Value cannot be used when Exists is false") }
                conditions.append(.compare(.path(path), .eq, .value(value)))
            } else if exists {
                throw invalid("Value must be provided when Exists is \(spec["Exists"]?.bool.map { String($0) } ?? "null")")
            } else {
                conditions.append(.notExists(path))
            }
        }
        return try combine(conditions, conditionalOperator)
    }

    /// KeyConditions, QueryFilter and ScanFilter: `{attr: {ComparisonOperator, AttributeValueList}}`.
    static func filter(_ raw: [String: JSON], conditionalOperator: String?) throws(AWSError) -> Condition {
        var conditions: [Condition] = []
        for name in raw.keys.sorted() {
            guard case .object(let spec) = raw[name]!, let op = spec["ComparisonOperator"]?.string else {
                throw AWSError.validation("1 validation error detected: Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null")
            }
            conditions.append(try comparison([.name(name)], op, try values(spec["AttributeValueList"]), attribute: name))
        }
        return try combine(conditions, conditionalOperator)
    }

    static func values(_ raw: JSON?) throws(AWSError) -> [AttributeValue] {
        guard let raw else { return [] }
        guard case .array(let a) = raw else { throw AWSError.serialization("AttributeValueList must be a list") }
        var out: [AttributeValue] = []
        for v in a { out.append(try AttributeValue(wire: v)) }
        return out
    }

    static func combine(_ conditions: [Condition], _ op: String?) throws(AWSError) -> Condition {
        guard !conditions.isEmpty else { return .always }
        let isOr: Bool
        switch op {
        case nil, "AND": isOr = false
        case "OR": isOr = true
        default:
            throw AWSError.validation("1 validation error detected: Value '\(op!)' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]")
        }
        return balanced(conditions[...], isOr: isOr)
    }

    /// A balanced tree of ANDs or ORs: a request may name thousands of attributes, and the
    /// tree's depth is what evaluating it costs in stack.
    static func balanced(_ conditions: ArraySlice<Condition>, isOr: Bool) -> Condition {
        if conditions.count == 1 { return conditions.first! }
        let middle = conditions.startIndex + conditions.count / 2
        let left = balanced(conditions[..<middle], isOr: isOr), right = balanced(conditions[middle...], isOr: isOr)
        return isOr ? .or(left, right) : .and(left, right)
    }

    static func comparison(_ path: DocumentPath, _ op: String, _ list: [AttributeValue], attribute: String) throws(AWSError) -> Condition {
        func arity(_ n: Int) throws(AWSError) {
            if list.count != n {
                throw AWSError.validation("One or more parameter values were invalid: Invalid number of argument(s) for the \(op) ComparisonOperator")
            }
        }
        let p = Operand.path(path)
        // Which types each operator takes, as DynamoDB checks them.
        func allow(_ types: Set<String>) throws(AWSError) {
            for v in list where !types.contains(v.typeName) {
                throw AWSError.validation("One or more parameter values were invalid: ComparisonOperator \(op) is not valid for \(v.typeName) AttributeValue type")
            }
        }
        let scalars: Set<String> = ["S", "N", "B"]
        let counts: [String: ClosedRange<Int>] = ["NULL": 0...0, "NOT_NULL": 0...0, "IN": 1...Int.max, "BETWEEN": 2...2]
        if ["EQ", "NE", "LT", "LE", "GT", "GE", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "NULL", "NOT_NULL", "IN", "BETWEEN"].contains(op),
           !(counts[op] ?? 1...1).contains(list.count) {
            throw AWSError.validation("One or more parameter values were invalid: Invalid number of argument(s) for the \(op) ComparisonOperator")
        }
        switch op {
        case "LT", "LE", "GT", "GE", "CONTAINS", "NOT_CONTAINS", "IN", "BETWEEN": try allow(scalars)
        case "BEGINS_WITH": try allow(["S", "B"])
        default: break
        }
        if op == "BETWEEN", list.count == 2 {
            if list[0].typeName != list[1].typeName {
                throw AWSError.validation("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type")
            }
            if (ConditionEvaluator.order(list[0], list[1]) ?? 0) > 0 {
                throw AWSError.validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
            }
        }
        if op == "IN", Set(list.map(\.typeName)).count > 1 {
            throw AWSError.validation("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type")
        }
        switch op {
        case "EQ": try arity(1); return .compare(p, .eq, .value(list[0]))
        case "NE": try arity(1); return .compare(p, .ne, .value(list[0]))
        case "LT": try arity(1); return .compare(p, .lt, .value(list[0]))
        case "LE": try arity(1); return .compare(p, .le, .value(list[0]))
        case "GT": try arity(1); return .compare(p, .gt, .value(list[0]))
        case "GE": try arity(1); return .compare(p, .ge, .value(list[0]))
        case "NOT_NULL": try arity(0); return .exists(path)
        case "NULL": try arity(0); return .notExists(path)
        case "CONTAINS": try arity(1); return .contains(p, .value(list[0]))
        case "NOT_CONTAINS": try arity(1); return .not(.contains(p, .value(list[0])))
        case "BEGINS_WITH": try arity(1); return .beginsWith(p, .value(list[0]))
        case "IN":
            if list.isEmpty { try arity(1) }
            return .isIn(p, list.map { .value($0) })
        case "BETWEEN": try arity(2); return .between(p, .value(list[0]), .value(list[1]))
        default:
            throw AWSError.validation("1 validation error detected: Value '\(op)' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]")
        }
    }

    /// AttributeUpdates: `{attr: {Action: PUT|ADD|DELETE, Value}}`.
    static func attributeUpdates(_ raw: [String: JSON]) throws(AWSError) -> UpdateActions {
        var actions = UpdateActions()
        for name in raw.keys.sorted() {
            guard case .object(let spec) = raw[name]! else { throw AWSError.serialization("AttributeUpdates entries must be objects") }
            let path: DocumentPath = [.name(name)]
            let action = spec["Action"]?.string ?? "PUT"
            let value = try spec["Value"].map { v throws(AWSError) in try AttributeValue(wire: v) }
            switch action {
            case "PUT":
                guard let value else {
                    throw AWSError.validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
                }
                actions.set.append((path, .value(value)))
            case "DELETE":
                if let value {
                    switch value {
                    case .ss, .ns, .bs: actions.delete.append((path, value))
                    default:
                        throw AWSError.validation("One or more parameter values were invalid: DELETE action with value is not supported for the type \(value.typeName)")
                    }
                } else {
                    actions.remove.append(path)
                }
            case "ADD":
                guard let value else {
                    throw AWSError.validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
                }
                switch value {
                case .n, .ss, .ns, .bs: actions.add.append((path, value))
                case .l: actions.set.append((path, .listAppend(.ifNotExists(path, .value(.l([]))), .value(value))))
                default:
                    throw AWSError.validation("One or more parameter values were invalid: ADD action is not supported for the type \(value.typeName)")
                }
            default:
                throw AWSError.validation("1 validation error detected: Value '\(action)' at 'attributeUpdates.\(name).member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]")
            }
        }
        return actions
    }

    /// Rejects a request that mixes legacy and expression parameters, as DynamoDB does.
    static func checkNotMixed(_ request: Request, legacy: [String], expressions: [String]) throws(AWSError) {
        let usedLegacy = legacy.filter { request[$0] != nil }
        let usedExpressions = expressions.filter { request[$0] != nil }
        if !usedLegacy.isEmpty, !usedExpressions.isEmpty {
            throw AWSError.validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {\(usedLegacy.joined(separator: ", "))} Expression parameters: {\(usedExpressions.joined(separator: ", "))}")
        }
        if usedExpressions.isEmpty {
            if request["ExpressionAttributeNames"] != nil {
                throw AWSError.validation("ExpressionAttributeNames can only be specified when using expressions")
            }
            if request["ExpressionAttributeValues"] != nil {
                throw AWSError.validation("ExpressionAttributeValues can only be specified when using expressions: \(expressions.first(where: { $0 != "ProjectionExpression" }) ?? expressions[0]) is null")
            }
        }
    }
}
