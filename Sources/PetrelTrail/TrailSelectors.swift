import Foundation
import PetrelCore

/// Whether a trail logs a record, from its event selectors (basic or advanced). With neither,
/// a trail logs every management event and no data event, as AWS's default. Pure.
struct TrailSelectors: Sendable {
    var basic: [JSONValue]?
    var advanced: [JSONValue]?

    init(basic: String?, advanced: String?) {
        func list(_ text: String?) -> [JSONValue]? {
            guard let text, case .array(let a)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
            return a
        }
        self.basic = list(basic)
        self.advanced = list(advanced)
    }

    /// Whether any selector asks for data events (the recorder drops them early otherwise).
    var wantsDataEvents: Bool {
        if let advanced {
            return advanced.contains { selector in
                guard case .array(let fields)? = selector["FieldSelectors"] else { return false }
                return fields.contains { $0["Field"]?.stringValue == "eventCategory" && Self.strings($0["Equals"]).contains("Data") }
            }
        }
        return (basic ?? []).contains { selector in
            if case .array(let resources)? = selector["DataResources"] { return !resources.isEmpty }
            return false
        }
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let a)? = value else { return [] }
        return a.compactMap(\.stringValue)
    }

    func matches(_ record: JSONValue) -> Bool {
        let management = record["managementEvent"] == .bool(true)
        let readOnly = record["readOnly"] == .bool(true)
        let source = record["eventSource"]?.stringValue ?? ""
        var resources: [(type: String, arn: String)] = []
        if case .array(let list)? = record["resources"] {
            resources = list.compactMap { r in
                guard let t = r["type"]?.stringValue, let a = r["ARN"]?.stringValue else { return nil }
                return (t, a)
            }
        }
        if let advanced {
            return advanced.contains { selector in
                guard case .array(let fields)? = selector["FieldSelectors"] else { return false }
                return fields.allSatisfy { field in
                    let name = field["Field"]?.stringValue ?? ""
                    let values: [String]
                    switch name {
                    case "eventCategory": values = [management ? "Management" : "Data"]
                    case "readOnly": values = [readOnly ? "true" : "false"]
                    case "eventSource": values = [source]
                    case "eventName": values = [record["eventName"]?.stringValue ?? ""]
                    case "resources.type": values = resources.map(\.type)
                    case "resources.ARN": values = resources.map(\.arn)
                    default: return true
                    }
                    return Self.fieldMatches(field, values)
                }
            }
        }
        guard let basic, !basic.isEmpty else { return management }
        return basic.contains { selector in
            let rw = selector["ReadWriteType"]?.stringValue ?? "All"
            if rw == "ReadOnly" && !readOnly || rw == "WriteOnly" && readOnly { return false }
            if management {
                guard selector["IncludeManagementEvents"] != .bool(false) else { return false }
                return !Self.strings(selector["ExcludeManagementEventSources"]).contains(source)
            }
            guard case .array(let dataResources)? = selector["DataResources"] else { return false }
            return dataResources.contains { resource in
                let type = resource["Type"]?.stringValue ?? ""
                let prefixes = Self.strings(resource["Values"])
                return resources.contains { r in
                    r.type == type && prefixes.contains { p in
                        ["arn:aws:lambda", "arn:aws:s3", "arn:aws:dynamodb", "arn:aws:s3:::"].contains(p) || r.arn.hasPrefix(p)
                    }
                }
            }
        }
    }

    static func fieldMatches(_ field: JSONValue, _ values: [String]) -> Bool {
        let checks: [(String, (String, String) -> Bool, Bool)] = [
            ("Equals", { $0 == $1 }, true), ("StartsWith", { $0.hasPrefix($1) }, true), ("EndsWith", { $0.hasSuffix($1) }, true),
            ("NotEquals", { $0 == $1 }, false), ("NotStartsWith", { $0.hasPrefix($1) }, false), ("NotEndsWith", { $0.hasSuffix($1) }, false),
        ]
        for (op, test, positive) in checks {
            let operands = strings(field[op])
            guard !operands.isEmpty else { continue }
            let hit = values.contains { v in operands.contains { test(v, $0) } }
            if hit != positive { return false }
        }
        return true
    }
}
