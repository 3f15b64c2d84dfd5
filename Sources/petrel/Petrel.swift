import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOPosix
import PetrelCluster
import PetrelInvoker
import PetrelServer

@main
enum Main {
    static func main() {
        // Swift Concurrency runs on NIO's event loops: an invocation then crosses no thread
        // boundary between the HTTP servers, the invoker and the Runtime API (each crossing
        // costs a wake-up and a context switch). Must happen on the main thread, first.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        Task {
            await Petrel.main()
            exit(0)
        }
        dispatchMain()
    }
}

struct Petrel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "petrel",
        abstract: "A self-hosted, AWS-compatible event-driven function platform.",
        version: PetrelVersion.text,
        subcommands: [Serve.self, Status.self, Credentials.self, IAM.self, Usage.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Petrel server (Lambda, DynamoDB, Streams, Logs on one port).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 4566
    @Option(name: .customLong("data-dir"), help: "Where state lives (SQLite database, code).") var dataDir = ".petrel"
    @Option(help: "Keep state in a PostgreSQL database instead of SQLite in --data-dir: postgres://user:password@host:port/database (see docs/cluster.md).")
    var store: String?
    @Option(name: .customLong("node-id"), help: "This node's id in a cluster (default: generated once and kept in --data-dir).")
    var nodeID: String?
    @Option(help: "The URL other nodes reach this one at (default: the public endpoint).") var advertise: String?
    @Option(name: .customLong("lease-seconds"), help: "How long a run-once lease lasts; a node silent this long is dead (see docs/cluster.md).")
    var leaseSeconds = 15.0
    @Option(help: "Default region when a request names none.") var region = "us-east-1"
    @Option(name: .customLong("keep-alive"), help: "Seconds an idle instance stays warm.") var keepAlive = 300.0
    @Option(name: .customLong("concurrency-limit"), help: "Account-wide cap on concurrent instances.") var concurrencyLimit = 1000
    @Option(name: .customLong("scaling-rate"),
            help: "New instances one function may add per 10 seconds, refilled continuously, as AWS's concurrency scaling rate (0: no limit).")
    var scalingRate = 1000
    @Option(name: .customLong("memory-budget"),
            help: "MB of configured function memory all instances may reserve together; bursts past it get 429 (default: twice the host's memory).")
    var memoryBudget: Int?
    @Option(name: .customLong("async-retry-delay"), help: "Seconds before an async invocation is retried.") var asyncRetryDelay = 60.0
    @Option(name: .customLong("trail-delivery-seconds"), help: "Seconds between a CloudTrail trail's log file deliveries to S3.")
    var trailDeliverySeconds = 300.0
    @Option(name: .customLong("cloudtrail"), help: "Record every API call for CloudTrail: on or off.") var cloudTrail = "on"
    @Option(help: "Function isolation: auto (bubblewrap and cgroups where the host allows) or none (plain processes).")
    var isolation = "auto"
    @Option(name: .customLong("function-network"),
            help: "Functions' network: shared (the host's, as on AWS) or none (only the Runtime API and Petrel's endpoint).")
    var functionNetwork = "shared"
    @Option(name: .customLong("warm-pool"),
            help: "Blank runtimes kept started ahead of cold starts, per runtime (0 turns one off).")
    var warmPool = "nodejs=2,python=2"
    @Option(name: .customLong("shutdown-timeout"),
            help: "Seconds SIGTERM/SIGINT waits for in-flight invocations before killing every instance (a second signal stops at once).")
    var shutdownTimeout = 10.0
    @Flag(name: .customLong("runtime-fallback"),
          help: "Run a runtime whose interpreter is not installed (python3.14 without a Python 3.14) on the nearest one of its language, saying so in the function's log, instead of refusing to create it.")
    var runtimeFallback = false

    @Option(help: "Identity: off (any signature), audit (unknown keys act as root; would-be denials recorded), enforce. Default: audit on a loopback address, enforce elsewhere.")
    var iam: String?
    @Option(name: .customLong("other-account"),
            help: "Another account id whose root key is created too (credentials-<id>.json in the data dir): its principals call in across accounts, allowed only by resource policies (AddPermission). Repeatable.")
    var otherAccounts: [String] = []
    @Flag(name: .customLong("i-know-this-is-open"), help: "Allow a non-loopback address without --iam enforce.")
    var iKnowThisIsOpen = false
    @Option(name: .customLong("price-table"),
            help: "A JSON file overriding AWS's us-east-1 Lambda prices and free tier for `petrel usage` (docs/usage.md).")
    var priceTable: String?

    func run() async throws {
        // A peer that goes away mid-write must cost an error, not the server.
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit()
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.dataDirectory = URL(fileURLWithPath: dataDir)
        if let store {
            guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") else {
                throw ValidationError("--store must be a postgres:// URL (leave it out for SQLite in --data-dir), not \(store)")
            }
            config.storeURL = store
        }
        if let nodeID {
            guard NodeIdentity.isValid(nodeID) else { throw ValidationError(InvalidNodeID(id: nodeID).description) }
            config.nodeID = nodeID
        }
        if let advertise {
            guard let url = URL(string: advertise), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--advertise must be an http:// URL other nodes can reach, not \(advertise)")
            }
            config.advertise = advertise
        }
        guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be at least 1") }
        config.leaseSeconds = leaseSeconds
        config.account.region = region
        config.keepAlive = .milliseconds(Int(keepAlive * 1000))
        config.concurrencyLimit = concurrencyLimit
        guard scalingRate >= 0 else { throw ValidationError("--scaling-rate must be 0 (no limit) or more new instances per 10 seconds, not \(scalingRate)") }
        config.scalingRate = scalingRate > 0 ? scalingRate : nil
        if let memoryBudget {
            guard memoryBudget >= 128 else { throw ValidationError("--memory-budget must be at least 128 (MB)") }
            config.memoryBudgetMB = memoryBudget
        }
        config.asyncRetryDelay = .milliseconds(Int(asyncRetryDelay * 1000))
        guard trailDeliverySeconds > 0 else { throw ValidationError("--trail-delivery-seconds must be more than zero") }
        config.trailDeliverySeconds = trailDeliverySeconds
        guard ["on", "off"].contains(cloudTrail) else { throw ValidationError("--cloudtrail must be on or off") }
        config.recordAPICalls = cloudTrail == "on"
        guard shutdownTimeout >= 0 else { throw ValidationError("--shutdown-timeout must be zero or more seconds") }
        config.shutdownTimeout = .milliseconds(Int(shutdownTimeout * 1000))
        switch isolation {
        case "auto": break
        case "none":
            config.sandbox.useBubblewrap = false
            config.sandbox.useCgroups = false
        default:
            throw ValidationError("--isolation must be auto or none, not \(isolation)")
        }
        switch functionNetwork {
        case "shared": config.sandbox.network = .shared
        case "none": config.sandbox.network = .none
        default: throw ValidationError("--function-network must be shared or none, not \(functionNetwork)")
        }
        do {
            config.warmPool = try WarmPoolPolicy.parse(warmPool)
        } catch {
            throw ValidationError("\(error)")
        }
        config.runtimeFallback = runtimeFallback
        if let iam {
            guard let mode = IAMMode(rawValue: iam) else { throw ValidationError("--iam must be off, audit or enforce, not \(iam)") }
            config.iamMode = mode
        }
        config.allowOpen = iKnowThisIsOpen
        config.priceTablePath = priceTable
        for other in otherAccounts where other.count != 12 || !other.allSatisfy(\.isNumber) || other == config.account.id {
            throw ValidationError("--other-account must be a 12-digit account id other than \(config.account.id), not \(other)")
        }
        config.otherAccounts = otherAccounts
        do {
            _ = try config.effectiveIAMMode()
        } catch {
            throw ValidationError("\(error)")
        }
        try await PetrelServer(configuration: config).run()
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a running server's isolation, instances and queues.")

    @Option(help: "The server's endpoint.") var endpoint = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566"

    func run() async throws {
        guard let url = URL(string: endpoint + "/_petrel/status") else { throw ValidationError("Not a URL: \(endpoint)") }
        let data: Data
        do {
            (data, _) = try await URLSession.shared.data(from: url)
        } catch {
            throw ValidationError("No Petrel server answers at \(endpoint): start one with `petrel serve`.")
        }
        guard let status = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("\(endpoint) did not answer like a Petrel server.")
        }
        print("Petrel at \(endpoint): \(status["status"] ?? "unknown"), up \(status["uptimeSeconds"] ?? 0) s, data in \(status["dataDirectory"] ?? "?")")
        print(status["isolationSummary"] as? String ?? "isolation: unknown")
        let instances = (status["instances"] as? [String: Int]) ?? [:]
        let counts = instances.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("instances: \(counts.isEmpty ? "none" : counts)")
        print("async invocations queued: \(status["asyncQueueDepth"] ?? 0)")
        let pool = (status["warmPool"] as? [[String: Any]]) ?? []
        if pool.isEmpty {
            print("warm pool: off")
        } else {
            let rows = pool.map { row -> String in
                let size = (row["memoryMB"] as? Int).map { "/\($0)MB" } ?? ""
                let mb = Double(row["residentBytes"] as? Int ?? 0) / 1_048_576
                let interpreter = (row["interpreter"] as? String).map { " (\($0))" } ?? ""
                return "\(row["runtime"] ?? "?")\(size)\(interpreter): \(row["ready"] ?? 0) ready, \(row["starting"] ?? 0) starting, \(String(format: "%.1f", mb)) MB"
            }
            print("warm pool: " + rows.joined(separator: "; "))
        }
        if let cluster = status["cluster"] as? [String: Any] {
            print(ClusterStatusText.render(cluster))
        }
        let runtimes = (status["runtimes"] as? [[String: Any]]) ?? []
        if !runtimes.isEmpty { print("runtimes:") }
        for row in runtimes {
            let runtime = (row["runtime"] as? String ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
            switch row["status"] as? String {
            case "installed": print("  \(runtime) \(row["interpreter"] ?? "?")  \(row["path"] ?? "")")
            case "fallback": print("  \(runtime) \(row["interpreter"] ?? "?")  \(row["path"] ?? "")  (fallback: \(row["missing"] ?? "?") is not installed)")
            case "custom": print("  \(runtime) the function's own bootstrap")
            default: print("  \(runtime) not available: \(row["missing"] ?? "its interpreter") is not installed")
            }
        }
    }
}

/// Every client connection and every instance costs descriptors: take all the process may have
/// (the soft limit is often 1,024, the hard one far higher) so thousands of connections are served.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
}

#if canImport(Glibc)
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif
