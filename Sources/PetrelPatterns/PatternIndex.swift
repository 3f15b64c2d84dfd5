import PetrelCore

/// All the patterns of a bus compiled into one structure, the way AWS's event-ruler does it in
/// spirit, so that matching an event costs what its fields cost rather than what the number of
/// patterns does.
///
/// - Each pattern becomes a disjunction (its `$or`s expanded) of conjunctions of leaf
///   predicates `(path, [matcher])`; identical predicates of different patterns are one.
/// - Each distinct matcher at a path is an atom. Per path, exact strings and numbers are
///   dictionary lookups, prefixes and suffixes dictionary lookups per length, `numeric` ranges a
///   sorted array of lower bounds; `anything-but`, `wildcard`, `cidr` and `exists` are evaluated
///   one by one, once per distinct atom whatever the number of patterns naming it.
/// - The conjunctions form a trie over predicate ids (most shared predicates first), walked
///   along the predicates the event satisfies.
///
/// `EventPattern.matches` stays the definition: where the flattened view could differ from it (an
/// array of objects at a position a pattern descends into, where all of a nested pattern's fields
/// must hold for one element) the pattern is evaluated by the matcher, as are patterns whose `$or`s
/// expand to too many conjunctions.
public struct PatternIndex: Sendable {
    public let count: Int
    let patterns: [EventPattern]
    let numericStrings: Bool
    let existsMatchesObjects: Bool
    let fields: [FieldIndex]
    /// Atom id → the predicates it satisfies.
    let atomPredicates: [[Int32]]
    let predicateCount: Int
    let trie: Trie
    /// Object positions patterns descend into, with the patterns that do.
    let positions: [(path: [String], patterns: [Int32])]
    /// Evaluated by the matcher for every event.
    let unindexed: [Int32]

    /// Indexes `patterns`; a result's numbers are positions in this array.
    public init(_ patterns: [EventPattern]) {
        var builder = IndexBuilder(numericStrings: patterns.first?.numericStrings ?? false,
                                   existsMatchesObjects: patterns.first?.existsMatchesObjects ?? false)
        for (i, pattern) in patterns.enumerated() { builder.add(pattern, number: Int32(i)) }
        self.count = patterns.count
        self.patterns = patterns
        self.numericStrings = builder.numericStrings
        self.existsMatchesObjects = builder.existsMatchesObjects
        self.fields = builder.fields
        self.atomPredicates = builder.atomPredicates
        self.predicateCount = builder.predicateCount
        self.trie = builder.trie()
        self.positions = builder.positions.map { (path: $0.key, patterns: $0.value.sorted()) }.sorted { $0.path.count < $1.path.count }
        self.unindexed = builder.unindexed
    }

    /// The numbers of the patterns `event` matches, ascending.
    public func matches(_ event: JSONValue) -> [Int] {
        guard count > 0 else { return [] }
        guard case .object = event else {
            return (0..<count).filter { patterns[$0].matches(event) }
        }
        let matcher = PatternMatcher(numericStrings: numericStrings, existsMatchesObjects: existsMatchesObjects)
        var found = Bits(count: count)
        // Patterns that descend into an array of objects: the matcher decides for them.
        var deferred = Bits(count: count)
        var anyDeferred = false
        for position in positions {
            if case .array? = Self.value(at: position.path, in: event) {
                for p in position.patterns { deferred.insert(Int(p)) }
                anyDeferred = true
            }
        }
        // The predicates the event satisfies.
        var satisfied = Bits(count: predicateCount)
        var satisfiedList: [Int32] = []
        for field in fields {
            field.atoms(for: Self.value(at: field.path, in: event), matcher: matcher) { atom in
                for predicate in atomPredicates[Int(atom)] where !satisfied.contains(Int(predicate)) {
                    satisfied.insert(Int(predicate))
                    satisfiedList.append(predicate)
                }
            }
        }
        // Walk the trie along them.
        var stack: [Int32] = [0]
        while let n = stack.popLast() {
            let node = Int(n)
            for i in Int(trie.patternStart[node])..<Int(trie.patternStart[node + 1]) { found.insert(Int(trie.patternList[i])) }
            let edges = Int(trie.edgeStart[node])..<Int(trie.edgeStart[node + 1])
            let table = Int(trie.denseStart[node])
            if table >= 0, satisfiedList.count < edges.count {
                for predicate in satisfiedList {
                    let child = trie.dense[table + Int(predicate)]
                    if child >= 0 { stack.append(child) }
                }
            } else {
                for i in edges where satisfied.contains(Int(trie.edgePredicate[i])) { stack.append(trie.edgeChild[i]) }
            }
        }
        if anyDeferred { found.subtract(deferred) }
        for p in unindexed where patterns[Int(p)].matches(event) { found.insert(Int(p)) }
        if anyDeferred {
            deferred.forEach { p in if patterns[p].matches(event) { found.insert(p) } }
        }
        var out: [Int] = []
        found.forEach { out.append($0) }
        return out
    }

    /// The value at `path`, through objects only; nil when a step is missing or not an object,
    /// and whatever is there when it is an array (the patterns using it are then deferred).
    static func value(at path: [String], in event: JSONValue) -> JSONValue? {
        var current = event
        for key in path {
            guard case .object(let members) = current, let next = members[key] else { return nil }
            current = next
        }
        return current
    }
}

/// A fixed-size bit set.
struct Bits {
    var words: [UInt64]
    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    mutating func subtract(_ other: Bits) { for i in words.indices { words[i] &= ~other.words[i] } }
    func forEach(_ body: (Int) -> Void) {
        for (w, word) in words.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                let bit = rest.trailingZeroBitCount
                body(w << 6 | bit)
                rest &= rest - 1
            }
        }
    }
}
