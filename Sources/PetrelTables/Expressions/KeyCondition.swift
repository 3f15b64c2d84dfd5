import PetrelCore

/// A Query's key condition reduced to what storage needs: the partition key value and an
/// optional sort-key range.
struct KeyCondition: Sendable, Equatable {
    enum Range: Sendable, Equatable {
        case compare(Comparator, AttributeValue)
        case between(AttributeValue, AttributeValue)
        case beginsWith(AttributeValue)
    }

    var hash: AttributeValue
    var range: Range?
    /// Multi-attribute index keys: the other partition key values, in schema order, and the
    /// values the leading sort key attributes must equal (`range` applies to the one after).
    var moreHash: [AttributeValue] = []
    var rangePrefix: [AttributeValue] = []

    /// Checks a parsed KeyConditionExpression against the key schema, with DynamoDB's messages.
    static func from(_ condition: Condition, schema: KeySchema, kind: String = "KeyConditionExpression") throws(AWSError) -> KeyCondition {
        var parts: [Condition] = []
        func flatten(_ c: Condition) throws(AWSError) {
            switch c {
            case .and(let a, let b): try flatten(a); try flatten(b)
            case .or, .not:
                throw AWSError.validation("Invalid \(kind): Invalid operator used in KeyConditionExpression: \(c.operatorName)")
            default: parts.append(c)
            }
        }
        try flatten(condition)
        if schema.compositeHash || schema.compositeRange {
            return try multiAttribute(parts, schema: schema, kind: kind)
        }
        if parts.count > 2 {
            throw AWSError.validation("Conditions can be of length 1 or 2 only")
        }
        var hash: AttributeValue?
        var range: Range?
        for part in parts {
            let (name, r) = try analyse(part, kind: kind)
            if name == schema.hash.name {
                guard case .compare(.eq, let v) = r else {
                    throw AWSError.validation("Query key condition not supported")
                }
                guard hash == nil else { throw AWSError.validation("Query key condition not supported") }
                guard v.typeName == schema.hash.type else {
                    throw AWSError.validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
                }
                hash = v
            } else if let rangeKey = schema.range, name == rangeKey.name {
                guard range == nil else { throw AWSError.validation("Query key condition not supported") }
                try checkOperands(r, keyType: rangeKey.type, kind: kind)
                range = r
            } else {
                throw AWSError.validation("Query condition missed key schema element: \(schema.hash.name)")
            }
        }
        guard let hash else {
            throw AWSError.validation("Query condition missed key schema element: \(schema.hash.name)")
        }
        return KeyCondition(hash: hash, range: range)
    }

    /// A sort-key condition's operator and operand types, checked against the key attribute's type.
    private static func checkOperands(_ r: Range, keyType: String, kind: String) throws(AWSError) {
        let values: [AttributeValue]
        switch r {
        case .compare(let op, let v):
            if op == .ne { throw AWSError.validation("Unsupported operator on KeyCondition: <>") }
            values = [v]
        case .between(let a, let b): values = [a, b]
        case .beginsWith(let v):
            if keyType == "N" {
                throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
            }
            values = [v]
        }
        for v in values where v.typeName != keyType {
            throw AWSError.validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
        }
    }

    /// A query on a multi-attribute index key: every partition key attribute with `=`, then sort
    /// key attributes left to right without a gap, all with `=` but the last given.
    private static func multiAttribute(_ parts: [Condition], schema: KeySchema, kind: String) throws(AWSError) -> KeyCondition {
        var byName: [String: Range] = [:]
        for part in parts {
            let (name, r) = try analyse(part, kind: kind)
            guard let attribute = schema.attributes.first(where: { $0.name == name }) else {
                throw AWSError.validation("Query condition missed key schema element: \(schema.hash.name)")
            }
            if byName[name] != nil { throw AWSError.validation("Query key condition not supported") }
            try checkOperands(r, keyType: attribute.type, kind: kind)
            byName[name] = r
        }
        var hashes: [AttributeValue] = []
        for attribute in schema.hashAttributes {
            guard let r = byName[attribute.name] else {
                throw AWSError.validation("Query condition missed key schema element: \(attribute.name)")
            }
            guard case .compare(.eq, let v) = r else { throw AWSError.validation("Query key condition not supported") }
            hashes.append(v)
        }
        var prefix: [AttributeValue] = []
        var last: Range?
        let ranges = schema.rangeAttributes
        for (i, attribute) in ranges.enumerated() {
            guard let r = byName[attribute.name] else {
                if let later = ranges[(i + 1)...].first(where: { byName[$0.name] != nil }) {
                    throw AWSError.validation("Query condition missed key schema element: \(attribute.name); sort key attributes must be given left to right, and \(later.name) follows it")
                }
                break
            }
            if last != nil {
                throw AWSError.validation("Invalid \(kind): Only the last sort key attribute in the condition may use a range operator; \(ranges[i - 1].name) is followed by \(attribute.name)")
            }
            if case .compare(.eq, let v) = r, i < ranges.count - 1, ranges[(i + 1)...].contains(where: { byName[$0.name] != nil }) {
                prefix.append(v)
            } else {
                last = r
            }
        }
        return KeyCondition(hash: hashes[0], range: last, moreHash: Array(hashes.dropFirst()), rangePrefix: prefix)
    }

    private static func analyse(_ c: Condition, kind: String) throws(AWSError) -> (String, Range) {
        switch c {
        case .compare(.path(let p), let op, .value(let v)):
            return (try keyName(p), .compare(op, v))
        case .compare(.value(let v), let op, .path(let p)):
            let flipped: Comparator = switch op {
            case .lt: .gt
            case .le: .ge
            case .gt: .lt
            case .ge: .le
            default: op
            }
            return (try keyName(p), .compare(flipped, v))
        case .between(.path(let p), .value(let a), .value(let b)):
            return (try keyName(p), .between(a, b))
        case .beginsWith(.path(let p), .value(let v)):
            return (try keyName(p), .beginsWith(v))
        default:
            throw AWSError.validation("Invalid \(kind): Invalid operator used in KeyConditionExpression: \(c.operatorName)")
        }
    }

    private static func keyName(_ path: DocumentPath) throws(AWSError) -> String {
        guard path.count == 1, case .name(let n) = path[0] else {
            throw AWSError.validation("Key condition may not contain nested attributes")
        }
        return n
    }
}

extension Condition {
    var operatorName: String {
        switch self {
        case .compare(_, let op, _): op.rawValue
        case .between: "BETWEEN"
        case .isIn: "IN"
        case .and: "AND"
        case .or: "OR"
        case .not: "NOT"
        case .exists: "attribute_exists"
        case .notExists: "attribute_not_exists"
        case .attributeType: "attribute_type"
        case .beginsWith: "begins_with"
        case .contains: "contains"
        case .always: "TRUE"
        }
    }
}
