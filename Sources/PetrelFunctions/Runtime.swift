/// The runtimes Petrel can run, and how each one starts.
public enum RuntimeFamily: String, Sendable, Codable {
    case node
    case python
    /// A custom runtime: the code's executable `bootstrap` speaks the Runtime API itself.
    case provided

    /// How people name the language: "Node.js", "Python".
    public var languageName: String {
        switch self {
        case .node: return "Node.js"
        case .python: return "Python"
        case .provided: return "custom runtime"
        }
    }
}

public enum Runtimes {
    public static let supported: [String: RuntimeFamily] = [
        "nodejs18.x": .node, "nodejs20.x": .node, "nodejs22.x": .node, "nodejs24.x": .node,
        "python3.9": .python, "python3.10": .python, "python3.11": .python, "python3.12": .python,
        "python3.13": .python, "python3.14": .python,
        "provided": .provided, "provided.al2": .provided, "provided.al2023": .provided,
    ]

    /// Runtimes AWS still names but no longer lets anyone create functions with.
    static let retired: Set<String> = [
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x", "nodejs16.x", "python2.7", "python3.6", "python3.7", "python3.8",
    ]

    /// Runtimes of AWS's (botocore's `Runtime` enum) in languages Petrel does not run.
    static let otherLanguages: [String] = [
        "java8", "java8.al2", "java11", "java17", "java21", "java25",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
        "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
    ]

    public static func family(of runtime: String) -> RuntimeFamily? {
        supported[runtime]
    }

    /// Supported runtimes in reading order: Node.js, then Python, oldest first, then custom.
    public static var ordered: [String] {
        supported.keys.sorted { a, b in
            let (fa, fb) = (supported[a]!, supported[b]!)
            if fa != fb { return order(fa) < order(fb) }
            return versionKey(a).lexicographicallyPrecedes(versionKey(b)) || (versionKey(a) == versionKey(b) && a < b)
        }
    }

    private static func order(_ family: RuntimeFamily) -> Int {
        switch family {
        case .node: return 0
        case .python: return 1
        case .provided: return 2
        }
    }

    /// `python3.12` → [3, 12]; `nodejs22.x` → [22]; `provided.al2` → [].
    static func versionKey(_ runtime: String) -> [Int] {
        let digits = runtime.drop { !$0.isNumber }
        return digits.split(separator: ".").compactMap { Int($0) }
    }

    /// The newest supported runtime of the family `runtime` belongs to (by its name), or nil.
    static func newest(like runtime: String) -> String? {
        let family: RuntimeFamily? = runtime.hasPrefix("nodejs") ? .node : runtime.hasPrefix("python") ? .python : nil
        guard let family else { return nil }
        return ordered.last { supported[$0] == family }
    }

    /// The interpreter versions that can run `runtime`, best first: `python3.12` → ["3.12"];
    /// `nodejs22.x` → ["22"]; `nodejs18.x` → ["18", "20"] (Debian ships Node 20, and AWS's
    /// 18.x code runs on it unchanged). Empty for custom runtimes.
    public static func interpreterVersions(for runtime: String) -> [String] {
        switch supported[runtime] {
        case .python: return [String(runtime.dropFirst("python".count))]
        case .node:
            let major = String(runtime.dropFirst("nodejs".count).prefix { $0.isNumber })
            return major == "18" ? ["18", "20"] : [major]
        default: return []
        }
    }

    /// One line naming what Petrel runs, for messages.
    static var supportedSummary: String {
        let node = ordered.filter { supported[$0] == .node }
        let python = ordered.filter { supported[$0] == .python }
        return "\(node.first!)–\(node.last!), \(python.first!)–\(python.last!), and provided, provided.al2, provided.al2023 (custom runtimes: an executable `bootstrap` in the code or a layer)"
    }

    /// AWS's rejection of a runtime, or nil when it is supported.
    static func rejection(of runtime: String) -> String? {
        if supported[runtime] != nil { return nil }
        if retired.contains(runtime) {
            let recommended = newest(like: runtime) ?? "nodejs24.x"
            return "The runtime parameter of \(runtime) is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (\(recommended)) while creating or updating functions."
        }
        if otherLanguages.contains(runtime) {
            return "Petrel does not run the \(runtime) runtime yet. It runs \(supportedSummary)."
        }
        let list = supported.keys.sorted().joined(separator: ", ")
        return "Value \(runtime) at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [\(list)] or be a valid ARN"
    }
}
