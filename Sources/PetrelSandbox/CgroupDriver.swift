/// Which cgroup hierarchy this server puts its instances in, and with which controllers.
/// Made once at start by the probe; `makeInstance` then creates one cgroup per instance.
public struct CgroupDriver: Sendable, Equatable {
    public enum Version: String, Sendable, Codable, Equatable {
        case v1, v2
    }

    public var version: Version
    /// v1: controller → directory holding this server's instance cgroups. v2: the single key
    /// "" → that directory.
    public var groupDirectories: [String: String]
    /// The controllers in use (v2 lists "freezer" too: cgroup.freeze is part of its core).
    public var controllers: Set<String>

    public init(version: Version, groupDirectories: [String: String], controllers: Set<String>) {
        self.version = version
        self.groupDirectories = groupDirectories
        self.controllers = controllers
    }

    /// A name safe as a cgroup directory name, made from an instance id.
    public static func cgroupName(for instanceID: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        let cleaned = String(instanceID.map { allowed.contains($0) ? $0 : "_" })
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "instance" : String(trimmed.prefix(200))
    }

    /// The directories of one instance's cgroup: controller → directory (v2: "" → directory).
    public func instanceDirectories(name: String) -> [String: String] {
        groupDirectories.mapValues { $0 + "/" + name }
    }

    /// Creates the cgroup of one instance and writes its limits.
    public func makeInstance(instanceID: String, limits: CgroupLimits) throws -> InstanceCgroup {
        let directories = instanceDirectories(name: Self.cgroupName(for: instanceID))
        let cgroup = InstanceCgroup(version: version, directories: directories, controllers: controllers,
                                    steadyCPU: limits.steadyCPUSetting(version: version, controllers: controllers))
        do {
            for directory in Set(directories.values).sorted() { try CgroupFiles.makeDirectory(directory) }
            try CgroupFiles.apply(version == .v1 ? limits.v1Settings(controllers: controllers)
                                                 : limits.v2Settings(controllers: controllers), in: directories)
        } catch {
            cgroup.destroy()
            throw error
        }
        return cgroup
    }
}
