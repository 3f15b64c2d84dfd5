import Foundation
import Hummingbird
import NIOCore
import PetrelCore
import PetrelUsage
import PetrelWire

/// `GET /_petrel/usage?month=2026-12&whatIfMemory=512`: the month's metered usage priced with
/// the price table (`petrel usage` and the console read it); `GET /_petrel/usage/prices`: the
/// table in force. Petrel's own paths, outside AWS's API, like `/_petrel/status`.
struct UsageRoutes: Sendable {
    let usage: UsageStore
    let prices: PriceTable
    let provisionedMeter: ProvisionedMeter

    static let path = "/_petrel/usage"

    func matches(_ path: String) -> Bool { path == Self.path || path == Self.path + "/prices" }

    func respond(to request: Request) -> Response {
        do {
            guard request.method == .get else { throw AWSError("MethodNotAllowed", status: 405, "\(Self.path) answers GET only.") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if request.uri.path.hasSuffix("/prices") {
                return Self.json(try encoder.encode(prices))
            }
            let query = request.uri.queryParameters
            let now = Date()
            let month: BillingMonth
            if let text = query["month"].map(String.init) {
                guard let parsed = BillingMonth(text) else { throw AWSError.validation("month must be YYYY-MM, not '\(text)'") }
                month = parsed
            } else {
                month = BillingMonth(containing: now)
            }
            var whatIf: Int? = 512
            if let text = query["whatIfMemory"].map(String.init) {
                guard let memory = Int(text), (128...10_240).contains(memory) else {
                    throw AWSError.validation("whatIfMemory must be a memory size from 128 to 10240 (MB), not '\(text)'")
                }
                whatIf = memory
            }
            provisionedMeter.sample()
            let lines = try usage.lines(from: month.start, to: month.end)
            let report = UsageReport.build(month: month, lines: lines, prices: prices, now: now, whatIfMemoryMB: whatIf)
            return Self.json(try encoder.encode(report))
        } catch let error as AWSError {
            return Response.wire(WireProtocol.restJSON.render(error))
        } catch {
            return Response.wire(WireProtocol.restJSON.render(.service()))
        }
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
