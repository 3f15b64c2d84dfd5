import Foundation

/// Where the server's own cgroups are, read from /proc/self/mountinfo and /proc/self/cgroup.
/// Instance cgroups are created beneath these, so that whatever limits the server's own cgroup
/// has (a container's, a systemd unit's) keep holding for its instances.
public struct CgroupMounts: Sendable, Equatable, Codable {
    /// cgroup v1: controller name → the server's own cgroup directory in that controller's hierarchy.
    public var v1: [String: String]
    /// cgroup v2: the server's own cgroup directory in the unified hierarchy, if one is mounted.
    public var v2: String?

    public init(v1: [String: String] = [:], v2: String? = nil) {
        self.v1 = v1
        self.v2 = v2
    }

    /// The controllers of cgroup v1 that Petrel can use.
    static let knownV1Controllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "pids", "perf_event", "hugetlb", "rdma", "misc",
    ]

    public static func parse(mountinfo: String, selfCgroup: String) -> CgroupMounts {
        // Membership: hierarchy controllers (or "" for v2) → path.
        var v1Paths: [String: String] = [:]
        var v2Path: String?
        for line in selfCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                v2Path = path
            } else {
                for controller in fields[1].split(separator: ",") { v1Paths[String(controller)] = path }
            }
        }
        var result = CgroupMounts()
        for line in mountinfo.split(separator: "\n") {
            guard let separator = line.range(of: " - ") else { continue }
            let before = line[..<separator.lowerBound].split(separator: " ")
            let after = line[separator.upperBound...].split(separator: " ")
            guard before.count >= 5, after.count >= 3 else { continue }
            let root = unescape(String(before[3]))
            let mountPoint = unescape(String(before[4]))
            switch after[0] {
            case "cgroup2":
                if result.v2 == nil, let path = v2Path {
                    result.v2 = directory(mountPoint: mountPoint, root: root, path: path)
                }
            case "cgroup":
                let options = after[2].split(separator: ",").map(String.init)
                for controller in options where knownV1Controllers.contains(controller) {
                    guard result.v1[controller] == nil else { continue }
                    let path = v1Paths[controller] ?? "/"
                    result.v1[controller] = directory(mountPoint: mountPoint, root: root, path: path)
                }
            default:
                continue
            }
        }
        return result
    }

    /// The directory of cgroup `path` in a hierarchy whose `root` is mounted at `mountPoint`.
    static func directory(mountPoint: String, root: String, path: String) -> String {
        var relative = path
        if root != "/" {
            if path == root {
                relative = "/"
            } else if path.hasPrefix(root + "/") {
                relative = String(path.dropFirst(root.count))
            } else {
                // A cgroup namespace: the path is already relative to what we see.
                relative = path
            }
        }
        if relative == "/" { return mountPoint }
        return mountPoint + relative
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        return field
            .replacingOccurrences(of: "\\040", with: " ")
            .replacingOccurrences(of: "\\011", with: "\t")
            .replacingOccurrences(of: "\\012", with: "\n")
            .replacingOccurrences(of: "\\134", with: "\\")
    }
}
