import Hummingbird
import NIOCore
import PetrelCore
import PetrelWire

extension Gateway {
    /// SQS's answer when the request is for SQS (JSON 1.0 target, or a query-protocol form
    /// signed for `sqs`, posted to a queue URL, or naming SQS's version); nil otherwise. An
    /// unsigned form post to `/` is read here to tell SQS from IAM/STS, and handed back with
    /// its body for them.
    func queuesRoute(_ request: inout Request, caller: Caller) async -> Response? {
        let scope = request.headers[.authorization].flatMap(UnservedService.scopeService)
        let region = request.headers[.authorization].flatMap { SigV4Credential(authorizationHeader: $0)?.region } ?? account.region
        if let target = request.headers[.init("X-Amz-Target")!] {
            guard target.hasPrefix(QueuesRoutes.targetPrefix) else { return nil }
            let operation = String(target.dropFirst(QueuesRoutes.targetPrefix.count))
            return await queues.respondJSON(request, operation: operation, region: region, accessKeyID: caller.accessKeyID)
        }
        if QueuesRoutes.isQuery(request, scopeService: scope) {
            return await queues.respondQuery(request, body: nil, region: region, accessKeyID: caller.accessKeyID)
        }
        guard scope == nil, request.uri.path == "/", request.method == .post,
              request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else { return nil }
        guard let body = try? await request.readBody(upTo: QueuesRoutes.maxBody) else { return nil }
        if QueuesRoutes.isQueryBody(body) {
            return await queues.respondQuery(request, body: body, region: region, accessKeyID: caller.accessKeyID)
        }
        request.body = .init(buffer: body)
        return nil
    }
}
