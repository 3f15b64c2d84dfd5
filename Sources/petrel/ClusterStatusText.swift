import Foundation

/// The cluster part of `petrel status`: the nodes on the database and who holds each lease.
enum ClusterStatusText {
    static func render(_ cluster: [String: Any]) -> String {
        var lines = ["node: \(cluster["nodeId"] ?? "?") at \(cluster["advertise"] ?? "?") (leases of \(cluster["leaseSeconds"] ?? "?") s)"]
        if let error = cluster["error"] { lines.append("cluster: \(error)") }
        let nodes = (cluster["nodes"] as? [[String: Any]]) ?? []
        if !nodes.isEmpty { lines.append("nodes:") }
        for node in nodes {
            let alive = (node["alive"] as? Bool) == true ? "alive" : "dead "
            let age = Double(node["heartbeatAgeMs"] as? Int ?? 0) / 1000
            lines.append("  \(pad(node["id"], 20)) \(alive)  \(pad(node["advertise"], 28)) heartbeat \(String(format: "%.1f", age)) s ago, \(node["running"] ?? 0)/\(node["capacity"] ?? 0) running")
        }
        let leases = (cluster["leases"] as? [[String: Any]]) ?? []
        if !leases.isEmpty { lines.append("leases:") }
        for lease in leases {
            let holder = lease["holder"] as? String
            let expires = Double(lease["expiresInMs"] as? Int ?? 0) / 1000
            let state = holder.map { "held by \($0), expires in \(String(format: "%.1f", expires)) s" } ?? "free"
            lines.append("  \(pad(lease["name"], 24)) token \(pad(lease["token"], 5)) \(state)")
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ value: Any?, _ width: Int) -> String {
        "\(value ?? "?")".padding(toLength: max(width, "\(value ?? "?")".count), withPad: " ", startingAt: 0)
    }
}
