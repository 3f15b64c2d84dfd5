/// A bucket's policy, read and checked as S3 does (MalformedPolicy with S3's messages; every
/// Resource must be in the bucket; only `s3:` actions), and S3's notion of a *public* policy:
/// one that grants everyone (`Principal: "*"`) without a condition that pins the caller to
/// known accounts, networks or sources. Pure.
public enum BucketPolicy {
    /// S3's largest bucket policy: 20 KB.
    public static let maxLength = 20_480

    public struct Malformed: Error, Sendable, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    public static func parse(_ text: String, bucket: String) throws(Malformed) -> PolicyDocument {
        guard text.utf8.count <= maxLength else { throw Malformed("Policies must be 20 KB or smaller") }
        guard text.drop(while: { $0.isWhitespace }).first == "{" else {
            throw Malformed("Policies must be valid JSON and the first byte must be '{'")
        }
        let document: PolicyDocument
        do {
            document = try PolicyDocument.parse(text, kind: .resource)
        } catch {
            switch error.message {
            case PolicyError.syntax.message: throw Malformed("Policies must be valid JSON and the first byte must be '{'")
            case let m where m.hasPrefix("Invalid principal"): throw Malformed("Invalid principal in policy")
            case let m where m.hasPrefix("Resource "): throw Malformed("Policy has invalid resource")
            case let m where m.hasPrefix("Actions/Conditions") || m.hasPrefix("Vendor"): throw Malformed("Policy has invalid action")
            default: throw Malformed(error.message)
            }
        }
        let bucketARN = S3ActionTable.bucketARN(bucket)
        for statement in document.statements {
            for action in statement.actions where action.text != "*" && !action.text.hasPrefix("s3:") {
                throw Malformed("Policy has invalid action")
            }
            for resource in statement.resources ?? [] where resource.text != bucketARN && !resource.text.hasPrefix(bucketARN + "/") {
                throw Malformed("Policy has invalid resource")
            }
        }
        return document
    }

    /// Condition keys whose value, when fixed (no wildcard), keeps a grant to everyone from
    /// being public (after S3's "The meaning of public").
    static let pinningKeys: Set<String> = ["aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount",
                                           "aws:sourceowner", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
                                           "aws:userid", "s3:dataaccesspointaccount", "s3:dataaccesspointarn"]

    /// Whether an Allow statement grants everyone without pinning the caller.
    public static func isPublic(_ statement: PolicyStatement) -> Bool {
        guard statement.effect == .allow else { return false }
        let everyone = statement.principal?.everyone == true || statement.notPrincipal != nil
        guard everyone else { return false }
        for condition in statement.conditions where pinningKeys.contains(condition.key) {
            let wide = condition.values.contains { $0.contains("*") || $0 == "0.0.0.0/0" || $0 == "::/0" }
            if !wide && !condition.ifExists && !condition.op.rawValue.contains("Not") && condition.op != .null { return false }
        }
        return true
    }

    public static func isPublic(_ document: PolicyDocument) -> Bool { document.statements.contains(where: isPublic) }

    /// The document with its public grants left out: what `RestrictPublicBuckets` leaves for
    /// anonymous and other accounts' callers.
    public static func withoutPublicGrants(_ document: PolicyDocument) -> PolicyDocument {
        var copy = document
        copy.statements.removeAll(where: isPublic)
        return copy
    }
}
