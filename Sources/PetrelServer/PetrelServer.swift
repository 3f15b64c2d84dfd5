import Foundation
import Hummingbird
import Logging
import PetrelCore
import PetrelStore
import PetrelTables
import ServiceLifecycle

/// The composition root: opens the store, builds every service and runs them in one
/// service group until SIGINT/SIGTERM.
public struct PetrelServer: Sendable {
    public let configuration: ServerConfiguration

    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    public func run() async throws {
        var logger = Logger(label: "petrel")
        logger.logLevel = .info
        let store = try Store(directory: configuration.dataDirectory, migrations: [
            TableService.registerMigrations,
        ])
        let tables = TableService(store: store, account: configuration.account)
        let gateway = Gateway(account: configuration.account, tables: tables, lambda: LambdaRoutes(),
                              logs: LogsRoutes(), logger: logger)
        let app = Application(
            responder: gateway,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Petrel"),
            services: [ClosureService(name: "tables", tables.run)],
            onServerRunning: { [configuration, logger] _ in
                logger.info("Petrel listening on \(configuration.publicEndpoint), data in \(configuration.dataDirectory.path)")
            },
            logger: logger
        )
        try await app.runService()
    }
}

/// Adapts a long-running async function to a `Service`.
struct ClosureService: Service, CustomStringConvertible {
    let name: String
    let body: @Sendable () async throws -> Void
    init(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }
    var description: String { name }
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}
