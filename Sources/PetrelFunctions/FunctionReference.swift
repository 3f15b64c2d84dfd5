import PetrelCore

/// A function as a caller names it: `my-fn`, `my-fn:3`, `123456789012:function:my-fn`, or a
/// full ARN `arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST`.
public struct FunctionReference: Sendable, Equatable {
    public var name: String
    public var qualifier: String?

    public init(name: String, qualifier: String? = nil) {
        self.name = name
        self.qualifier = qualifier
    }

    /// Parses a reference; `explicitQualifier` (the `Qualifier` query parameter) must agree
    /// with one embedded in the name. With `region`, an ARN naming another region is refused
    /// as AWS refuses it (a region's Lambda serves only its own functions).
    public static func parse(_ raw: String, qualifier explicitQualifier: String? = nil,
                             region: String? = nil) throws -> FunctionReference {
        guard !raw.isEmpty, raw.count <= 256 else {
            throw AWSError.validation("1 validation error detected: Value '\(raw)' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140")
        }
        var parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "arn" {
            // arn:aws:lambda:region:account:function:name[:qualifier]
            guard parts.count >= 7, parts.count <= 8, parts[2] == "lambda", parts[5] == "function" else {
                throw invalidName(raw)
            }
            if let region, !parts[3].isEmpty, parts[3] != region {
                throw AWSError.resourceNotFound("Functions from '\(parts[3])' are not reachable in this region ('\(region)')")
            }
            parts = Array(parts[6...])
        } else if parts.count >= 3, parts[1] == "function" {
            // account:function:name[:qualifier]
            guard parts.count <= 4 else { throw invalidName(raw) }
            parts = Array(parts[2...])
        }
        guard parts.count <= 2 else { throw invalidName(raw) }
        let name = parts[0]
        guard isValidName(name) else { throw invalidName(raw) }
        var qualifier = parts.count == 2 ? parts[1] : nil
        if let q = qualifier, !isValidQualifier(q) { throw invalidName(raw) }
        if let explicitQualifier, !explicitQualifier.isEmpty {
            guard isValidQualifier(explicitQualifier) else {
                throw AWSError.validation("1 validation error detected: Value '\(explicitQualifier)' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)")
            }
            if let q = qualifier, q != explicitQualifier {
                throw AWSError.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
            }
            qualifier = explicitQualifier
        }
        return FunctionReference(name: name, qualifier: qualifier)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func isValidQualifier(_ q: String) -> Bool {
        q == "$LATEST" || (!q.isEmpty && q.count <= 128 && q.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
    }

    private static func invalidName(_ raw: String) -> AWSError {
        AWSError.validation("1 validation error detected: Value '\(raw)' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")
    }
}
