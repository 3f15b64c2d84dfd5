import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PetrelCore
import PetrelIdentity
import PetrelWire

/// The one place requests are authenticated (SigV4) and authorized (IAM policies), before
/// routing. Routes stay thin: they receive the request and, for IAM and STS, the caller.
struct Authorizer: Sendable {
    let mode: IAMMode
    let identities: IdentityStore
    let verifier: SigV4Verifier
    let account: Account
    let audit: AuditLog
    let logger: Logger
    /// Partition key names for `dynamodb:LeadingKeys`.
    let hashKeys: HashKeys?
    /// Functions' resource-based policies, evaluated with the caller's own on Lambda actions.
    var permissions: FunctionPermissions? = nil
    /// Queues' policies, evaluated with the caller's own on SQS actions.
    var queuePolicies: QueuePolicies? = nil
    /// The largest body any operation takes (Lambda's CreateFunction with a base64 zip).
    static let maxBody = LambdaRoutes.maxControlBody

    enum Outcome {
        case proceed(Request, Caller)
        case refuse(Response)
    }

    /// Which API a request speaks, which decides the action table's input and the error shape.
    enum API {
        case json(target: String)
        /// AWS CBOR 1.1: a JSON 1.1 service's shapes as CBOR (Kinesis from the Java SDK and the KCL).
        case cbor(target: String)
        case lambda
        case cloudWatchCBOR(operation: String)
        case query(service: String)

        var family: SignatureError.Family {
            if case .query = self { return .query }
            return .json
        }
    }

    static func classify(_ request: Request, isLambdaPath: (String) -> Bool) -> API? {
        if let target = request.headers[HTTPField.Name("X-Amz-Target")!] {
            return KinesisWire(contentType: request.headers[.contentType]) == .cbor ? .cbor(target: target) : .json(target: target)
        }
        let path = request.uri.path
        if path.hasPrefix(CloudWatchRoutes.prefix) {
            return .cloudWatchCBOR(operation: String(path.dropFirst(CloudWatchRoutes.prefix.count)))
        }
        if path.hasPrefix("/_petrel/") { return nil }
        if isLambdaPath(path) { return .lambda }
        if path == "/", let service = IdentityRoutes.queryService(request) {
            return .query(service: service)
        }
        if QueuesRoutes.isQueuePath(path), IdentityRoutes.queryService(request) != nil {
            return .query(service: "sqs")
        }
        return nil
    }

