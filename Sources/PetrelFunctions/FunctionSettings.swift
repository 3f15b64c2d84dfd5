import PetrelCore

/// What a user configures about a function (everything but its code).
public struct FunctionSettings: Sendable, Codable, Equatable {
    public var runtime: String
    public var handler: String
    public var role: String
    public var description: String
    public var memorySize: Int
    public var timeout: Int
    public var environment: [String: String]
    public var ephemeralStorageMB: Int
    public var architectures: [String]
    public var layers: [String]
    /// DeadLetterConfig.TargetArn: where asynchronous events that exhaust their retries or age go.
    public var deadLetterTargetArn: String? = nil

    public init(runtime: String, handler: String, role: String, description: String = "",
                memorySize: Int = 128, timeout: Int = 3, environment: [String: String] = [:],
                ephemeralStorageMB: Int = 512, architectures: [String] = ["x86_64"], layers: [String] = []) {
        self.runtime = runtime
        self.handler = handler
        self.role = role
        self.description = description
        self.memorySize = memorySize
        self.timeout = timeout
        self.environment = environment
        self.ephemeralStorageMB = ephemeralStorageMB
        self.architectures = architectures
        self.layers = layers
    }

    public var family: RuntimeFamily { Runtimes.family(of: runtime) ?? .provided }

    /// Checks every field as CreateFunction/UpdateFunctionConfiguration do, with AWS's wording.
    public func validate() throws {
        if let rejection = Runtimes.rejection(of: runtime) {
            throw AWSError.invalidParameter(rejection)
        }
        if family != .provided, handler.isEmpty {
            throw AWSError.invalidParameter("The Handler parameter is required for the \(runtime) runtime.")
        }
        if handler.count > 128 || handler.contains(where: \.isWhitespace) {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(handler)' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+")
        }
        if !Self.isValidRole(role) {
            throw AWSError.validation("1 validation error detected: Value '\(role)' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
        }
        if memorySize < 128 || memorySize > 10240 {
            throw AWSError.invalidParameter("'MemorySize' value failed to satisfy constraint: Member must have value \(memorySize < 128 ? "greater than or equal to 128" : "less than or equal to 10240")")
        }
        if timeout < 1 || timeout > 900 {
            throw AWSError.invalidParameter("'Timeout' value failed to satisfy constraint: Member must have value \(timeout < 1 ? "greater than or equal to 1" : "less than or equal to 900")")
        }
        if description.count > 256 {
            throw AWSError.invalidParameter("'Description' value failed to satisfy constraint: Member must have length less than or equal to 256")
        }
        if ephemeralStorageMB < 512 || ephemeralStorageMB > 10240 {
            throw AWSError.invalidParameter("'EphemeralStorage.Size' value failed to satisfy constraint: Member must have value between 512 and 10240")
        }
        let environmentSize = environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if environmentSize > 4096 {
            throw AWSError.invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \(environmentSize)")
        }
        for key in environment.keys where !Self.isValidVariableName(key) {
            throw AWSError.invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains invalid key: \(key). Keys must start with a letter and contain only letters, numbers and underscores.")
        }
        for key in environment.keys where Self.reservedVariables.contains(key) {
            throw AWSError.invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: \(key)")
        }
        if layers.count > 5 {
            throw AWSError.invalidParameter("Cannot reference more than 5 layers.")
        }
    }

    static func isValidRole(_ role: String) -> Bool {
        // arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
        let parts = role.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].isEmpty || parts[1].hasPrefix("aws"),
              parts[2] == "iam", parts[3].isEmpty, parts[4].count == 12, parts[4].allSatisfy(\.isNumber),
              parts[5].hasPrefix("role") else { return false }
        var rest = parts[5].dropFirst(4)
        if rest.first == "/" { rest = rest.dropFirst() }
        let allowed = Set("+=,.@-_/")
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || allowed.contains($0)) }
    }

    static func isValidVariableName(_ key: String) -> Bool {
        guard let first = key.first, first.isASCII, first.isLetter else { return false }
        return key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    static let reservedVariables: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
    ]
}

/// One version of a function as stored: settings, code and bookkeeping.
public struct FunctionRecord: Sendable, Equatable {
    public var name: String
    /// `$LATEST` or a published version number.
    public var version: String
    public var settings: FunctionSettings
    /// Base64 SHA-256 of the deployment zip, as AWS reports it.
    public var codeSha256: String
    /// Hex SHA-256: names the zip and its extracted folder in the code store.
    public var codeDigest: String
    public var codeSize: Int
    public var lastModified: Double
    /// Changes on every change of code or settings; instances are keyed by it.
    public var revisionId: String

    public init(name: String, version: String, settings: FunctionSettings, codeSha256: String, codeDigest: String,
                codeSize: Int, lastModified: Double, revisionId: String) {
        self.name = name
        self.version = version
        self.settings = settings
        self.codeSha256 = codeSha256
        self.codeDigest = codeDigest
        self.codeSize = codeSize
        self.lastModified = lastModified
        self.revisionId = revisionId
    }
}
