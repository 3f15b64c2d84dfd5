import Foundation
import PetrelStore
import Logging
import PetrelCore
import PetrelFunctions
import PetrelLogs
import Synchronization

/// The event source mapping service: the Lambda API's Create/Get/List/Update/Delete, and the
/// consumers that deliver each enabled mapping's source as children of `run()`: one per
/// partition (ParallelizationFactor) of a stream, MaximumConcurrency of a queue. The
/// concrete sources and the invoker come in through `EventSourceResolving` and
/// `FunctionInvoking` (PetrelServer wires them).
public final class EventSourceMappings: Sendable {
    let store: MappingStore
    let sources: any EventSourceResolving
    let functions: any FunctionInvoking
    let destinations: (any FailureDestinations)?
    let logs: LogStore
    let account: Account
    let logger: Logger
    /// In a cluster: which node runs each stream mapping (nil on a single node: this one runs all).
    let claims: (any MappingClaims)?
    private let commands: AsyncStream<Command>.Continuation
    private let commandStream: AsyncStream<Command>
    /// The mappings whose consumers run (or wait for their claim) here, with the settings they run with.
    private let running = Mutex<[String: (mapping: EventSourceMapping, stop: OneShot)]>([:])
    private let status = Mutex<[String: (iteratorAgeMs: Int64?, lastResult: String)]>([:])
    /// Told each delivered batch's IteratorAge (function name, milliseconds), for metrics.
    let iteratorAgeObserver: @Sendable (String, Int64) -> Void

    enum Command: Sendable {
        case start(EventSourceMapping)
        case stop(String)
        /// Read the mapping list again (in a cluster: other nodes change it through their API).
        case refresh
    }

    public init(store: Store, sources: any EventSourceResolving, functions: any FunctionInvoking, destinations: (any FailureDestinations)? = nil,
                logs: LogStore, account: Account, logger: Logger, claims: (any MappingClaims)? = nil,
                iteratorAgeObserver: @escaping @Sendable (String, Int64) -> Void = { _, _ in }) {
        self.store = MappingStore(store: store)
        self.claims = claims
        self.destinations = destinations
        self.iteratorAgeObserver = iteratorAgeObserver
        self.sources = sources
        self.functions = functions
        self.logs = logs
        self.account = account
        self.logger = logger
        (commandStream, commands) = AsyncStream.makeStream(of: Command.self)
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        MappingStore.registerMigrations(&migrator)
    }

    // MARK: API

    public func create(_ input: CreateEventSourceMappingRequest, account: Account) async throws -> EventSourceMappingConfiguration {
        guard let arn = input.EventSourceArn, !arn.isEmpty else {
            throw AWSError.invalidParameter("EventSourceArn is required.")
        }
        guard let name = input.FunctionName else { throw AWSError.invalidParameter("FunctionName is required.") }
        let (functionName, qualifier) = try functions.checkExists(name, account: account)
        let resolved: ResolvedSource
        do {
            guard let found = try await sources.resolve(arn: arn) else {
                throw AWSError.invalidParameter("Unrecognized event source: \(arn). Petrel's event sources are DynamoDB table streams (arn:aws:dynamodb:…:table/NAME/stream/LABEL), Kinesis streams (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME) and SQS queues (arn:aws:sqs:REGION:ACCOUNT:NAME).")
            }
            resolved = found
        } catch let error as EventSourceError {
            throw AWSError.invalidParameter(arn.hasPrefix("arn:aws:sqs:")
                ? "Error occurred while ReceiveMessage. SQSError Code : AWS.SimpleQueueService.NonExistentQueue. SQSError Message : The specified queue does not exist."
                : "Stream not found: \(arn)" + (error == .notFound(arn) ? "" : " (\(error.description))"))
        }
        var mapping = EventSourceMapping(uuid: UUID().uuidString.lowercased(), functionName: functionName, qualifier: qualifier,
                                         eventSourceArn: arn, startingPosition: input.StartingPosition,
                                         lastModified: Date().timeIntervalSince1970, region: account.region)
        var initial: [String: String?] = ["": nil]
        switch resolved {
        case .queue:
            mapping.batchSize = 10
            try Self.refuseStreamSettings(input)
            apply(input, to: &mapping)
            try mapping.validate()
        case .sharded(let source):
            guard let startingPosition = input.StartingPosition else {
                throw AWSError.invalidParameter("StartingPosition is required for stream event sources (TRIM_HORIZON, LATEST or AT_TIMESTAMP).")
            }
            apply(input, to: &mapping)
            mapping.startingPositionTimestamp = input.StartingPositionTimestamp
            try mapping.validate()
            try await checkDestination(input.DestinationConfig, account: account)
            let start: StartingPosition
            switch startingPosition {
            case "LATEST": start = .latest
            case "AT_TIMESTAMP": start = .atTimestamp(Date(timeIntervalSince1970: mapping.startingPositionTimestamp ?? 0))
            default: start = .trimHorizon
            }
            do {
                if source.checkpointsByShard {
                    // Every shard retained now starts at the position; later children at their start.
                    initial = [:]
                    for shard in try source.shards() { initial[shard.id] = try source.position(start, shard: shard.id) }
                } else {
                    guard let shard = try source.shards().first(where: { !$0.closed }) ?? source.shards().last else {
                        throw AWSError.invalidParameter("Stream has no shards: \(arn)")
                    }
                    initial = ["": try source.position(start, shard: shard.id)]
                }
            } catch let error as EventSourceError {
                throw AWSError.invalidParameter("Stream not found: \(arn) (\(error.description))")
            }
        }
        try store.insert(mapping, initialPositions: initial)
        logger.info("Created event source mapping \(mapping.uuid): \(arn) → \(functionName)")
        if mapping.enabled { commands.yield(.start(mapping)) }
        return configuration(mapping, lastResult: "No records processed", state: mapping.enabled ? "Creating" : "Disabled")
    }

