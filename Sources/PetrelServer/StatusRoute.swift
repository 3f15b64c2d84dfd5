import Foundation
import Hummingbird
import PetrelCluster
import PetrelFunctions
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
    /// This node's cluster view: the nodes on the database and the leases.
    var cluster: ClusterNode? = nil

    func respond() async -> Response {
        var body: [String: Any] = [
            "status": "running",
            "uptimeSeconds": Int(Date().timeIntervalSince(started)),
            "dataDirectory": dataDirectory,
            "isolationSummary": isolationSummary,
            "instances": await invoker.instanceCounts(),
            "asyncQueueDepth": asyncQueueDepth(),
            "version": PetrelVersion.text,
            "runtimes": Self.runtimeRows(invoker.interpreters),
        ]
        if let data = try? JSONEncoder().encode(await invoker.warmPoolStatus()),
           let rows = try? JSONSerialization.jsonObject(with: data) {
            body["warmPool"] = rows
        }
        if let isolation, let data = try? JSONEncoder().encode(isolation),
           let object = try? JSONSerialization.jsonObject(with: data) {
            body["isolation"] = object
        }
        if let cluster {
            body["cluster"] = (try? cluster.status()) ?? ["nodeId": cluster.id, "error": "the database did not answer"]
        }
        return Response.json(status: .ok, body)
    }

    /// One row per supported runtime: what runs it here, with the interpreter's exact version.
    static func runtimeRows(_ interpreters: RuntimeInterpreters) -> [[String: Any]] {
        interpreters.table.map { row in
            var out: [String: Any] = ["runtime": row.runtime]
            switch row.resolution {
            case .exact(let i):
                out["status"] = "installed"
                out["interpreter"] = i.label
                out["version"] = i.version
                out["path"] = i.path
            case .fallback(let i, let wanted):
                out["status"] = "fallback"
                out["interpreter"] = i.label
                out["version"] = i.version
                out["path"] = i.path
                out["missing"] = "\(i.family.languageName) \(wanted)"
            case .missing:
                out["status"] = "missing"
                let family = Runtimes.family(of: row.runtime) ?? .provided
                out["missing"] = "\(family.languageName) \(Runtimes.interpreterVersions(for: row.runtime).first ?? "")"
            case .custom:
                out["status"] = "custom"
                out["interpreter"] = "the function's own bootstrap"
            }
            return out
        }
    }
}
