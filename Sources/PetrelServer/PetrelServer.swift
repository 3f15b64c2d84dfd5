import Foundation
import Hummingbird
import Logging
import PetrelCluster
import PetrelCore
import PetrelEventBridge
import PetrelEvents
import PetrelFunctions
import PetrelIdentity
import PetrelInvoker
import PetrelRuntimes
import PetrelKinesis
import PetrelLogs
import PetrelMetrics
import PetrelQueues
import PetrelObjects
import PetrelSandbox
import PetrelStore
import PetrelTables
import PetrelUsage
import PetrelTrail
import ServiceLifecycle
import UnixSignals

/// The composition root: opens the store, builds every service and runs them in one
/// service group until SIGINT/SIGTERM.
public struct PetrelServer: Sendable {
    public let configuration: ServerConfiguration

    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    /// The folder holding the Node and Python bootstraps shipped with Petrel.
    var runtimeDirectory: String {
        configuration.runtimeDirectory?.path ?? BundledRuntimes.directory.path
    }

    public func run() async throws {
        var logger = Logger(label: "petrel")
        logger.logLevel = .info
        let config = configuration
        let dataDirectory = config.dataDirectory.standardizedFileURL
        let iamMode = try config.effectiveIAMMode()
        let migrations: [(inout SQLMigrations) -> Void] = [
            FunctionRegistry.registerMigrations,
            CodeStore.registerMigrations,
            LayerRegistry.registerMigrations,
            ProvisionedConcurrencyStore.registerMigrations,
            LogStore.registerMigrations,
            AsyncInvocationQueue.registerMigrations,
            TableService.registerMigrations,
            EventSourceMappings.registerMigrations,
            MetricsStore.registerMigrations,
            ConsoleTestEvents.registerMigrations,
            IdentityMigrations.register,
            ObjectStore.registerMigrations,
            QueueStore.registerMigrations,
            EventInvokeConfigStore.registerMigrations,
            UsageStore.registerMigrations,
            FunctionURLStore.registerMigrations,
            ReservedConcurrencyStore.registerMigrations,
            EventBridgeService.registerMigrations,
            CloudTrailService.registerMigrations,
            KinesisService.registerMigrations,
            ClusterMigrations.register,
        ]
        let store: Store
        if let storeURL = config.storeURL {
            let database = PostgresDatabase(url: try PostgresURL(storeURL))
            logger.info("State in PostgreSQL at \(database.url.redacted)")
            store = try Store(database: database, directory: dataDirectory, migrations: migrations)
        } else {
            store = try Store(directory: dataDirectory, migrations: migrations)
        }
        let codeStore = try CodeStore(root: dataDirectory.appendingPathComponent("code"), database: store.database)
        let functions = FunctionRegistry(store: store, code: codeStore)
        let layers = LayerRegistry(store: store, code: codeStore)
        let logs = LogStore(store: store)
        let tables = TableService(store: store, account: config.account)
        let metrics = MetricsStore(store: store)
        let usage = UsageStore(store: store)
        let functionURLStore = FunctionURLStore(store: store)
        let reservedConcurrencyStore = ReservedConcurrencyStore(store: store)
        let reservedConcurrency = ReservedConcurrency(accountLimit: config.concurrencyLimit)
        for (name, reserved) in try reservedConcurrencyStore.all() { reservedConcurrency.reserve(name, reserved) }
        let prices = try config.loadPriceTable()
        let provisionedMeter = ProvisionedMeter(functions: functions, store: store, account: config.account,
                                                versions: ProvisionedVersions(), usage: usage)
        let identities = IdentityStore(store: store, account: config.account.id)
        try RootCredentials.ensure(identities: identities, dataDirectory: dataDirectory, endpoint: config.publicEndpoint,
                                   region: config.account.region)
        for other in config.otherAccounts {
            try RootCredentials.ensure(identities: identities, dataDirectory: dataDirectory, endpoint: config.publicEndpoint,
                                       region: config.account.region, other: other)
        }
        let audit = AuditLog(logs: logs)
        let permissions = FunctionPermissions(store: store)
        let executionRoles = iamMode == .off ? nil : ExecutionRoles(mode: iamMode, identities: identities, audit: audit, account: config.account,
                                                                    functions: functions, logger: logger)
        if let executionRoles {
            logs.setWriteGate { group, stream in executionRoles.logsAllowed(group: group, stream: stream) }
        }
        let launcher = Launchers.best(options: config.sandbox)
        logger.info("\(launcher.isolationSummary)")
        var invokerConfig = InvokerConfiguration(
            account: config.account, runtimeDirectory: runtimeDirectory,
            workDirectory: dataDirectory.appendingPathComponent("instances").path,
            codeRoot: codeStore.root.path, publicEndpoint: config.publicEndpoint,
            keepAlive: config.keepAlive, concurrencyLimit: config.concurrencyLimit)
        invokerConfig.initTimeout = .seconds(10)
        invokerConfig.memoryBudgetMB = config.memoryBudgetMB
        invokerConfig.warmPool = config.warmPool
        invokerConfig.runtimeFallback = config.runtimeFallback
        invokerConfig.reservedConcurrency = reservedConcurrency
        invokerConfig.scalingRate = config.scalingRate
        if let executionRoles {
            invokerConfig.instanceEnvironment = { function, _ in executionRoles.instanceEnvironment(function) }
        }
        invokerConfig.optDirectory = { [account = config.account] function in
            try layers.optDirectory(for: function.settings.layers, account: account)
        }
        let invoker = await Invoker.make(configuration: invokerConfig, launcher: launcher, logs: logs, logger: logger,
                                         observer: MeteringObserver(metrics: MetricsObserver(metrics: metrics), usage: usage))
        // This node in the cluster (docs/cluster.md): heartbeats, and leases for run-once work.
        let cluster = ClusterNode(id: try NodeIdentity.resolve(given: config.nodeID, dataDirectory: dataDirectory),
                                  advertise: config.advertise ?? config.publicEndpoint, database: store.database,
                                  leaseSeconds: config.leaseSeconds, logger: logger) { [limit = config.concurrencyLimit] in
            (limit, await invoker.instanceCounts()["busy"] ?? 0)
        }
        logger.info("Node \(cluster.id), advertised at \(cluster.advertise), leases of \(config.leaseSeconds) s")
        let asyncQueue = AsyncInvocationQueue(store: store, functions: functions, invoker: invoker, account: config.account,
                                              retryDelay: config.asyncRetryDelay, logger: logger)
        let queueService = QueueService(store: store, logger: logger)
        let kinesis = KinesisService(store: store, configuration: .from(environment: ProcessInfo.processInfo.environment), logger: logger)
        let mappings = EventSourceMappings(store: store, sources: EventSourceResolver(tables: tables, queues: queueService, kinesis: kinesis),
                                           functions: MappingInvoker(functions: functions, invoker: invoker, account: config.account),
                                           destinations: QueueFailureDestinations(queues: queueService),
                                           logs: logs, account: config.account, logger: logger,
                                           claims: store.database.dialect == .postgres ? ClusterMappingClaims(node: cluster) : nil) { function, ageMs in
            metrics.record(.iteratorAge, function: function, value: Double(ageMs))
        }
        let s3Outbox = Wakeups()
        let objectStore = ObjectStore(store: store) { asyncQueue.wake(); s3Outbox.signal(0) }
        let lambda = LambdaRoutes(functions: functions, layerRegistry: layers, provisioning: ProvisionedConcurrencyStore(store: store),
                                  concurrencyLimit: config.concurrencyLimit, invoker: invoker, asyncQueue: asyncQueue, mappings: mappings,
                                  dataDirectory: dataDirectory, logger: logger,
                                  endpoint: config.publicEndpoint, permissions: permissions, executionRoles: executionRoles,
                                  functionURLStore: functionURLStore, reservedConcurrencyStore: reservedConcurrencyStore,
                                  reservedConcurrency: reservedConcurrency, provisionedMeter: provisionedMeter, objects: objectStore)
        let eventInvokeConfigs = EventInvokeConfigStore(store: store)
        // PETREL_EVENTS_MINUTE_SECONDS shortens a schedule's minute (rate expressions) for tests.
        let eventBridge = EventBridgeService(
            store: store, accountID: config.account.id,
            sinks: EventBridgeRoutes.sinks(queues: queueService, queueStore: QueueStore(store: store), functions: functions, asyncQueue: asyncQueue, account: config.account,
                                          permissions: permissions, metrics: metrics),
            logger: logger,
            minuteSeconds: ProcessInfo.processInfo.environment["PETREL_EVENTS_MINUTE_SECONDS"].flatMap(Double.init) ?? 60,
            // PETREL_EVENTS_RETRY_BASE_SECONDS shortens a failed target delivery's first back-off (1 s) for tests.
            retryBaseDelay: ProcessInfo.processInfo.environment["PETREL_EVENTS_RETRY_BASE_SECONDS"].flatMap(Double.init) ?? 1)
        asyncQueue.install(AsyncDestinations(configs: eventInvokeConfigs, functions: functions, queues: queueService, asyncQueue: asyncQueue,
                                             account: config.account, logger: logger, events: eventBridge).hooks)
        let requests = RequestCounters()
        let s3Destinations = S3EventDestinations(objects: objectStore, queues: queueService, queueStore: QueueStore(store: store),
                                                 events: eventBridge, account: config.account, wakeups: s3Outbox, logger: logger)
        let objectRoutes = ObjectRoutes(objects: objectStore, functions: functions, account: config.account, logger: logger,
                                        destinations: s3Destinations)
        // PETREL_S3_DAY_SECONDS shortens a lifecycle "day" (tests); the sweep runs four times a day, at most every minute.
        let lifecycleDay = ProcessInfo.processInfo.environment["PETREL_S3_DAY_SECONDS"].flatMap(TimeInterval.init) ?? 86_400
        // Blobs whose writes a crash cut short: no row names them.
        _ = try objectStore.collectPendingBlobs(olderThan: 0)
        let trail = CloudTrailService(store: store, accountID: config.account.id, sinks: TrailSinks(
            putObject: { bucket, key, data in try objectRoutes.putLogFile(bucket: bucket, key: key, data: data) },
            bucketExists: { bucket in (try? objectStore.bucket(bucket)) != nil },
            emit: { record in eventBridge.emitAPICall(record) }),
            logger: logger, deliverySeconds: config.trailDeliverySeconds)
        let authorizer = iamMode == .off ? nil : Authorizer(mode: iamMode, identities: identities, verifier: SigV4Verifier(),
                                                            account: config.account, audit: audit, logger: logger,
                                                            hashKeys: HashKeys(tables: tables), permissions: permissions,
                                                            queuePolicies: QueuePolicies(queues: queueService))
        logger.info("Identity: --iam \(iamMode.rawValue)\(iamMode == .audit ? " (unknown keys act as the account root; what enforce would refuse is recorded in /petrel/iam/audit)" : "")")
        let gateway = Gateway(account: config.account, tables: tables, lambda: lambda, logs: LogsRoutes(logs: logs),
                              cloudWatch: CloudWatchRoutes(metrics: metrics),
                              metrics: MetricsRoutes(metrics: metrics, invoker: invoker, requests: requests,
                                                     asyncQueueDepth: { (try? asyncQueue.pendingCount()) ?? 0 }),
                              requests: requests, console: ConsoleRoutes(store: store),
                              status: StatusRoute(isolation: launcher.isolationReport, isolationSummary: launcher.isolationSummary,
                                                  invoker: invoker, asyncQueueDepth: { (try? asyncQueue.pendingCount()) ?? 0 },
                                                  started: Date(), dataDirectory: dataDirectory.path, cluster: cluster),
                              internalErrors: InternalErrors(dataDirectory: dataDirectory, logger: logger),
                              logger: logger, authorizer: authorizer,
                              identity: IdentityRoutes(identities: identities, account: config.account, audit: audit, logger: logger),
                              boundToLoopback: config.isLoopback,
                              queues: QueuesRoutes(service: queueService, account: config.account,
                                                   internalErrors: InternalErrors(dataDirectory: dataDirectory, logger: logger)),
                              eventInvokeConfigs: EventInvokeConfigRoutes(configs: eventInvokeConfigs, functions: functions),
                              objects: objectRoutes,
                              usage: UsageRoutes(usage: usage, prices: prices, provisionedMeter: provisionedMeter),
                              functionURLs: FunctionURLRoutes(urls: functionURLStore, functions: functions, invoker: invoker,
                                                              account: config.account, logger: logger),
                              eventBridge: EventBridgeRoutes(service: eventBridge),
                              trail: config.recordAPICalls ? trail : nil,
                              kinesis: KinesisRoutes(service: kinesis, internalErrors: InternalErrors(dataDirectory: dataDirectory, logger: logger)))
        let app = Application(
            responder: gateway,
            server: .http1(configuration: ConnectionLimits.http1),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Petrel",
                                 backlog: ConnectionLimits.backlog),
            services: [
                ClosureService(name: "logs") { [logger] in
                    await logs.run(onFailure: { error in logger.error("Could not write log events (kept in memory and retried): \(error)") },
                                   onRecovery: { logger.info("Log events are being written again") })
                },
                ClosureService(name: "invoker") {
                    await withDiscardingTaskGroup { group in
                        group.addTask { await invoker.run() }
                        group.addTask { await lambda.restoreProvisionedConcurrency(account: config.account) }
                    }
                },
                ClosureService(name: "cluster") { await cluster.run() },
                // Run-once work runs on the node holding its lease (each, on a single node).
                ClosureService(name: "async-invocations") {
                    await cluster.whileHolding(ClusterLeases.asyncInvocations) { _ in await asyncQueue.run() }
                },
                ClosureService(name: "tables") {
                    await cluster.whileHolding(ClusterLeases.tableExpiry) { _ in try? await tables.run() }
                },
                ClosureService(name: "event-source-mappings") { await mappings.run() },
                ClosureService(name: "metrics") { await metrics.run() },
                ClosureService(name: "usage") {
                    await usage.run { provisionedMeter.sample() }
                },
                ClosureService(name: "object-lifecycle") {
                    await cluster.whileHolding(ClusterLeases.objectLifecycle) { _ in
                        await objectRoutes.runLifecycle(dayLength: lifecycleDay, interval: .milliseconds(Int(min(60, lifecycleDay / 4) * 1000)))
                    }
                },
                ClosureService(name: "queues") { await queueService.run() },
                ClosureService(name: "s3-event-outbox") { await s3Destinations.run() },
                ClosureService(name: "eventbridge-schedules") {
                    await cluster.whileHolding(ClusterLeases.eventBridgeSchedules) { _ in await eventBridge.runScheduler() }
                },
                ClosureService(name: "eventbridge-retries") {
                    await cluster.whileHolding(ClusterLeases.eventBridgeRetries) { _ in await eventBridge.runRetries() }
                },
                ClosureService(name: "cloudtrail") { await trail.run() },
                ClosureService(name: "kinesis") { await kinesis.run() },
            ] + (executionRoles.map { roles in [ClosureService(name: "execution-roles") { await roles.run(invoker: invoker) }] } ?? []),
            onServerRunning: { [logger] _ in
                logger.info("Petrel listening on \(config.publicEndpoint), data in \(dataDirectory.path)")
            },
            logger: logger
        )
        do {
            try await Self.runUntilSignalled(app, shutdownTimeout: config.shutdownTimeout, logger: logger,
                                             onFirstSignal: { queueService.closeLongPolls(); kinesis.endSubscriptions() })
        } catch is CancellationError {
            // Shut down by a signal: nothing to report.
        }
        // The services flushed on their way out; these catch what the last requests wrote.
        do { try logs.flush() } catch { logger.error("Could not flush the last log events: \(error)") }
        do { try metrics.flush() } catch { logger.error("Could not flush the last metrics: \(error)") }
        do { try usage.flush() } catch { logger.error("Could not flush the last usage records: \(error)") }
        logger.info("Petrel stopped")
    }

    /// Runs `app` until SIGTERM or SIGINT. The first signal stops accepting and lets in-flight
    /// requests finish for at most `shutdownTimeout`, then cancels everything (the invoker kills
    /// every instance as it is cancelled; queued async events and checkpoints are already
    /// durable). A second signal cancels at once. Services stop in reverse order of
    /// registration: the HTTP server first, the log writer last.
    /// `onFirstSignal` runs as the graceful shutdown starts (parked SQS long polls answer then,
    /// instead of holding in-flight requests open until the timeout).
    static func runUntilSignalled(_ app: some Service, shutdownTimeout: Duration, logger: Logger,
                                  onFirstSignal: @escaping @Sendable () -> Void = {}) async throws {
        var plan = ServiceGroupConfiguration(services: [app], logger: logger)
        plan.maximumGracefulShutdownDuration = shutdownTimeout
        plan.maximumCancellationDuration = .seconds(10)
        let group = ServiceGroup(configuration: plan)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var received = 0
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    received += 1
                    if received == 1 {
                        onFirstSignal()
                        logger.info("\(signal): no new requests; in-flight ones have \(shutdownTimeout) to finish (send it again to stop at once)")
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.info("\(signal) again: stopping now")
                        throw CancellationError()
                    }
                }
            }
            defer { tasks.cancelAll() }
            _ = try await tasks.next()
        }
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
