import PetrelCore

/// Applies parsed update actions to an item. Every right-hand side is evaluated against the
/// item as it was before the update, as DynamoDB does.
enum UpdateEvaluator {
    static func apply(_ actions: UpdateActions, to original: Item) throws(AWSError) -> Item {
        var item = original
        var computed: [(DocumentPath, AttributeValue)] = []
        for (path, value) in actions.set {
            computed.append((path, try evaluate(value, original)))
        }
        for (path, value) in computed {
            try assign(value, at: path, in: &item)
        }
        // Removals from one list apply to the original indices: remove the highest first.
        let removals = actions.remove.sorted { a, b in
            if a.count == b.count, a.dropLast() == b.dropLast(), case .index(let x)? = a.last, case .index(let y)? = b.last {
                return x > y
            }
            return false
        }
        for path in removals { remove(path, from: &item) }
        for (path, value) in actions.add {
            let existing = ConditionEvaluator.resolve(path, in: item)
            let result: AttributeValue
            switch (existing, value) {
            case (nil, _): result = value
            case (.n(let a)?, .n(let b)): result = .n(try a.adding(b))
            case (.ss(let a)?, .ss(let b)): result = .ss(a + b.filter { !a.contains($0) })
            case (.ns(let a)?, .ns(let b)): result = .ns(a + b.filter { !a.contains($0) })
            case (.bs(let a)?, .bs(let b)): result = .bs(a + b.filter { !a.contains($0) })
            default:
                throw AWSError.validation("An operand in the update expression has an incorrect data type")
            }
            try assign(result, at: path, in: &item)
        }
        for (path, value) in actions.delete {
            guard let existing = ConditionEvaluator.resolve(path, in: item) else { continue }
            let result: AttributeValue?
            switch (existing, value) {
            case (.ss(let a), .ss(let b)): let r = a.filter { !b.contains($0) }; result = r.isEmpty ? nil : .ss(r)
            case (.ns(let a), .ns(let b)): let r = a.filter { !b.contains($0) }; result = r.isEmpty ? nil : .ns(r)
            case (.bs(let a), .bs(let b)): let r = a.filter { !b.contains($0) }; result = r.isEmpty ? nil : .bs(r)
            default:
                throw AWSError.validation("An operand in the update expression has an incorrect data type")
            }
            if let result { try assign(result, at: path, in: &item) } else { remove(path, from: &item) }
        }
        return item
    }

    static func evaluate(_ operand: Operand, _ item: Item) throws(AWSError) -> AttributeValue {
        switch operand {
        case .value(let v):
            return v
        case .path(let p):
            guard let v = ConditionEvaluator.resolve(p, in: item) else {
                throw AWSError.validation("The provided expression refers to an attribute that does not exist in the item")
            }
            return v
        case .ifNotExists(let p, let fallback):
            if let v = ConditionEvaluator.resolve(p, in: item) { return v }
            return try evaluate(fallback, item)
        case .listAppend(let a, let b):
            let x = try evaluate(a, item), y = try evaluate(b, item)
            guard case .l(let l1) = x, case .l(let l2) = y else {
                throw AWSError.validation("An operand in the update expression has an incorrect data type")
            }
            return .l(l1 + l2)
        case .plus(let a, let b), .minus(let a, let b):
            let x = try evaluate(a, item), y = try evaluate(b, item)
            guard case .n(let n1) = x, case .n(let n2) = y else {
                throw AWSError.validation("An operand in the update expression has an incorrect data type")
            }
            if case .plus = operand { return .n(try n1.adding(n2)) }
            return .n(try n1.subtracting(n2))
        case .size:
            throw AWSError.validation("Invalid UpdateExpression: The function is not allowed in an update expression; function: size")
        }
    }

    static func assign(_ value: AttributeValue, at path: DocumentPath, in item: inout Item) throws(AWSError) {
        guard case .name(let first) = path.first else { return }
        if path.count == 1 { item[first] = value; return }
        guard let root = item[first] else { throw invalidPath }
        item[first] = try assign(value, at: path.dropFirst(), in: root)
    }

    static let invalidPath = AWSError.validation("The document path provided in the update expression is invalid for update")

    private static func assign(_ value: AttributeValue, at path: ArraySlice<PathElement>, in container: AttributeValue) throws(AWSError) -> AttributeValue {
        let head = path.first!
        let rest = path.dropFirst()
        switch (head, container) {
        case (.name(let key), .m(var map)):
            if rest.isEmpty { map[key] = value } else {
                guard let child = map[key] else { throw invalidPath }
                map[key] = try assign(value, at: rest, in: child)
            }
            return .m(map)
        case (.index(let i), .l(var list)):
            if rest.isEmpty {
                if i < list.count { list[i] = value } else { list.append(value) }
            } else {
                guard i < list.count else { throw invalidPath }
                list[i] = try assign(value, at: rest, in: list[i])
            }
            return .l(list)
        default:
            throw invalidPath
        }
    }

    static func remove(_ path: DocumentPath, from item: inout Item) {
        guard case .name(let first) = path.first else { return }
        if path.count == 1 { item[first] = nil; return }
        guard let root = item[first] else { return }
        item[first] = remove(path.dropFirst(), from: root)
    }

    private static func remove(_ path: ArraySlice<PathElement>, from container: AttributeValue) -> AttributeValue {
        let head = path.first!
        let rest = path.dropFirst()
        switch (head, container) {
        case (.name(let key), .m(var map)):
            if rest.isEmpty { map[key] = nil } else if let child = map[key] { map[key] = remove(rest, from: child) }
            return .m(map)
        case (.index(let i), .l(var list)):
            guard i < list.count else { return container }
            if rest.isEmpty { list.remove(at: i) } else { list[i] = remove(rest, from: list[i]) }
            return .l(list)
        default:
            return container
        }
    }
}