    /// A stream mapping's DestinationConfig: OnSuccess is not supported (as on AWS); OnFailure
    /// must name an existing SQS queue (an empty Destination removes it).
    private func checkDestination(_ config: DestinationConfigShape?, account: Account) async throws {
        guard let config else { return }
        if let success = config.OnSuccess?.Destination, !success.isEmpty {
            throw AWSError.invalidParameter("Unsupported DestinationConfig parameter for this event source type: OnSuccess is not supported in CreateEventSourceMapping or UpdateEventSourceMapping.")
        }
        guard let arn = config.OnFailure?.Destination, !arn.isEmpty else { return }
        guard let destinations else {
            throw AWSError.invalidParameter("The provided destination config DestinationConfig(onFailure=OnFailure(destination=\(arn))) is invalid: this server sends to no destinations.")
        }
        try await destinations.check(arn, account: account)
    }

    /// Stream-only settings on a queue mapping are refused, as AWS does.
    static func refuseStreamSettings(_ input: CreateEventSourceMappingRequest) throws {
        let given: [(String, Bool)] = [
            ("StartingPosition", input.StartingPosition != nil), ("ParallelizationFactor", input.ParallelizationFactor != nil),
            ("TumblingWindowInSeconds", input.TumblingWindowInSeconds != nil), ("BisectBatchOnFunctionError", input.BisectBatchOnFunctionError != nil),
            ("MaximumRetryAttempts", input.MaximumRetryAttempts != nil), ("MaximumRecordAgeInSeconds", input.MaximumRecordAgeInSeconds != nil),
            ("DestinationConfig", input.DestinationConfig != nil),
        ]
        if let (name, _) = given.first(where: \.1) {
            throw AWSError.invalidParameter("Unsupported \(name) parameter for this event source type (SQS).")
        }
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

    public func update(_ uuid: String, _ input: UpdateEventSourceMappingRequest, account: Account) async throws -> EventSourceMappingConfiguration {
        var (mapping, lastResult) = try find(uuid)
        if let name = input.FunctionName {
            (mapping.functionName, mapping.qualifier) = try functions.checkExists(name, account: account)
        }
        if mapping.isQueue { try Self.refuseStreamSettings(input) }
        let wasEnabled = mapping.enabled
        apply(input, to: &mapping)
        mapping.lastModified = Date().timeIntervalSince1970
        try mapping.validate()
        try await checkDestination(input.DestinationConfig, account: account)
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
        if let v = input.ScalingConfig { m.maximumConcurrency = v.MaximumConcurrency }
        // An empty Destination removes it, as on AWS.
        if let v = input.DestinationConfig?.OnFailure { m.onFailureDestination = v.Destination.flatMap { $0.isEmpty ? nil : $0 } }
    }

    private func configuration(_ mapping: EventSourceMapping, lastResult: String, state: String? = nil) -> EventSourceMappingConfiguration {
        let live = status.withLock { $0[mapping.uuid]?.lastResult }
        let state = state ?? (mapping.enabled ? "Enabled" : "Disabled")
        // AWS answers "User action" for stream mappings and "USER_INITIATED" for queue mappings.
        return EventSourceMappingConfiguration(mapping, account: account, state: state, reason: mapping.isQueue ? "USER_INITIATED" : "User action",
                                               lastResult: live ?? lastResult)
    }

    // MARK: Pollers

    /// Runs the consumers of every enabled mapping, starting and stopping them as the API
    /// changes mappings, until cancelled. In a cluster it also reads the mapping list every
    /// poll interval, since another node's API changes are told only to that node.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for entry in (try? store.all()) ?? [] where entry.mapping.enabled {
                startPollers(entry.mapping, in: &group)
            }
            let ticker = OneShot()
            if let interval = claims?.pollInterval {
                group.addTask { [commands] in
                    await withTaskGroup(of: Void.self) { inner in
                        inner.addTask { await ticker.wait() }
                        inner.addTask {
                            while !Task.isCancelled {
                                try? await Task.sleep(for: interval)
                                commands.yield(.refresh)
                            }
                        }
                        await inner.next()
                        inner.cancelAll()
                    }
                }
            }
            for await command in commandStream {
                switch command {
                case .start(let given):
                    // As stored (what a refresh compares with), unless it cannot be read.
                    let mapping = (try? store.get(given.uuid))?.mapping ?? given
                    if running.withLock({ $0[mapping.uuid]?.mapping }) == mapping { continue }
                    stopPollers(mapping.uuid)
                    startPollers(mapping, in: &group)
                case .stop(let uuid):
                    stopPollers(uuid)
                case .refresh:
                    refresh(in: &group)
                }
            }
            ticker.fire()
            for signal in running.withLock({ $0.values.map(\.stop) }) { signal.fire() }
        }
    }

    /// Starts what the mapping list has and this node does not run (or runs with other
    /// settings), and stops what it no longer has enabled.
    private func refresh(in group: inout DiscardingTaskGroup) {
        guard let entries = try? store.all() else { return }
        let wanted = Dictionary(entries.filter(\.mapping.enabled).map { ($0.mapping.uuid, $0.mapping) }, uniquingKeysWith: { a, _ in a })
        let current = running.withLock { $0.mapValues(\.mapping) }
        for uuid in current.keys where wanted[uuid] == nil { stopPollers(uuid) }
        for (uuid, mapping) in wanted.sorted(by: { $0.key < $1.key }) where current[uuid] != mapping {
            stopPollers(uuid)
            startPollers(mapping, in: &group)
        }
    }

    private func startPollers(_ mapping: EventSourceMapping, in group: inout DiscardingTaskGroup) {
        let stop = OneShot()
        running.withLock { $0[mapping.uuid] = (mapping, stop) }
        group.addTask { [self] in
            await withTaskGroup(of: Void.self) { inner in
                inner.addTask { await stop.wait() }
                inner.addTask {
                    // A queue is shared safely by consumers on every node (below); a stream is
                    // read by the node holding the mapping's claim.
                    if let claims = self.claims, !mapping.isQueue {
                        await claims.whileClaimed(mapping.uuid) { fence in
                            await self.consume(mapping, claim: ConsumerClaim(fence: fence, pollInterval: claims.pollInterval))
                        }
                    } else {
                        await self.consume(mapping, claim: nil)
                    }
                }
                await inner.next()
                inner.cancelAll()
            }
        }
    }

    /// Runs a mapping's consumers until cancelled: resolves its source (retrying while it is
    /// missing), then one consumer per partition of a stream or MaximumConcurrency of a queue.
    private func consume(_ mapping: EventSourceMapping, claim: ConsumerClaim?) async {
        guard let claim else { return await consumeSource(mapping, claim: nil) }
        // Under a claim: when one consumer's fenced checkpoint write is refused, all stop.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await claim.lost.wait() }
            group.addTask { await self.consumeSource(mapping, claim: claim) }
            await group.next()
            group.cancelAll()
            claim.lost.fire()
        }
    }

    private func consumeSource(_ mapping: EventSourceMapping, claim: ConsumerClaim?) async {
        let report: @Sendable (Int64?, String) -> Void = { [self] age, result in
            self.record(mapping.uuid, iteratorAgeMs: age, lastResult: result)
            if let age { self.iteratorAgeObserver(mapping.functionName, age) }
        }
        var source: ResolvedSource?
        while source == nil, !Task.isCancelled {
            do {
                source = try await sources.resolve(arn: mapping.eventSourceArn)
                if source == nil { report(nil, "PROBLEM: Unrecognized event source: \(mapping.eventSourceArn)") }
            } catch {
                report(nil, mapping.isQueue ? "PROBLEM: Queue not found: \(mapping.eventSourceArn)" : "PROBLEM: Stream not found: \(mapping.eventSourceArn)")
            }
            if source == nil { try? await Task.sleep(for: .seconds(1)) }
        }
        guard let source else { return }
        await withDiscardingTaskGroup { group in
            switch source {
            case .sharded(let stream):
                let functionArn = account.inRegion(mapping.region).lambdaFunctionARN(mapping.functionName, qualifier: mapping.qualifier)
                var delivery = BatchDelivery(settings: mapping, sourceArn: mapping.eventSourceArn, functionArn: functionArn, kind: stream.kind,
                                             invoker: functions, logger: logger, report: report) { [logs, destinations, logger] record in
                    // Always logged; also sent to the OnFailure destination when one is set.
                    logs.append(group: "/petrel/event-source-mappings/\(mapping.uuid)", stream: "failures",
                                events: [LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: String(decoding: record, as: UTF8.self))])
                    guard let destination = mapping.onFailureDestination else { return }
                    do {
                        guard let destinations else { throw AWSError.invalidParameter("No destinations are served.") }
                        try destinations.send(record, to: destination)
                    } catch {
                        logger.error("Event source mapping \(mapping.uuid): cannot send a given-up batch's record to \(destination) (it is in the mapping's failures log): \(error)")
                    }
                }
                delivery.beforeCheckpoint = settleLogs
                if stream.kind == .kinesis {
                    delivery.identityArn = (functions as? any FunctionIdentifying)?.roleArn(of: delivery.target)
                }
                if stream.checkpointsByShard {
                    let shards = ShardCoordinator(mapping: mapping, source: stream, store: store, delivery: delivery, logger: logger, claim: claim)
                    group.addTask { await shards.run() }
                    return
                }
                for partition in 0..<mapping.parallelizationFactor {
                    let consumer = ShardConsumer(mapping: mapping, partition: partition, source: stream, store: store, delivery: delivery, logger: logger,
                                                 claim: claim)
                    group.addTask { await consumer.run() }
                }
            case .queue(let queue):
                for _ in 0..<mapping.queueConsumers {
                    var consumer = QueueConsumer(mapping: mapping, source: queue, invoker: functions, logger: logger, report: report)
                    consumer.beforeDelete = settleLogs
                    group.addTask { await consumer.run() }
                }
            }
        }
    }

    /// Writes the buffered log events (the function's lines of the batch just done) before a
    /// checkpoint moves or messages are deleted: after a kill -9 every record the mapping
    /// finished has its invocation's log lines stored. A failed write is only logged: the
    /// records were delivered, and the log writer retries the lines.
    private var settleLogs: @Sendable () -> Void { Self.logSettler(logs, logger: logger) }

    static func logSettler(_ logs: LogStore, logger: Logger) -> @Sendable () -> Void {
        {
            do { try logs.flush() } catch { logger.warning("Event source mapping: cannot write the function's log lines before the checkpoint: \(error)") }
        }
    }

    /// Keeps a consumer's latest figures; the processing result is also stored when it changes.
    private func record(_ uuid: String, iteratorAgeMs: Int64?, lastResult: String) {
        let changed: Bool = status.withLock { s in
            let previous = s[uuid]?.lastResult
            s[uuid] = (iteratorAgeMs ?? s[uuid]?.iteratorAgeMs, lastResult)
            return previous != lastResult
        }
        if changed { try? store.saveLastResult(uuid, lastResult) }
    }

    private func stopPollers(_ uuid: String) {
        running.withLock { $0.removeValue(forKey: uuid) }?.stop.fire()
    }

    public func shutdown() {
        commands.finish()
    }
}
