import Foundation
import PetrelStore
import Logging
import PetrelCore
import PetrelFunctions
import PetrelInvoker
import PetrelLogs
import PetrelTables
import Synchronization

/// The event source mapping service: the Lambda API's Create/Get/List/Update/Delete, and the
/// pollers that deliver each enabled mapping's stream, one per partition
/// (ParallelizationFactor), as children of `run()`.
public final class EventSourceMappings: Sendable {
    let store: MappingStore
    let tables: TableService
    let functions: FunctionRegistry
    let invoker: Invoker
    let logs: LogStore
    let account: Account
    let logger: Logger
    private let commands: AsyncStream<Command>.Continuation
    private let commandStream: AsyncStream<Command>
    private let running = Mutex<[String: OneShot]>([:])
    private let status = Mutex<[String: (iteratorAgeMs: Int64?, lastResult: String)]>([:])
    /// Told each delivered batch's IteratorAge (function name, milliseconds), for metrics.
    let iteratorAgeObserver: @Sendable (String, Int64) -> Void

    enum Command: Sendable {
        case start(EventSourceMapping)
        case stop(String)
    }

    public init(store: Store, tables: TableService, functions: FunctionRegistry, invoker: Invoker, logs: LogStore,
                account: Account, logger: Logger, iteratorAgeObserver: @escaping @Sendable (String, Int64) -> Void = { _, _ in }) {
        self.store = MappingStore(store: store)
        self.iteratorAgeObserver = iteratorAgeObserver
        self.tables = tables
        self.functions = functions
        self.invoker = invoker
        self.logs = logs
        self.account = account
        self.logger = logger
        (commandStream, commands) = AsyncStream.makeStream(of: Command.self)
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        MappingStore.registerMigrations(&migrator)
    }

    // MARK: API

    public func create(_ input: CreateEventSourceMappingRequest, account: Account) throws -> EventSourceMappingConfiguration {
        guard let arn = input.EventSourceArn, !arn.isEmpty else {
            throw AWSError.invalidParameter("EventSourceArn is required.")
        }
        guard let name = input.FunctionName else { throw AWSError.invalidParameter("FunctionName is required.") }
        let ref = try FunctionReference.parse(name)
        _ = try functions.get(ref, account: account)
        guard arn.contains(":dynamodb:"), arn.contains("/stream/") else {
            throw AWSError.invalidParameter("Unrecognized event source: \(arn). Petrel's event sources are DynamoDB table streams (arn:aws:dynamodb:…:table/NAME/stream/LABEL).")
        }
        guard let info = try tables.streamInfo(streamArn: arn) else {
            throw AWSError.invalidParameter("Stream not found: \(arn)")
        }
        guard let startingPosition = input.StartingPosition else {
            throw AWSError.invalidParameter("StartingPosition is required for DynamoDB stream event sources (TRIM_HORIZON, LATEST or AT_TIMESTAMP).")
        }
        var mapping = EventSourceMapping(uuid: UUID().uuidString.lowercased(), functionName: ref.name, qualifier: ref.qualifier,
                                         eventSourceArn: arn, startingPosition: startingPosition,
                                         lastModified: Date().timeIntervalSince1970, region: account.region)
        apply(input, to: &mapping)
        mapping.startingPositionTimestamp = input.StartingPositionTimestamp
        try mapping.validate()
        let initial: String?
        switch startingPosition {
        case "LATEST": initial = info.latestSequenceNumber
        case "AT_TIMESTAMP": initial = try tables.streamPosition(streamArn: arn, atOrAfter: Date(timeIntervalSince1970: mapping.startingPositionTimestamp ?? 0))
        default: initial = nil
        }
        try store.insert(mapping, initialPosition: initial)
        logger.info("Created event source mapping \(mapping.uuid): \(arn) → \(ref.name)")
        if mapping.enabled { commands.yield(.start(mapping)) }
        return configuration(mapping, lastResult: "No records processed", state: mapping.enabled ? "Creating" : "Disabled")
    }

    public func get(_ uuid: String) throws -> EventSourceMappingConfiguration {
        let (mapping, lastResult) = try find(uuid)
        return configuration(mapping, lastResult: lastResult)
    }

    public func list(functionName: String?, eventSourceArn: String?, marker: String?, maxItems: Int) throws -> ListEventSourceMappingsResponse {
        let name = try functionName.map { try FunctionReference.parse($0).name }
        let matching = try store.all().filter { entry in
            (name.map { entry.mapping.functionName == $0 } ?? true) && (eventSourceArn.map { entry.mapping.eventSourceArn == $0 } ?? true)
        }
        let start = marker.flatMap { m in matching.firstIndex { $0.mapping.uuid == m }.map { $0 + 1 } } ?? 0
        let page = matching.dropFirst(start).prefix(maxItems)
        let next = start + page.count < matching.count ? page.last?.mapping.uuid : nil
        return ListEventSourceMappingsResponse(EventSourceMappings: page.map { configuration($0.mapping, lastResult: $0.lastResult) },
                                               NextMarker: next)
    }

