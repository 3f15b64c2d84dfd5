import Foundation
import PetrelCore
import PetrelFunctions
import PetrelRuntimes

/// What the invoker needs to know about its surroundings.
public struct InvokerConfiguration: Sendable {
    public var account: Account
    /// Where Node/Python bootstraps live (PetrelRuntimes' resource folder unless told otherwise).
    public var runtimeDirectory: String
    /// Per-instance work folders (output file, private /tmp).
    public var workDirectory: String
    /// The code store's root: a function's code is extracted at `<codeRoot>/<digest>`.
    public var codeRoot: String
    /// Petrel's own endpoint, given to functions as AWS_ENDPOINT_URL.
    public var publicEndpoint: String
    public var keepAlive: Duration
    public var concurrencyLimit: Int
    /// Memory the instances may reserve in all, by their configured MemorySize (MB). A burst
    /// past it is throttled (429) instead of starting instances the host cannot hold.
    public var memoryBudgetMB: Int = .max
    /// The host folder to show at /opt for a function (its layers, merged), or nil.
    public var optDirectory: @Sendable (FunctionRecord) throws -> String? = { _ in nil }
    /// Extra variables for one instance's environment (given the function and the instance's
    /// id), set over the runtime's own: the place for per-instance values such as the role's
    /// temporary credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN). Called off the invoker's lock, once per instance start.
    public var instanceEnvironment: @Sendable (FunctionRecord, _ instanceID: String) -> [String: String] = { _, _ in [:] }
    /// How long a runtime may take to initialise before it is treated as failed.
    public var initTimeout: Duration = .seconds(10)
    /// Blank runtimes to keep started ahead of need (empty: no warm pool).
    public var warmPool = WarmPoolPolicy()
    /// Run a runtime whose interpreter is not installed on the nearest one of its language
    /// (`--runtime-fallback`), saying so in its log; otherwise such functions are refused.
    public var runtimeFallback = false
    /// Reserved concurrency (PutFunctionConcurrency): per-function caps checked as an
    /// invocation arrives; nil admits every invocation up to the account's limit.
    public var reservedConcurrency: ReservedConcurrency?
    /// New instances one function may add per 10 seconds, refilled continuously (AWS: 1,000);
    /// nil: no limit. Past it an invocation that needs a new instance gets 429
    /// `FunctionInvocationRateLimitExceeded`.
    public var scalingRate: Int? = 1_000

    public init(account: Account, runtimeDirectory: String = BundledRuntimes.directory.path, workDirectory: String, codeRoot: String, publicEndpoint: String,
                keepAlive: Duration = .seconds(300), concurrencyLimit: Int = 1000) {
        self.account = account
        self.runtimeDirectory = runtimeDirectory
        self.workDirectory = workDirectory
        self.codeRoot = codeRoot
        self.publicEndpoint = publicEndpoint
        self.keepAlive = keepAlive
        self.concurrencyLimit = concurrencyLimit
    }
}
