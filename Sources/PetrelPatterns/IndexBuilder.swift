/// Builds a `PatternIndex`: expands each pattern into conjunctions of leaf predicates, numbers
/// the distinct predicates and atoms, and arranges the conjunctions in a trie.
struct IndexBuilder {
    let numericStrings: Bool
    let existsMatchesObjects: Bool
    var fields: [FieldIndex] = []
    var fieldByPath: [[String]: Int] = [:]
    var atomByKey: [String: Int32] = [:]
    var atomPredicates: [[Int32]] = []
    var predicateByKey: [String: Int32] = [:]
    var predicateCount = 0
    var conjunctions: [(predicates: [Int32], pattern: Int32)] = []
    var positions: [[String]: [Int32]] = [:]
    var unindexed: [Int32] = []

    /// A pattern whose `$or`s expand to more conjunctions is left to the matcher.
    static let maxConjunctions = 64

    init(numericStrings: Bool, existsMatchesObjects: Bool) {
        self.numericStrings = numericStrings
        self.existsMatchesObjects = existsMatchesObjects
    }

    struct Conjunction {
        var leaves: [(path: [String], matchers: [Matcher])] = []
        var positions: Set<[String]> = []
    }

    mutating func add(_ pattern: EventPattern, number: Int32) {
        guard pattern.numericStrings == numericStrings, pattern.existsMatchesObjects == existsMatchesObjects,
              let expanded = Self.expand(pattern.root, prefix: []) else {
            unindexed.append(number)
            return
        }
        var used = Set<[String]>()
        for conjunction in expanded {
            used.formUnion(conjunction.positions)
            var ids = Set<Int32>()
            for leaf in conjunction.leaves { ids.insert(predicate(leaf.path, leaf.matchers)) }
            conjunctions.append((Array(ids), number))
        }
        for position in used { positions[position, default: []].append(number) }
    }

    /// The pattern as a disjunction of conjunctions; nil when that is too many.
    static func expand(_ pattern: ObjectPattern, prefix: [String]) -> [Conjunction]? {
        var result = [Conjunction()]
        for field in pattern.fields {
            let path = prefix + [field.key]
            switch field.child {
            case .leaf(let matchers):
                for i in result.indices { result[i].leaves.append((path, matchers)) }
            case .object(let inner):
                guard var nested = expand(inner, prefix: path) else { return nil }
                for i in nested.indices { nested[i].positions.insert(path) }
                guard let product = cross(result, nested) else { return nil }
                result = product
            }
        }
        for alternatives in pattern.alternatives {
            var union: [Conjunction] = []
            for alternative in alternatives {
                guard let expanded = expand(alternative, prefix: prefix) else { return nil }
                union += expanded
            }
            guard union.count <= maxConjunctions, let product = cross(result, union) else { return nil }
            result = product
        }
        return result
    }

    static func cross(_ a: [Conjunction], _ b: [Conjunction]) -> [Conjunction]? {
        guard a.count * b.count <= maxConjunctions else { return nil }
        var out: [Conjunction] = []
        for x in a {
            for y in b {
                out.append(Conjunction(leaves: x.leaves + y.leaves, positions: x.positions.union(y.positions)))
            }
        }
        return out
    }

    mutating func predicate(_ path: [String], _ matchers: [Matcher]) -> Int32 {
        let pathKey = path.joined(separator: "\u{1}")
        let key = pathKey + "\u{0}" + matchers.map { String(describing: $0) }.joined(separator: "\u{2}")
        if let id = predicateByKey[key] { return id }
        let id = Int32(predicateCount)
        predicateCount += 1
        predicateByKey[key] = id
        for matcher in matchers {
            let atom = self.atom(path, pathKey, matcher)
            if !atomPredicates[Int(atom)].contains(id) { atomPredicates[Int(atom)].append(id) }
        }
        return id
    }

    mutating func atom(_ path: [String], _ pathKey: String, _ matcher: Matcher) -> Int32 {
        let key = pathKey + "\u{0}" + String(describing: matcher)
        if let id = atomByKey[key] { return id }
        let id = Int32(atomPredicates.count)
        atomByKey[key] = id
        atomPredicates.append([])
        let field: Int
        if let existing = fieldByPath[path] {
            field = existing
        } else {
            field = fields.count
            fields.append(FieldIndex(path: path))
            fieldByPath[path] = field
        }
        fields[field].add(matcher, atom: id)
        return id
    }

    /// Conjunctions in a trie over predicate ids, the rarest predicates nearest the root (so the
    /// root fans out by the selective ones, looked up from the event's satisfied predicates).
    func trie() -> Trie {
        var frequency = [Int](repeating: 0, count: predicateCount)
        for conjunction in conjunctions { for p in conjunction.predicates { frequency[Int(p)] += 1 } }
        var children: [[Int32: Int32]] = [[:]]
        var patterns: [[Int32]] = [[]]
        for conjunction in conjunctions {
            let ordered = conjunction.predicates.sorted { frequency[Int($0)] != frequency[Int($1)] ? frequency[Int($0)] < frequency[Int($1)] : $0 < $1 }
            var node = 0
            for p in ordered {
                if let next = children[node][p] {
                    node = Int(next)
                } else {
                    let next = children.count
                    children.append([:])
                    patterns.append([])
                    children[node][p] = Int32(next)
                    node = next
                }
            }
            if !patterns[node].contains(conjunction.pattern) { patterns[node].append(conjunction.pattern) }
        }
        var trie = Trie()
        for i in children.indices {
            let edges = children[i].sorted { $0.key < $1.key }
            trie.edgeStart.append(Int32(trie.edgePredicate.count))
            for edge in edges {
                trie.edgePredicate.append(edge.key)
                trie.edgeChild.append(edge.value)
            }
            trie.patternStart.append(Int32(trie.patternList.count))
            trie.patternList += patterns[i]
            // A node with many edges gets a table by predicate id, if that costs at most
            // 16 entries per edge.
            if edges.count > 8, predicateCount <= 16 * edges.count {
                trie.denseStart.append(Int32(trie.dense.count))
                var table = [Int32](repeating: -1, count: predicateCount)
                for edge in edges { table[Int(edge.key)] = edge.value }
                trie.dense += table
            } else {
                trie.denseStart.append(-1)
            }
        }
        trie.edgeStart.append(Int32(trie.edgePredicate.count))
        trie.patternStart.append(Int32(trie.patternList.count))
        return trie
    }
}

/// The trie in flat arrays (node i's edges are `edgeStart[i]..<edgeStart[i+1]`).
struct Trie: Sendable {
    var edgeStart: [Int32] = []
    var edgePredicate: [Int32] = []
    var edgeChild: [Int32] = []
    var patternStart: [Int32] = []
    var patternList: [Int32] = []
    /// Per node, the offset of its table in `dense` (one entry per predicate id, -1 for none), or -1.
    var denseStart: [Int32] = []
    var dense: [Int32] = []
}
