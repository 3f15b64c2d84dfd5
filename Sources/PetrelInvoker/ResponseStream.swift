import Foundation
import Synchronization

/// A caller that wants the function's response as it is produced (InvokeWithResponseStream, a
/// RESPONSE_STREAM function URL) hands one of these in with its invocation. When the runtime
/// posts its answer in streaming mode (`Lambda-Runtime-Function-Response-Mode: streaming`), the
/// Runtime API forwards each chunk here as it arrives; a runtime that answers in one piece
/// streams nothing, and the caller renders the result as one chunk. The stream ends with the
/// invocation: `.completed` with its result, or `.refused` when it was throttled before it ran.
public final class ResponseStream: Sendable {
    public enum Event: Sendable {
        /// The runtime began streaming, with the Content-Type it set (`setContentType`).
        case started(contentType: String)
        case chunk(Data)
        case completed(InvocationResult)
        case refused(any Error)
    }

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let started = Atomic<Bool>(false)

    /// AWS's limit on a streamed response (a buffered one stays at 6 MB).
    public static let maxBytes = 20 * 1024 * 1024

    public init() {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Did the runtime stream (rather than answer in one piece)?
    public var didStream: Bool { started.load(ordering: .acquiring) }

    func start(contentType: String) {
        started.store(true, ordering: .releasing)
        continuation.yield(.started(contentType: contentType))
    }

    func write(_ data: Data) {
        continuation.yield(.chunk(data))
    }

    /// Runs `invoke` and ends the stream with its outcome.
    public func run(_ invoke: @Sendable () async throws -> InvocationResult) async {
        do {
            continuation.yield(.completed(try await invoke()))
        } catch {
            continuation.yield(.refused(error))
        }
        continuation.finish()
    }
}