    public func update(_ uuid: String, _ input: UpdateEventSourceMappingRequest, account: Account) throws -> EventSourceMappingConfiguration {
        var (mapping, lastResult) = try find(uuid)
        if let name = input.FunctionName {
            let ref = try FunctionReference.parse(name)
            _ = try functions.get(ref, account: account)
            mapping.functionName = ref.name
            mapping.qualifier = ref.qualifier
        }
        let wasEnabled = mapping.enabled
        apply(input, to: &mapping)
        mapping.lastModified = Date().timeIntervalSince1970
        try mapping.validate()
        try store.update(mapping)
        commands.yield(.stop(uuid))
        if mapping.enabled { commands.yield(.start(mapping)) }
        let state = mapping.enabled ? (wasEnabled ? "Updating" : "Enabling") : (wasEnabled ? "Disabling" : "Disabled")
        return configuration(mapping, lastResult: lastResult, state: state)
    }

    public func delete(_ uuid: String) throws -> EventSourceMappingConfiguration {
        let (mapping, lastResult) = try find(uuid)
        try store.delete(uuid)
        commands.yield(.stop(uuid))
        logger.info("Deleted event source mapping \(uuid)")
        return configuration(mapping, lastResult: lastResult, state: "Deleting")
    }

    /// The most recent IteratorAge (ms) a mapping reported: how far behind the stream it is.
    public func iteratorAge(_ uuid: String) -> Int64? {
        status.withLock { $0[uuid]?.iteratorAgeMs }
    }

    private func find(_ uuid: String) throws -> (EventSourceMapping, String) {
        guard let found = try store.get(uuid) else {
            throw AWSError.resourceNotFound("The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: \(UUID().uuidString.lowercased()))")
        }
        return found
    }

    private func apply(_ input: CreateEventSourceMappingRequest, to m: inout EventSourceMapping) {
        if let v = input.Enabled { m.enabled = v }
        if let v = input.BatchSize { m.batchSize = v }
        if let v = input.MaximumBatchingWindowInSeconds { m.maximumBatchingWindowInSeconds = v }
        if let v = input.ParallelizationFactor { m.parallelizationFactor = v }
        if let v = input.MaximumRecordAgeInSeconds { m.maximumRecordAgeInSeconds = v }
        if let v = input.BisectBatchOnFunctionError { m.bisectBatchOnFunctionError = v }
        if let v = input.MaximumRetryAttempts { m.maximumRetryAttempts = v }
        if let v = input.TumblingWindowInSeconds { m.tumblingWindowInSeconds = v }
        if let v = input.FunctionResponseTypes { m.functionResponseTypes = v }
        if let v = input.FilterCriteria { m.filterPatterns = (v.Filters ?? []).compactMap(\.Pattern) }
    }

    private func configuration(_ mapping: EventSourceMapping, lastResult: String, state: String? = nil) -> EventSourceMappingConfiguration {
        let live = status.withLock { $0[mapping.uuid]?.lastResult }
        let state = state ?? (mapping.enabled ? "Enabled" : "Disabled")
        return EventSourceMappingConfiguration(mapping, account: account, state: state, reason: "User action", lastResult: live ?? lastResult)
    }

    // MARK: Pollers

    /// Runs the pollers of every enabled mapping, starting and stopping them as the API
    /// changes mappings, until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for entry in (try? store.all()) ?? [] where entry.mapping.enabled {
                startPollers(entry.mapping, in: &group)
            }
            for await command in commandStream {
                switch command {
                case .start(let mapping):
                    stopPollers(mapping.uuid)
                    startPollers(mapping, in: &group)
                case .stop(let uuid):
                    stopPollers(uuid)
                }
            }
            for signal in running.withLock({ Array($0.values) }) { signal.fire() }
        }
    }

    private func startPollers(_ mapping: EventSourceMapping, in group: inout DiscardingTaskGroup) {
        let stop = OneShot()
        running.withLock { $0[mapping.uuid] = stop }
        for partition in 0..<mapping.parallelizationFactor {
            let poller = StreamPoller(mapping: mapping, partition: partition, store: store, tables: tables, functions: functions,
                                      invoker: invoker, logs: logs, account: account, logger: logger) { [self] age, result in
                self.record(mapping.uuid, iteratorAgeMs: age, lastResult: result)
                if let age { self.iteratorAgeObserver(mapping.functionName, age) }
            }
            group.addTask {
                await withTaskGroup(of: Void.self) { inner in
                    inner.addTask { await stop.wait() }
                    inner.addTask { await poller.run() }
                    await inner.next()
                    inner.cancelAll()
                }
            }
        }
    }

    /// Keeps a poller's latest figures; the processing result is also stored when it changes.
    private func record(_ uuid: String, iteratorAgeMs: Int64?, lastResult: String) {
        let changed: Bool = status.withLock { s in
            let previous = s[uuid]?.lastResult
            s[uuid] = (iteratorAgeMs ?? s[uuid]?.iteratorAgeMs, lastResult)
            return previous != lastResult
        }
        if changed { try? store.saveLastResult(uuid, lastResult) }
    }

    private func stopPollers(_ uuid: String) {
        running.withLock { $0.removeValue(forKey: uuid) }?.fire()
    }

    public func shutdown() {
        commands.finish()
    }
}