    func authorize(_ request: Request, api: API) async -> Outcome {
        var request = request
        let now = Date()
        var signed = SignedRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                   headers: Self.headers(of: request))
        let auth: SigV4Authorization?
        do {
            auth = try SigV4Authorization.parse(signed)
        } catch {
            return await refuseOrActAsRoot(request, api: api, error: error, keyID: nil)
        }
        guard let auth else {
            if let decided = await anonymousQueueRequest(&request, api: api, now: now) { return decided }
            return await refuseOrActAsRoot(request, api: api, error: .missing, keyID: nil)
        }
        guard let key = identities.key(auth.accessKeyID), key.status == "Active" else {
            return await refuseOrActAsRoot(request, api: api, error: .invalidToken, keyID: auth.accessKeyID)
        }
        do {
            let body = try await request.readBody(upTo: Self.maxBody)
            request.body = .init(buffer: body)
            signed.body = Array(body.readableBytesView)
        } catch {
            return .refuse(render(error.awsError { .requestTooLarge("Request body is larger than \($0) bytes.") }, api: api))
        }
        do {
            try verifier.checkTime(auth, now: now)
            try verifier.verify(signed, auth, key: key.secretForVerifier, now: now)
        } catch {
            return await refuseOrActAsRoot(request, api: api, error: error, keyID: auth.accessKeyID)
        }
        let caller: Caller
        do {
            caller = try identities.caller(for: key)
        } catch {
            logger.error("The principal of access key \(key.accessKeyID) could not be loaded: \(error)")
            return .refuse(render(SignatureError.invalidToken.error(for: api.family), api: api))
        }
        // The account's own root may do anything but what a queue policy explicitly denies;
        // another account's root needs resource policies.
        if caller.principal.kind == .root && caller.principal.account == account.id && !Self.isQueueAPI(api) { return .proceed(request, caller) }
        let region = auth.region
        let call = apiRequest(api, request: request, body: signed.body)
        var keys: [String: String] = [:]
        if let hashKeys, case .json(let target, let body) = call, target.hasPrefix("DynamoDB_20120810.") {
            for table in HashKeys.tableNames(body) where keys[table] == nil {
                if let key = await hashKeys.hashKey(table: table, region: region) { keys[table] = key }
            }
        }
        let targets = ActionTable.targets(for: call, account: account.id, region: region, hashKey: { keys[$0] })
        let context = AuthorizationRequest.standardContext(principal: caller.principal, sourceIP: nil, secureTransport: false, now: now)
        for target in targets {
            var keys = context
            for (k, v) in target.context { keys[k] = v }
            let question = AuthorizationRequest(action: target.action, resource: target.resource, resourceAccount: account.id,
                                                principal: caller.principal, context: keys)
            var policies = caller.policies
            if let permissions, let function = Self.function(inARN: target.resource) {
                policies.resource = permissions.resourcePolicies(function: function.name, qualifier: function.qualifier)
            } else if let queuePolicies, target.resource.hasPrefix("arn:aws:sqs:") {
                policies.resource = queuePolicies.resourcePolicies(queueARN: target.resource)
            }
            let decision = PolicyEvaluator.evaluate(question, policies)
            guard case .allow = decision else {
                let denial = Self.accessDenied(caller.principal, target, decision, api: api)
                audit.record(.init(principal: caller.principal.arn, accessKeyId: caller.accessKeyID, action: target.action, resource: target.resource,
                                   reason: Self.reason(decision), error: denial.code))
                if mode == .enforce { return .refuse(render(denial, api: api)) }
                continue
            }
        }
        return .proceed(request, caller)
    }

    static func isQueueAPI(_ api: API) -> Bool {
        switch api {
        case .query(let service): service == "sqs"
        case .json(let target): target.hasPrefix("AmazonSQS.")
        default: false
        }
    }

    /// An unsigned SQS request is evaluated, as SQS does, as the anonymous principal against
    /// the queue's policy: admitted when it grants everyone (`Principal: "*"`) the action,
    /// otherwise refused in enforce with SQS's AccessDenied. nil for what names no queue (and
    /// for a denial in audit, which goes on as any unsigned request does).
    /// The body, once read, is put back in `request` for whoever reads it next.
    private func anonymousQueueRequest(_ request: inout Request, api: API, now: Date) async -> Outcome? {
        guard let queuePolicies, Self.isQueueAPI(api) else { return nil }
        let body: ByteBuffer
        do {
            body = try await request.readBody(upTo: Self.maxBody)
        } catch {
            return .refuse(render(error.awsError { .requestTooLarge("Request body is larger than \($0) bytes.") }, api: api))
        }
        request.body = .init(buffer: body)
        let targets = ActionTable.targets(for: apiRequest(api, request: request, body: Array(body.readableBytesView)), account: account.id,
                                          region: account.region)
        guard !targets.isEmpty else { return nil }
        let principal = PrincipalIdentity.anonymous
        let context = AuthorizationRequest.standardContext(principal: principal, sourceIP: nil, secureTransport: false, now: now)
        for target in targets {
            guard target.resource.hasPrefix("arn:aws:sqs:") else { return nil }
            var keys = context
            for (k, v) in target.context { keys[k] = v }
            let question = AuthorizationRequest(action: target.action, resource: target.resource, resourceAccount: account.id,
                                                principal: principal, context: keys)
            let policies = PolicySet(resource: queuePolicies.resourcePolicies(queueARN: target.resource))
            let decision = PolicyEvaluator.evaluate(question, policies)
            guard decision.isAllowed else {
                guard mode == .enforce else { return nil }
                return .refuse(render(Self.accessDenied(principal, target, decision, api: api), api: api))
            }
        }
        return .proceed(request, Caller(principal: principal, policies: PolicySet(), accessKeyID: nil, key: nil))
    }

    /// In `enforce` the request is refused; in `audit` it is recorded and goes on as root.
    private func refuseOrActAsRoot(_ request: Request, api: API, error: SignatureError, keyID: String?) async -> Outcome {
        let awsError = error.error(for: api.family)
        if mode == .enforce { return .refuse(render(awsError, api: api)) }
        // Without reading the body: enough to name the action, cheap enough for every request.
        let targets = ActionTable.targets(for: apiRequest(api, request: request, body: nil), account: account.id, region: account.region)
        for target in targets.isEmpty ? [AuthorizationTarget("sts:GetCallerIdentity", "*")] : targets {
            audit.record(.init(principal: keyID.map { "unknown access key \($0)" } ?? "anonymous", accessKeyId: keyID, action: target.action,
                               resource: target.resource, reason: error.message, error: awsError.code))
        }
        return .proceed(request, .root(account: account.id, accessKeyID: keyID))
    }

    func apiRequest(_ api: API, request: Request, body: [UInt8]?) -> APIRequest {
        func json() -> JSONValue? {
            guard let body, !body.isEmpty,
                  let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else { return nil }
            return Self.jsonValue(object, depth: 0)
        }
        switch api {
        case .json(let target):
            return .json(target: target, body: json())
        case .cbor(let target):
            // The same members as the JSON body would carry, so a policy naming a stream applies.
            let members = body.flatMap { $0.isEmpty ? nil : try? CBOR.decode(Data($0)).awsJSONValue() }
            return .json(target: target, body: members)
        case .cloudWatchCBOR(let operation):
            return .cloudWatch(operation: operation)
        case .lambda:
            let segments = request.uri.path.split(separator: "/").map { SigV4Canonical.percentDecode($0) }
            var query: [String: String] = [:]
            for (name, value) in SigV4Canonical.queryPairs(request.uri.query ?? "") { query[name] = value }
            let needsBody = request.method == .post && segments.count == 2
            return .lambda(method: request.method.rawValue, segments: segments, query: query, body: needsBody ? json() : nil)
        case .query(let service):
            var parameters: [String: String] = [:]
            for (name, value) in SigV4Canonical.queryPairs(request.uri.query ?? "") { parameters[name] = value }
            if let body {
                for (name, value) in IdentityRoutes.formPairs(body) { parameters[name] = value }
            }
            // Query-protocol SQS posted to the queue's URL names the queue by its path.
            if service == "sqs", parameters["QueueUrl"] == nil, QueuesRoutes.isQueuePath(request.uri.path) {
                parameters["QueueUrl"] = request.uri.path
            }
            return .query(service: service, parameters: parameters)
        }
    }

    /// JSONSerialization's answer as a JSONValue: several times cheaper than decoding JSONValue
    /// with JSONDecoder, whose container probing throws on every miss. Depth-bounded.
    static func jsonValue(_ object: Any, depth: Int) -> JSONValue {
        guard depth < 64 else { return .null }
        switch object {
        case let string as String: return .string(string)
        case let dictionary as [String: Any]: return .object(dictionary.mapValues { jsonValue($0, depth: depth + 1) })
        case let array as [Any]: return .array(array.map { jsonValue($0, depth: depth + 1) })
        case let number as NSNumber: return .number(number.doubleValue)
        default: return .null
        }
    }

    static func headers(of request: Request) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        for field in request.headers { headers.append((field.name.rawName, field.value)) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.append(("host", authority))
        }
        return headers
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` → (NAME, QUALIFIER).
    static func function(inARN arn: String) -> (name: String, qualifier: String?)? {
        guard arn.hasPrefix("arn:aws:lambda:") else { return nil }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 7 || parts.count == 8, parts[5] == "function", !parts[6].isEmpty, parts[6] != "*" else { return nil }
        return (String(parts[6]), parts.count == 8 ? String(parts[7]) : nil)
    }

    static func reason(_ decision: Decision) -> String {
        switch decision {
        case .allow: "allowed"
        case .explicitDeny(let policy, let sid): "explicit deny in \(policy)\(sid.map { $0.isEmpty ? "" : " (statement \($0))" } ?? "")"
        case .implicitDeny(let reason): reason
        }
    }

    static func accessDenied(_ principal: PrincipalIdentity, _ target: AuthorizationTarget, _ decision: Decision, api: API) -> AWSError {
        let because: String
        switch decision {
        case .explicitDeny: because = "with an explicit deny in an identity-based policy"
        case .implicitDeny(let reason) where reason.contains("boundary"): because = "because no permissions boundary allows the \(target.action) action"
        case .implicitDeny(let reason) where reason.contains("session"): because = "because no session policy allows the \(target.action) action"
        case .implicitDeny(let reason) where reason.contains("resource-based"): because = "because no resource-based policy allows the \(target.action) action"
        default: because = "because no identity-based policy allows the \(target.action) action"
        }
        let message = "User: \(principal.arn) is not authorized to perform: \(target.action) on resource: \(target.resource) \(because)"
        if case .query = api { return AWSError("AccessDenied", status: 403, message) }
        return AWSError("AccessDeniedException", status: 403, message)
    }

    func render(_ error: AWSError, api: API) -> Response {
        switch api {
        case .query(let service):
            return IdentityRoutes.errorResponse(error, service: service)
        case .lambda:
            return Response.wire(WireProtocol.restJSON.render(error))
        case .cbor:
            return Response.wire(WireProtocol.renderCBOR11(error))
        case .json(let target):
            if target.hasPrefix("Logs") || target.hasPrefix("Kinesis_") { return Response.wire(WireProtocol.json11.render(error)) }
            return Response.wire(WireProtocol.json10(namespace: "com.amazon.coral.service").render(error))
        case .cloudWatchCBOR:
            let body = CBOR.object([("__type", .text("com.amazonaws.cloudwatch#\(error.code)")), ("message", .text(error.message))]).encoded()
            return Response(status: .init(code: error.status),
                            headers: [.contentType: "application/cbor", HTTPField.Name("smithy-protocol")!: "rpc-v2-cbor",
                                      HTTPField.Name("x-amzn-query-error")!: "\(error.code);Sender"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
