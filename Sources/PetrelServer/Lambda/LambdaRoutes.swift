import Foundation
import Hummingbird
import PetrelCore
import PetrelWire

/// Lambda's REST-JSON API: parses a request into an operation, calls the control plane or
/// the invoker, renders the result.
struct LambdaRoutes: Sendable {
    func matches(_ path: String) -> Bool {
        path.hasPrefix("/2015-03-31/") || path.hasPrefix("/2014-11-13/")
    }

    func respond(to request: Request, account: Account) async -> Response {
        Response.wire(WireProtocol.restJSON.render(.unknownOperation("Not implemented yet")))
    }
}
