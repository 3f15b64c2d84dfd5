import PetrelCore

/// Evaluates conditions and operands against an item. Pure: no I/O, no state.
enum ConditionEvaluator {
    /// Reads the value at a document path, or nil when any step is missing or mistyped.
    static func resolve(_ path: DocumentPath, in item: Item) -> AttributeValue? {
        guard case .name(let first) = path.first, var current = item[first] else { return nil }
        for element in path.dropFirst() {
            switch (element, current) {
            case (.name(let key), .m(let map)):
                guard let next = map[key] else { return nil }
                current = next
            case (.index(let i), .l(let list)):
                guard i >= 0, i < list.count else { return nil }
                current = list[i]
            default:
                return nil
            }
        }
        return current
    }

    static func operand(_ operand: Operand, _ item: Item) -> AttributeValue? {
        switch operand {
        case .path(let p): return resolve(p, in: item)
        case .value(let v): return v
        case .size(let inner):
            guard let v = self.operand(inner, item) else { return nil }
            switch v {
            case .s(let s): return .n(Number(s.count))
            case .b(let b): return .n(Number(b.count))
            case .ss(let x): return .n(Number(x.count))
            case .ns(let x): return .n(Number(x.count))
            case .bs(let x): return .n(Number(x.count))
            case .l(let x): return .n(Number(x.count))
            case .m(let x): return .n(Number(x.count))
            default: return nil
            }
        case .ifNotExists, .listAppend, .plus, .minus:
            return nil
        }
    }

    /// Ordering of two scalars of the same orderable type (N, S, B); nil otherwise.
    static func order(_ a: AttributeValue, _ b: AttributeValue) -> Int? {
        switch (a, b) {
        case (.n(let x), .n(let y)): return Number.compare(x, y)
        case (.s(let x), .s(let y)): return compareBytes(Array(x.utf8), Array(y.utf8))
        case (.b(let x), .b(let y)): return compareBytes(x, y)
        default: return nil
        }
    }

    static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func evaluate(_ condition: Condition, _ item: Item) -> Bool {
        switch condition {
        case .always:
            return true
        case .and(let a, let b):
            return evaluate(a, item) && evaluate(b, item)
        case .or(let a, let b):
            return evaluate(a, item) || evaluate(b, item)
        case .not(let c):
            return !evaluate(c, item)
        case .exists(let p):
            return resolve(p, in: item) != nil
        case .notExists(let p):
            return resolve(p, in: item) == nil
        case .compare(let l, let op, let r):
            let a = operand(l, item), b = operand(r, item)
            switch op {
            case .eq: return a != nil && a == b
            case .ne: return a != b || a == nil
            default:
                guard let a, let b, let c = order(a, b) else { return false }
                switch op {
                case .lt: return c < 0
                case .le: return c <= 0
                case .gt: return c > 0
                default: return c >= 0
                }
            }
        case .between(let x, let lo, let hi):
            guard let v = operand(x, item), let l = operand(lo, item), let h = operand(hi, item),
                  let c1 = order(v, l), let c2 = order(v, h) else { return false }
            return c1 >= 0 && c2 <= 0
        case .isIn(let x, let list):
            guard let v = operand(x, item) else { return false }
            return list.contains { operand($0, item) == v }
        case .attributeType(let x, let t):
            guard let v = operand(x, item), case .s(let name)? = operand(t, item) else { return false }
            return v.typeName == name
        case .beginsWith(let x, let prefix):
            guard let v = operand(x, item), let p = operand(prefix, item) else { return false }
            switch (v, p) {
            case (.s(let s), .s(let q)): return s.utf8.starts(with: q.utf8)
            case (.b(let s), .b(let q)): return s.starts(with: q)
            default: return false
            }
        case .contains(let x, let needle):
            guard let v = operand(x, item), let n = operand(needle, item) else { return false }
            switch (v, n) {
            case (.s(let s), .s(let q)): return q.isEmpty || s.contains(q)
            case (.b(let s), .b(let q)): return q.isEmpty || containsBytes(s, q)
            case (.ss(let set), .s(let e)): return set.contains(e)
            case (.ns(let set), .n(let e)): return set.contains(e)
            case (.bs(let set), .b(let e)): return set.contains(e)
            case (.l(let list), _): return list.contains(n)
            default: return false
            }
        }
    }

    static func containsBytes(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
