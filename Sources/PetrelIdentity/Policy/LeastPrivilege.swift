import Foundation

/// The smallest policy that allows a set of (action, resource) pairs: one statement per
/// resource, its actions sorted; resources sharing the same actions are merged.
public enum LeastPrivilege {
    public static func policy(for grants: [(action: String, resource: String)]) -> String {
        var byResource: [String: Set<String>] = [:]
        for grant in grants { byResource[grant.resource, default: []].insert(grant.action) }
        var byActions: [[String]: [String]] = [:]
        for (resource, actions) in byResource { byActions[actions.sorted(), default: []].append(resource) }
        let statements = byActions.map { actions, resources in (actions, resources.sorted()) }
            .sorted { $0.1.first ?? "" < $1.1.first ?? "" }
            .map { actions, resources -> String in
                "{\"Effect\":\"Allow\",\"Action\":\(json(actions)),\"Resource\":\(json(resources))}"
            }
        return "{\"Version\":\"2012-10-17\",\"Statement\":[\(statements.joined(separator: ","))]}"
    }

    static func json(_ values: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: values.count == 1 ? values[0] as Any : values, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
