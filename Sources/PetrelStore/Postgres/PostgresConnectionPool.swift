import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A small pool of PostgreSQL connections on an event-loop group of its own.
///
/// Callers block (see `BlockingWait`) until a connection is free, so the pool's loops only ever
/// do network I/O: a caller that is itself an event loop of the server can wait without the
/// wait depending on its own loop. Connections open lazily up to `maximum`, and a connection
/// that broke (the server restarted, a network error) is dropped, so the next caller opens a
/// fresh one: a database that was briefly away is used again without a restart of Petrel.
final class PostgresConnectionPool: @unchecked Sendable {
    let url: PostgresURL
    let group: MultiThreadedEventLoopGroup
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var nextID = 1
    private var closed = false

    /// How long a caller waits for a free connection before the request fails.
    static let acquireTimeout: TimeInterval = 30

    init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
        // One loop carries all of a node's database traffic easily (the work is on the server).
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration: PostgresConnection.Configuration
        if let socket = url.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: url.username, password: url.password,
                                  database: url.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    /// A connection for the caller's exclusive use; give it back with `release`.
    func acquire() throws -> PostgresConnection {
        condition.lock()
        let deadline = Date().addingTimeInterval(Self.acquireTimeout)
        while true {
            if closed {
                condition.unlock()
                throw PostgresStoreError.closed
            }
            while let connection = idle.popLast() {
                if !connection.isClosed {
                    condition.unlock()
                    return connection
                }
                open -= 1
            }
            if open < url.poolSize {
                open += 1
                let id = nextID
                nextID += 1
                condition.unlock()
                do {
                    return try BlockingWait.wait(PostgresConnection.connect(
                        on: group.next(), configuration: configuration, id: id, logger: logger))
                } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw PostgresStoreError.unreachable(url.redacted, error)
                }
            }
            if !condition.wait(until: deadline) {
                condition.unlock()
                throw PostgresStoreError.poolExhausted(url.poolSize)
            }
        }
    }

    /// Gives a connection back; a broken one (or one left in an unknown state) is closed.
    func release(_ connection: PostgresConnection, reusable: Bool = true) {
        condition.lock()
        if reusable, !connection.isClosed, !closed {
            idle.append(connection)
        } else {
            open -= 1
            // postgres-nio wants a connection closed before it is freed: keep it until then.
            if !connection.isClosed { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
        }
        condition.signal()
        condition.unlock()
    }

    /// Closes every connection and then the event loops, without waiting (it may be called
    /// from anywhere, even one of the pool's own loops). Callers still holding one get errors.
    func shutdown() {
        condition.lock()
        if closed {
            condition.unlock()
            return
        }
        closed = true
        let connections = idle
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
        let group = self.group
        let loop = group.next()
        EventLoopFuture.andAllComplete(connections.map { $0.close() }, on: loop).whenComplete { _ in
            withExtendedLifetime(connections) {}
            group.shutdownGracefully { _ in }
        }
    }
}
