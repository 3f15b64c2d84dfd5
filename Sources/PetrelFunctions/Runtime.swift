/// The runtimes Petrel can run, and how each one starts.
public enum RuntimeFamily: String, Sendable, Codable {
    case node
    case python
    /// A custom runtime: the code's executable `bootstrap` speaks the Runtime API itself.
    case provided
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

    public static func family(of runtime: String) -> RuntimeFamily? {
        supported[runtime]
    }

    /// AWS's rejection of a runtime, or nil when it is supported.
    static func rejection(of runtime: String) -> String? {
        if supported[runtime] != nil { return nil }
        if retired.contains(runtime) {
            return "The runtime parameter of \(runtime) is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions."
        }
        let list = supported.keys.sorted().joined(separator: ", ")
        return "Value \(runtime) at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [\(list)] or be a valid ARN"
    }
}
