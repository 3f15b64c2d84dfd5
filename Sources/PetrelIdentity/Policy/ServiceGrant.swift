/// Whether a resource policy lets an AWS service principal (`s3.amazonaws.com`,
/// `events.amazonaws.com`) act on a resource on behalf of a source: the question S3 asks of a
/// queue's policy before accepting a notification that names it, and EventBridge before
/// delivering to a target. `aws:SourceArn` and `aws:SourceAccount` are set as the service
/// sends them; a statement conditioned on either matches only when it agrees. Pure.
public enum ServiceGrant {
    public static func allows(service: String, action: String, resource: String, resourceAccount: String,
                              sourceArn: String?, sourceAccount: String?, policies: [NamedPolicy]) -> Bool {
        guard !policies.isEmpty else { return false }
        let principal = PrincipalIdentity(kind: .service, account: resourceAccount, arn: service, userID: service, serviceName: service)
        var context: [String: [String]] = [:]
        if let sourceArn { context["aws:sourcearn"] = [sourceArn] }
        if let sourceAccount { context["aws:sourceaccount"] = [sourceAccount] }
        let question = AuthorizationRequest(action: action, resource: resource, resourceAccount: resourceAccount, principal: principal, context: context)
        return PolicyEvaluator.evaluate(question, PolicySet(resource: policies)).isAllowed
    }
}
