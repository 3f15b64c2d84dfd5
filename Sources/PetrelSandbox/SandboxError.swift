#if canImport(Glibc)
import Glibc
#endif

/// Why the sandbox could not start or limit an instance; the message says what to do.
public struct SandboxError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    static func cgroupWrite(_ path: String, _ value: String, errno code: Int32) -> SandboxError {
        SandboxError("Could not write \(value) to \(path): \(String(cString: strerror(code))). "
            + "Run petrel as root or in a cgroup delegated to it (systemd Delegate=yes), or start it with cgroups off.")
    }
}
