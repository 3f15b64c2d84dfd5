import Foundation
import PetrelCore

/// What a target receives for a matched event: the event itself, the target's constant
/// `Input`, the part `InputPath` selects, or `InputTransformer`'s template filled from the
/// event. Pure.
public enum TargetInput {
    public static func render(_ target: TargetSpec, event: JSONValue, ruleArn: String, ruleName: String) -> String {
        if let input = target.Input { return input }
        if let path = target.InputPath {
            return select(path, in: event).map(encode) ?? "null"
        }
        if let transformer = target.InputTransformer {
            var values: [String: JSONValue] = [:]
            for (name, path) in transformer.InputPathsMap ?? [:] {
                values[name] = select(path, in: event) ?? .null
            }
            values["aws.events.rule-arn"] = .string(ruleArn)
            values["aws.events.rule-name"] = .string(ruleName)
            values["aws.events.event"] = event
            values["aws.events.event.json"] = event
            values["aws.events.event.ingestion-time"] = event["time"] ?? .null
            return fill(transformer.InputTemplate, values)
        }
        return encode(event)
    }

    /// A JSONPath of dotted names and `[n]` indexes (`$.detail.items[0].name`); nil when absent.
    public static func select(_ path: String, in value: JSONValue) -> JSONValue? {
        guard let steps = steps(path) else { return nil }
        var current = value
        for step in steps {
            switch step {
            case .key(let k):
                guard let next = current[k] else { return nil }
                current = next
            case .index(let i):
                guard case .array(let a) = current, a.indices.contains(i) else { return nil }
                current = a[i]
            }
        }
        return current
    }

    enum Step { case key(String), index(Int) }

    /// Nil when the path is not a JSONPath Petrel can follow.
    static func steps(_ path: String) -> [Step]? {
        guard path.hasPrefix("$") else { return nil }
        var steps: [Step] = []
        var rest = Substring(path.dropFirst())
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                steps.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if let i = Int(inner) {
                    steps.append(.index(i))
                } else if inner.count >= 2, inner.first == "'" || inner.first == "\"", inner.last == inner.first {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        return steps
    }

    /// Whether `path` is a JSONPath `select` can follow (PutTargets refuses others).
    public static func isValidPath(_ path: String) -> Bool { steps(path) != nil }

    /// Replaces each `<name>`: inside a JSON string with the value's text, elsewhere with its JSON.
    static func fill(_ template: String, _ values: [String: JSONValue]) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var index = template.startIndex
        while index < template.endIndex {
            let ch = template[index]
            if ch == "<", let close = template[index...].firstIndex(of: ">") {
                let name = String(template[template.index(after: index)..<close])
                if let value = values[name] {
                    if inString {
                        if case .string(let s) = value {
                            let quoted = encode(.string(s))
                            out += quoted.dropFirst().dropLast()
                        } else {
                            let json = encode(value)
                            out += encode(.string(json)).dropFirst().dropLast()
                        }
                    } else {
                        out += encode(value)
                    }
                    index = template.index(after: close)
                    continue
                }
            }
            if escaped {
                escaped = false
            } else if ch == "\\" {
                escaped = inString
            } else if ch == "\"" {
                inString.toggle()
            }
            out.append(ch)
            index = template.index(after: index)
        }
        return out
    }

    public static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
