import Foundation
import PetrelCore
import PetrelInvoker
import PetrelSandbox
import PetrelUsage

/// Everything `petrel serve` can be told. Only the CLI builds this; every module receives
/// the part it needs as a value.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 4566
    public var dataDirectory: URL = URL(fileURLWithPath: ".petrel")
    /// The shared database, `postgres://user:password@host:port/database` (docs/cluster.md);
    /// nil keeps state in SQLite in the data directory, the embedded default.
    public var storeURL: String?
    /// `--node-id`: this node's id in the cluster; nil generates one, kept in the data directory.
    public var nodeID: String?
    /// `--advertise`: the URL other nodes reach this one at; nil is `publicEndpoint`.
    public var advertise: String?
    /// `--lease-seconds`: how long a lease (and a heartbeat) lasts; a node silent this long is dead.
    public var leaseSeconds: Double = 15
    public var account: Account = Account()
    /// How long an idle instance stays warm before it is reaped.
    public var keepAlive: Duration = .seconds(300)
    /// Account-wide cap on concurrently running instances.
    public var concurrencyLimit: Int = 1000
    /// New instances one function may add per 10 seconds (AWS's scaling rate); nil: no limit.
    public var scalingRate: Int? = 1000
    /// The instances' configured memory may add up to this many MB (default: twice the host's
    /// physical memory, since functions seldom use all they configure); past it bursts are throttled.
    public var memoryBudgetMB: Int = ServerConfiguration.defaultMemoryBudgetMB

    public static var defaultMemoryBudgetMB: Int {
        Int(ProcessInfo.processInfo.physicalMemory / 1_048_576) * 2
    }
    /// Seconds between async-invocation retries (AWS waits about a minute, then two).
    public var asyncRetryDelay: Duration = .seconds(60)
    /// How long SIGTERM/SIGINT waits for in-flight requests before every instance is killed.
    public var shutdownTimeout: Duration = .seconds(10)
    /// How often logging CloudTrail trails deliver a log file to their bucket (AWS: about every 5 minutes).
    public var trailDeliverySeconds: Double = 300
    /// Whether API calls are recorded for CloudTrail (`--cloudtrail off` turns it off).
    public var recordAPICalls = true
    /// Where the language runtimes (Node bootstrap, Python bootstrap) live.
    public var runtimeDirectory: URL?
    /// What isolation functions get (bubblewrap, cgroups, network); the probe at start grants
    /// what the host allows.
    public var sandbox: SandboxOptions = SandboxOptions()
    /// Blank runtimes started ahead of need, per runtime family.
    public var warmPool = WarmPoolPolicy(sizes: [.node: 2, .python: 2])
    /// `--runtime-fallback`: run a runtime whose interpreter is missing on the nearest one.
    public var runtimeFallback = false

    /// `--iam`: nil picks audit on a loopback address and enforce elsewhere.
    public var iamMode: IAMMode?
    /// `--i-know-this-is-open`: allows a non-loopback address without enforce.
    public var allowOpen = false
    /// `--other-account`: accounts whose root keys are created too, to call in across accounts.
    public var otherAccounts: [String] = []
    /// `--price-table`: a JSON file overriding AWS's us-east-1 prices (docs/usage.md).
    public var priceTablePath: String?

    public init() {}

    /// Whether the server listens on a loopback address only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The identity mode in force; refuses an open server on a non-loopback address.
    public func effectiveIAMMode() throws -> IAMMode {
        let mode = iamMode ?? (isLoopback ? .audit : .enforce)
        if !isLoopback && mode != .enforce && !allowOpen {
            throw OpenServerRefused(host: host, mode: mode)
        }
        return mode
    }

    /// The endpoint functions use to call back into Petrel.
    public var publicEndpoint: String {
        let reachableHost = (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host
        return "http://\(reachableHost):\(port)"
    }
}

/// Binding beyond loopback without `--iam enforce` would let anyone who can reach the port
/// create, invoke, read and delete everything.
public struct OpenServerRefused: Error, CustomStringConvertible {
    public var host: String
    public var mode: IAMMode
    public var description: String {
        "Refusing to listen on \(host) with --iam \(mode.rawValue): anyone who reaches this address could do anything. Use --iam enforce, or add --i-know-this-is-open."
    }
}

extension ServerConfiguration {
    /// AWS's us-east-1 prices, with `priceTablePath`'s overrides when one is given.
    func loadPriceTable() throws -> PriceTable {
        guard let path = priceTablePath else { return .awsUSEast1 }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PriceTable.LoadError.unreadable(path, "no such file")
        }
        return try PriceTable.load(data, path: path)
    }
}
