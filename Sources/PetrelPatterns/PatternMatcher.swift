import PetrelCore

/// Matching a compiled pattern against an event.
struct PatternMatcher {
    let numericStrings: Bool
    let existsMatchesObjects: Bool

    /// `value` is the event's object at this level (nil or a non-object when the path is absent:
    /// then only `exists: false` leaves can match).
    func object(_ pattern: ObjectPattern, _ value: JSONValue?) -> Bool {
        if case .array(let elements)? = value {
            return elements.contains { object(pattern, $0) }
        }
        var members: [String: JSONValue]?
        if case .object(let m)? = value { members = m }
        for field in pattern.fields {
            let child = members?[field.key]
            switch field.child {
            case .object(let inner):
                guard object(inner, child) else { return false }
            case .leaf(let matchers):
                guard leaf(matchers, child) else { return false }
            }
        }
        for alternatives in pattern.alternatives {
            guard alternatives.contains(where: { object($0, value) }) else { return false }
        }
        return true
    }

    func leaf(_ matchers: [Matcher], _ value: JSONValue?) -> Bool {
        switch value {
        case .array(let elements)?:
            if elements.isEmpty { return matchers.contains { if case .exists(false) = $0 { true } else { false } } }
            return elements.contains { element in
                if case .array = element { return leaf(matchers, element) }
                return matchers.contains { one($0, element) }
            }
        default:
            return matchers.contains { one($0, value) }
        }
    }

    func one(_ matcher: Matcher, _ value: JSONValue?) -> Bool {
        if case .exists(let wanted) = matcher {
            switch value {
            case nil: return !wanted
            case .object?: return existsMatchesObjects == wanted
            default: return wanted
            }
        }
        guard let value else { return false }
        switch matcher {
        case .equalsString(let s):
            if case .string(let v) = value { return v == s }
            return false
        case .equalsNumber(let n):
            return number(value) == n
        case .equalsBool(let b):
            if case .bool(let v) = value { return v == b }
            return false
        case .isNull:
            return value == .null
        case .prefix(let p, let ignoringCase):
            guard case .string(let v) = value else { return false }
            return (ignoringCase ? v.lowercased() : v).hasPrefix(p)
        case .suffix(let p, let ignoringCase):
            guard case .string(let v) = value else { return false }
            return (ignoringCase ? v.lowercased() : v).hasSuffix(p)
        case .equalsIgnoreCase(let s):
            guard case .string(let v) = value else { return false }
            return Self.equalsIgnoringCase(v, s)
        case .wildcard(let w):
            guard case .string(let v) = value else { return false }
            return w.matches(v)
        case .anythingBut(let strings, let numbers):
            switch value {
            case .string(let v):
                if !numbers.isEmpty, numericStrings, let n = Double(v) { return !numbers.contains(n) }
                return !strings.contains(v)
            case .number(let n): return !numbers.contains(n)
            default: return false
            }
        case .anythingButPrefix(let p):
            guard case .string(let v) = value else { return false }
            return !v.hasPrefix(p)
        case .anythingButSuffix(let p):
            guard case .string(let v) = value else { return false }
            return !v.hasSuffix(p)
        case .anythingButIgnoringCase(let set):
            guard case .string(let v) = value else { return false }
            return !set.contains(v.lowercased())
        case .anythingButWildcard(let list):
            guard case .string(let v) = value else { return false }
            return !list.contains { $0.matches(v) }
        case .numeric(let lower, let upper):
            guard let n = number(value) else { return false }
            if let lower, lower.inclusive ? n < lower.0 : n <= lower.0 { return false }
            if let upper, upper.inclusive ? n > upper.0 : n >= upper.0 { return false }
            return true
        case .cidr(let network):
            guard case .string(let v) = value else { return false }
            return network.contains(v)
        case .exists:
            return false
        }
    }

    /// `lowered` is already lower case; ASCII text is compared without allocating.
    static func equalsIgnoringCase(_ text: String, _ lowered: String) -> Bool {
        var a = text.utf8.makeIterator(), b = lowered.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x >= 0x80 || y >= 0x80 { return text.lowercased() == lowered }
                let folded = x >= 0x41 && x <= 0x5A ? x + 32 : x
                if folded != y { return false }
            default:
                return text.lowercased() == lowered
            }
        }
    }

    func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): return n
        case .string(let s) where numericStrings: return Double(s)
        default: return nil
        }
    }
}
