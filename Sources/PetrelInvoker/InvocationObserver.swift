/// Told about every invocation's outcome, for metrics. Called outside the invoker's lock, on
/// whichever task ended the invocation (often an instance's connection), possibly from several
/// at once: keep it cheap and thread-safe (record into memory, write later).
public protocol InvocationObserver: Sendable {
    func invocationFinished(function: String, version: String, duration: Duration, failed: Bool)
    func invocationThrottled(function: String, version: String)
    /// The number of instances of `function` running an invocation, after it changed.
    func concurrencyChanged(function: String, running: Int)
}
