import PetrelCore

/// The atoms (distinct matchers) of one field path, arranged for lookup by the event's value.
struct FieldIndex: Sendable {
    let path: [String]
    var strings: [String: [Int32]] = [:]
    var numbers: [Double: [Int32]] = [:]
    var bools: [Bool: [Int32]] = [:]
    var nulls: [Int32] = []
    var ignoringCase: [String: [Int32]] = [:]
    var prefixes = AffixTable(), prefixesIgnoringCase = AffixTable()
    var suffixes = AffixTable(), suffixesIgnoringCase = AffixTable()
    /// `numeric` ranges, sorted by lower bound (-∞ when there is none).
    var ranges: [NumericRange] = []
    /// Evaluated one by one with the matcher: anything-but, wildcard, cidr, exists.
    var others: [(matcher: Matcher, atom: Int32)] = []

    init(path: [String]) { self.path = path }

    mutating func add(_ matcher: Matcher, atom: Int32) {
        switch matcher {
        case .equalsString(let s): strings[s, default: []].append(atom)
        case .equalsNumber(let n): numbers[n, default: []].append(atom)
        case .equalsBool(let b): bools[b, default: []].append(atom)
        case .isNull: nulls.append(atom)
        case .equalsIgnoreCase(let s): ignoringCase[s, default: []].append(atom)
        case .prefix(let p, false): prefixes.add(p, atom)
        case .prefix(let p, true): prefixesIgnoringCase.add(p, atom)
        case .suffix(let p, false): suffixes.add(p, atom)
        case .suffix(let p, true): suffixesIgnoringCase.add(p, atom)
        case .numeric(let lower, let upper):
            let range = NumericRange(lower: lower?.0 ?? -.infinity, lowerInclusive: lower?.inclusive ?? true,
                                     upper: upper?.0 ?? .infinity, upperInclusive: upper?.inclusive ?? true, atom: atom)
            let at = ranges.firstIndex { $0.lower > range.lower } ?? ranges.endIndex
            ranges.insert(range, at: at)
        default: others.append((matcher, atom))
        }
    }

    /// Reports the atoms `value` (the event's value at `path`, nil when absent) satisfies; an
    /// array satisfies what any element does, as `PatternMatcher.leaf` has it.
    func atoms(for value: JSONValue?, matcher: PatternMatcher, _ emit: (Int32) -> Void) {
        if case .array(let elements)? = value {
            if elements.isEmpty {
                for other in others { if case .exists(false) = other.matcher { emit(other.atom) } }
            }
            for element in elements { atoms(for: element, matcher: matcher, emit) }
            return
        }
        for other in others where matcher.one(other.matcher, value) { emit(other.atom) }
        guard let value else { return }
        switch value {
        case .string(let s):
            strings[s]?.forEach(emit)
            prefixes.prefixes(of: s, emit)
            suffixes.suffixes(of: s, emit)
            if !ignoringCase.isEmpty || !prefixesIgnoringCase.isEmpty || !suffixesIgnoringCase.isEmpty {
                let lowered = s.lowercased()
                ignoringCase[lowered]?.forEach(emit)
                prefixesIgnoringCase.prefixes(of: lowered, emit)
                suffixesIgnoringCase.suffixes(of: lowered, emit)
            }
            if matcher.numericStrings, !numbers.isEmpty || !ranges.isEmpty, let n = Double(s) { number(n, emit) }
        case .number(let n): number(n, emit)
        case .bool(let b): bools[b]?.forEach(emit)
        case .null: nulls.forEach(emit)
        case .object, .array: break
        }
    }

    func number(_ n: Double, _ emit: (Int32) -> Void) {
        numbers[n]?.forEach(emit)
        guard !ranges.isEmpty else { return }
        // Ranges whose lower bound is above n cannot hold; NaN (a numeric string "nan") is
        // rejected by no comparison, as in the matcher.
        var end = ranges.count
        if !n.isNaN {
            var low = 0
            while low < end {
                let mid = (low + end) / 2
                if ranges[mid].lower > n { end = mid } else { low = mid + 1 }
            }
        }
        for range in ranges[..<end] where range.holds(n) { emit(range.atom) }
    }
}

struct NumericRange: Sendable {
    var lower: Double, lowerInclusive: Bool
    var upper: Double, upperInclusive: Bool
    var atom: Int32

    /// The matcher's test, in its words.
    func holds(_ n: Double) -> Bool {
        if lowerInclusive ? n < lower : n <= lower { return false }
        if upperInclusive ? n > upper : n >= upper { return false }
        return true
    }
}

/// Prefixes (or suffixes) grouped by their length in characters: a value is looked up once per
/// distinct length, with its own prefix of that length.
struct AffixTable: Sendable {
    var byLength: [(length: Int, texts: [String: [Int32]])] = []
    var isEmpty: Bool { byLength.isEmpty }

    mutating func add(_ text: String, _ atom: Int32) {
        let length = text.count
        if let i = byLength.firstIndex(where: { $0.length == length }) {
            byLength[i].texts[text, default: []].append(atom)
        } else {
            byLength.append((length, [text: [atom]]))
            byLength.sort { $0.length < $1.length }
        }
    }

    func prefixes(of s: String, _ emit: (Int32) -> Void) {
        guard !byLength.isEmpty else { return }
        let count = s.count
        for entry in byLength {
            guard entry.length <= count else { return }
            entry.texts[String(s.prefix(entry.length))]?.forEach(emit)
        }
    }

    func suffixes(of s: String, _ emit: (Int32) -> Void) {
        guard !byLength.isEmpty else { return }
        let count = s.count
        for entry in byLength {
            guard entry.length <= count else { return }
            entry.texts[String(s.suffix(entry.length))]?.forEach(emit)
        }
    }
}
