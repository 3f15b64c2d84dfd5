import Foundation

/// A node's id: given with `--node-id`, or generated once and kept in the data directory
/// (`node-id`), so a restarted node comes back as itself.
public enum NodeIdentity {
    public static func resolve(given: String?, dataDirectory: URL) throws -> String {
        if let given {
            guard isValid(given) else { throw InvalidNodeID(id: given) }
            return given
        }
        let file = dataDirectory.appendingPathComponent("node-id")
        if let saved = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), isValid(saved) {
            return saved
        }
        let id = "node-" + UUID().uuidString.lowercased().prefix(8)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try Data((id + "\n").utf8).write(to: file, options: .atomic)
        return id
    }

    /// 1 to 64 letters, digits, `-`, `_` or `.`.
    public static func isValid(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}

public struct InvalidNodeID: Error, CustomStringConvertible {
    public var id: String
    public init(id: String) { self.id = id }
    public var description: String { "--node-id must be 1 to 64 letters, digits, '-', '_' or '.', not \(id)" }
}
