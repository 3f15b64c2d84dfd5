import Foundation
import Hummingbird
import PetrelCore
import PetrelIdentity

/// AWS_IAM function URLs: in `enforce` a request must carry a valid SigV4 signature (service
/// `lambda`) of a known key whose principal may `lambda:InvokeFunctionUrl` on the function
/// (its own policies or the function's resource policy, with `lambda:FunctionUrlAuthType`
/// AWS_IAM in the context). In `audit` what enforce would refuse is recorded and the request goes on.
extension Authorizer {
    enum URLOutcome {
        case proceed(Request, Caller?)
        case refuse(String)
    }

    func authorizeFunctionURL(_ request: Request, functionARN: String, function: String, qualifier: String?) async -> URLOutcome {
        var request = request
        let now = Date()
        let action = "lambda:InvokeFunctionUrl"
        func refuse(_ reason: String, keyID: String?, code: String) -> URLOutcome {
            audit.record(.init(principal: keyID.map { "unknown access key \($0)" } ?? "anonymous", accessKeyId: keyID, action: action,
                               resource: functionARN, reason: reason, error: code))
            return mode == .enforce ? .refuse(reason) : .proceed(request, nil)
        }
        var signed = SignedRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                   headers: Self.headers(of: request))
        let auth: SigV4Authorization
        do {
            guard let parsed = try SigV4Authorization.parse(signed) else {
                return refuse("Missing Authentication Token", keyID: nil, code: "MissingAuthenticationTokenException")
            }
            auth = parsed
        } catch {
            return refuse(error.message, keyID: nil, code: "IncompleteSignatureException")
        }
        guard let key = identities.key(auth.accessKeyID), key.status == "Active" else {
            return refuse("The security token included in the request is invalid.", keyID: auth.accessKeyID, code: "UnrecognizedClientException")
        }
        do {
            let body = try await request.readBody(upTo: LambdaRoutes.maxInvokePayload)
            request.body = .init(buffer: body)
            signed.body = Array(body.readableBytesView)
        } catch {
            return .refuse("Request must be smaller than \(LambdaRoutes.maxInvokePayload) bytes")
        }
        do {
            try verifier.checkTime(auth, now: now)
            try verifier.verify(signed, auth, key: key.secretForVerifier, now: now)
        } catch {
            return refuse(error.message, keyID: auth.accessKeyID, code: "InvalidSignatureException")
        }
        let caller: Caller
        do {
            caller = try identities.caller(for: key)
        } catch {
            return refuse("The security token included in the request is invalid.", keyID: auth.accessKeyID, code: "UnrecognizedClientException")
        }
        if caller.principal.kind == .root && caller.principal.account == account.id { return .proceed(request, caller) }
        let context = AuthorizationRequest.standardContext(principal: caller.principal, sourceIP: nil, secureTransport: false, now: now,
                                                           extra: ["lambda:functionurlauthtype": ["AWS_IAM"]])
        let question = AuthorizationRequest(action: action, resource: functionARN, resourceAccount: account.id,
                                            principal: caller.principal, context: context)
        var policies = caller.policies
        if let permissions { policies.resource = permissions.resourcePolicies(function: function, qualifier: qualifier) }
        let decision = PolicyEvaluator.evaluate(question, policies)
        guard case .allow = decision else {
            audit.record(.init(principal: caller.principal.arn, accessKeyId: caller.accessKeyID, action: action, resource: functionARN,
                               reason: Self.reason(decision), error: "AccessDeniedException"))
            return mode == .enforce ? .refuse(Self.reason(decision)) : .proceed(request, caller)
        }
        return .proceed(request, caller)
    }
}
