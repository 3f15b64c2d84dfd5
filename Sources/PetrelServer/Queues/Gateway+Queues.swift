import Hummingbird
import NIOCore
import PetrelCore
import PetrelWire

extension Gateway {
    /// SQS's answer when the request is for SQS (JSON 1.0 target, or a query-protocol form
    /// signed for `sqs`, posted to a queue URL, or naming SQS's version); nil otherwise. An
    /// unsigned form post to `/` is read here to tell SQS from IAM/STS, and handed back with
    /// its body for them. Requests of other services leave after a header lookup or two.
    func queuesRoute(_ request: inout Request, caller: Caller) async -> Response? {
        if let target = request.headers[.init("X-Amz-Target")!] {
            guard target.hasPrefix(QueuesRoutes.targetPrefix) else { return nil }
            let operation = String(target.dropFirst(QueuesRoutes.targetPrefix.count))
            return await queues.respondJSON(request, operation: operation, region: region(of: request), accessKeyID: caller.accessKeyID)
        }
        let form = request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") ?? false
        let query = request.uri.query ?? ""
        guard form || query.hasPrefix("Action=") || query.contains("&Action=") else { return nil }
        let scope = request.headers[.authorization].flatMap(UnservedService.scopeService)
        if QueuesRoutes.isQuery(request, scopeService: scope) {
            return await queues.respondQuery(request, body: nil, region: region(of: request), accessKeyID: caller.accessKeyID)
        }
        guard scope == nil, form, request.uri.path == "/", request.method == .post else { return nil }
        let body: ByteBuffer
        do {
            body = try await request.readBody(upTo: QueuesRoutes.maxBody)
        } catch {
            // Unreadable or too large: answered here, in the query protocol's XML.
            return queues.queryError(queues.awsError(error, operation: "Unknown"))
        }
        if QueuesRoutes.isQueryBody(body) {
            return await queues.respondQuery(request, body: body, region: region(of: request), accessKeyID: caller.accessKeyID)
        }
        request.body = .init(buffer: body)
        return nil
    }

    private func region(of request: Request) -> String {
        request.headers[.authorization].flatMap { SigV4Credential(authorizationHeader: $0)?.region } ?? account.region
    }
}
