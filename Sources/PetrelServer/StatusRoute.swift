import Foundation
import Hummingbird
import PetrelInvoker
import PetrelSandbox

/// `GET /_petrel/status`: what isolation is in force (the start-up probe's report), the
/// instances by state and the async queue — what `petrel status` prints.
struct StatusRoute: Sendable {
    let isolation: IsolationReport?
    let isolationSummary: String
    let invoker: Invoker
    let asyncQueueDepth: @Sendable () -> Int
    let started: Date
    let dataDirectory: String

    func respond() async -> Response {
        var body: [String: Any] = [
            "status": "running",
            "uptimeSeconds": Int(Date().timeIntervalSince(started)),
            "dataDirectory": dataDirectory,
            "isolationSummary": isolationSummary,
            "instances": await invoker.instanceCounts(),
            "asyncQueueDepth": asyncQueueDepth(),
        ]
        if let data = try? JSONEncoder().encode(await invoker.warmPoolStatus()),
           let rows = try? JSONSerialization.jsonObject(with: data) {
            body["warmPool"] = rows
        }
        if let isolation, let data = try? JSONEncoder().encode(isolation),
           let object = try? JSONSerialization.jsonObject(with: data) {
            body["isolation"] = object
        }
        return Response.json(status: .ok, body)
    }
}
