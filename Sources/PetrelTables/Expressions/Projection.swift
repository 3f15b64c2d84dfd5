/// Applies a ProjectionExpression: keeps only the listed paths, preserving nesting; list
/// elements keep their relative order.
enum Projection {
    static func apply(_ paths: [DocumentPath], to item: Item) -> Item {
        var result: Item = [:]
        var groups: [String: [ArraySlice<PathElement>]] = [:]
        for path in paths {
            guard case .name(let first) = path.first else { continue }
            groups[first, default: []].append(path.dropFirst())
        }
        for (name, rests) in groups {
            guard let value = item[name] else { continue }
            if let projected = project(value, rests) { result[name] = projected }
        }
        return result
    }

    private static func project(_ value: AttributeValue, _ rests: [ArraySlice<PathElement>]) -> AttributeValue? {
        if rests.contains(where: \.isEmpty) { return value }
        switch value {
        case .m(let map):
            var groups: [String: [ArraySlice<PathElement>]] = [:]
            for r in rests { if case .name(let k) = r.first! { groups[k, default: []].append(r.dropFirst()) } }
            var out: [String: AttributeValue] = [:]
            for (k, sub) in groups { if let v = map[k], let p = project(v, sub) { out[k] = p } }
            return out.isEmpty ? nil : .m(out)
        case .l(let list):
            var groups: [Int: [ArraySlice<PathElement>]] = [:]
            for r in rests { if case .index(let i) = r.first! { groups[i, default: []].append(r.dropFirst()) } }
            var out: [AttributeValue] = []
            for i in groups.keys.sorted() where i < list.count {
                if let p = project(list[i], groups[i]!) { out.append(p) }
            }
            return out.isEmpty ? nil : .l(out)
        default:
            return nil
        }
    }
}
