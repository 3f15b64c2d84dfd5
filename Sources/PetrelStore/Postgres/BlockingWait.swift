import Foundation
import NIOCore

/// Waits on the calling thread for a future that completes on the store's own event loops.
///
/// The seam's `read`/`write` are synchronous, and the server runs Swift concurrency on NIO's
/// event loops, so the caller may well be one of the server's loops. NIO's `wait()` refuses to
/// run on any event loop (it cannot know the future is on another group); this wait is safe
/// because every PostgreSQL connection lives on `PostgresConnectionPool`'s own group, which never
/// runs caller code, so the future always completes without the waiting thread's help.
enum BlockingWait {
    static func wait<Value: Sendable>(_ future: EventLoopFuture<Value>) throws -> Value {
        let box = ResultBox<Value>()
        future.whenComplete { box.set($0) }
        return try box.take()
    }
}

private final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) {
        condition.lock()
        self.result = result
        condition.signal()
        condition.unlock()
    }

    func take() throws -> Value {
        condition.lock()
        while result == nil { condition.wait() }
        let result = self.result!
        condition.unlock()
        return try result.get()
    }
}
