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

    /// The principal a policy is attached to for `principal`'s requests: a role session
    /// (`arn:aws:sts::A:assumed-role/R/S`, a function's instance among them) is its role
    /// (`arn:aws:iam::A:role/R`); any other principal is itself.
    public static func policyOwner(_ principal: String) -> String {
        guard principal.hasPrefix("arn:aws:sts::"), principal.contains(":assumed-role/") else { return principal }
        let parts = principal.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return principal }
        let path = parts[5].split(separator: "/")
        guard path.count >= 3, !parts[4].isEmpty else { return principal }
        return "arn:aws:iam::\(parts[4]):role/\(path[1])"
    }

    static func json(_ values: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: values.count == 1 ? values[0] as Any : values, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
