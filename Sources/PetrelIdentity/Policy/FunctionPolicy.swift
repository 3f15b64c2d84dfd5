import Foundation
import PetrelCore

/// A function's resource-based policy as Lambda keeps it: one document per function (and per
/// qualifier) whose statements AddPermission appends and RemovePermission takes out. Pure:
/// the store keeps the text, the routes parse requests, this builds and edits documents.
public enum FunctionPolicy {
    /// What AddPermission is given (botocore's `AddPermissionRequest`).
    public struct Permission: Sendable, Equatable {
        public var statementId: String
        public var action: String
        public var principal: String
        public var sourceArn: String?
        public var sourceAccount: String?
        public var eventSourceToken: String?
        public var principalOrgID: String?
        public var functionUrlAuthType: String?
        public var invokedViaFunctionUrl: Bool?

        public init(statementId: String, action: String, principal: String, sourceArn: String? = nil, sourceAccount: String? = nil,
                    eventSourceToken: String? = nil, principalOrgID: String? = nil, functionUrlAuthType: String? = nil,
                    invokedViaFunctionUrl: Bool? = nil) {
            self.statementId = statementId
            self.action = action
            self.principal = principal
            self.sourceArn = sourceArn
            self.sourceAccount = sourceAccount
            self.eventSourceToken = eventSourceToken
            self.principalOrgID = principalOrgID
            self.functionUrlAuthType = functionUrlAuthType
            self.invokedViaFunctionUrl = invokedViaFunctionUrl
        }
    }

    /// Lambda's quota on a function's policy.
    public static let maxBytes = 20_480

    static func constraint(_ value: String, _ field: String, _ rule: String) -> AWSError {
        AWSError("ValidationException", status: 400,
                 "1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(rule)")
    }

    /// Checks the request as Lambda does (the model's patterns, then the principal).
    public static func validate(_ p: Permission) throws(AWSError) {
        let sidOK = (1...100).contains(p.statementId.count)
            && p.statementId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard sidOK else {
            throw constraint(p.statementId, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
        }
        let actionOK: Bool = {
            if p.action == "*" || p.action == "lambda:*" { return true }
            guard p.action.hasPrefix("lambda:") else { return false }
            let name = p.action.dropFirst("lambda:".count)
            return !name.isEmpty && name.allSatisfy { $0.isASCII && $0.isLetter }
        }()
        guard actionOK else {
            throw constraint(p.action, "action", "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])")
        }
        if let account = p.sourceAccount, account.count != 12 || !account.allSatisfy(\.isNumber) {
            throw constraint(account, "sourceAccount", "Member must satisfy regular expression pattern: \\d{12}")
        }
        if let type = p.functionUrlAuthType, type != "NONE", type != "AWS_IAM" {
            throw constraint(type, "functionUrlAuthType", "Member must satisfy enum value set: [NONE, AWS_IAM]")
        }
        if let org = p.principalOrgID, !(12...34).contains(org.count) || !org.hasPrefix("o-")
            || !org.dropFirst(2).allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) {
            throw constraint(org, "principalOrgID", "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}")
        }
        guard principalValue(p.principal) != nil else {
            throw AWSError.invalidParameter("The provided principal was invalid. Please check the principal and try again.")
        }
    }

    /// `*`, an account id, an IAM ARN or a service principal, as the policy's `Principal`.
    static func principalValue(_ principal: String) -> Any? {
        if principal == "*" { return "*" }
        if principal.count == 12, principal.allSatisfy(\.isNumber) { return ["AWS": "arn:aws:iam::\(principal):root"] }
        if principal.hasPrefix("arn:aws:iam::") || principal.hasPrefix("arn:aws:sts::") { return ["AWS": principal] }
        if principal.hasSuffix(".amazonaws.com") || principal.hasSuffix(".amazonaws.com.cn") || principal.hasSuffix(".aws.internal") {
            return ["Service": principal]
        }
        return nil
    }

    /// The statement AddPermission adds, as Lambda writes it.
    public static func statement(_ p: Permission, resource: String) -> [String: Any] {
        var statement: [String: Any] = [
            "Sid": p.statementId, "Effect": "Allow", "Principal": principalValue(p.principal) ?? p.principal,
            "Action": p.action == "*" ? "lambda:*" : p.action, "Resource": resource,
        ]
        var condition: [String: [String: String]] = [:]
        if let v = p.sourceAccount { condition["StringEquals", default: [:]]["AWS:SourceAccount"] = v }
        if let v = p.principalOrgID { condition["StringEquals", default: [:]]["aws:PrincipalOrgID"] = v }
        if let v = p.eventSourceToken { condition["StringEquals", default: [:]]["lambda:EventSourceToken"] = v }
        if let v = p.functionUrlAuthType { condition["StringEquals", default: [:]]["lambda:FunctionUrlAuthType"] = v }
        if let v = p.sourceArn { condition["ArnLike", default: [:]]["AWS:SourceArn"] = v }
        if let v = p.invokedViaFunctionUrl, v { condition["Bool", default: [:]]["lambda:InvokedViaFunctionUrl"] = "true" }
        if !condition.isEmpty { statement["Condition"] = condition }
        return statement
    }

    static func text(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func statements(_ document: String?) -> [[String: Any]] {
        guard let document, let object = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else { return [] }
        return object["Statement"] as? [[String: Any]] ?? []
    }

    static func document(_ statements: [[String: Any]]) -> String {
        text(["Version": "2012-10-17", "Id": "default", "Statement": statements] as [String: Any])
    }

    /// The document with `statement` appended, and the statement's own text. Throws Lambda's
    /// ResourceConflictException for a Sid already there, PolicyLengthExceededException past the quota.
    public static func adding(_ statement: [String: Any], to document: String?) throws(AWSError) -> (document: String, statement: String) {
        var list = statements(document)
        let sid = statement["Sid"] as? String
        if list.contains(where: { ($0["Sid"] as? String) == sid }) {
            throw AWSError.resourceConflict("The statement id (\(sid ?? "")) provided already exists. Please provide a new statement id, or remove the existing statement.")
        }
        list.append(statement)
        let updated = Self.document(list)
        guard updated.utf8.count <= maxBytes else {
            throw AWSError("PolicyLengthExceededException", status: 400, "The final policy size (\(updated.utf8.count)) is bigger than the limit (\(maxBytes)).")
        }
        return (updated, text(statement))
    }

    /// The document without the statement `sid` (nil when none is left); ResourceNotFoundException
    /// when there is no such statement.
    public static func removing(_ sid: String, from document: String?) throws(AWSError) -> String? {
        var list = statements(document)
        guard let index = list.firstIndex(where: { ($0["Sid"] as? String) == sid }) else {
            throw AWSError.resourceNotFound("Statement \(sid) is not found in resource policy.")
        }
        list.remove(at: index)
        return list.isEmpty ? nil : Self.document(list)
    }

    public static let noPolicy = AWSError.resourceNotFound("The resource you requested does not exist.")
    public static let revisionMismatch = AWSError("PreconditionFailedException", status: 412,
                                                  "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
}
