import Foundation
import Logging

/// Consumes one partition (ParallelizationFactor) of one mapping's sharded source: reads
/// after the checkpoint, lets `BatchAssembler` decide what to deliver and when, delivers
/// through `BatchDelivery`, and moves the durable checkpoint only past records that are done.
/// One loop for every mode: plain, batching window, tumbling windows.
struct ShardConsumer: Sendable {
    let mapping: EventSourceMapping
    let partition: Int
    let source: any ShardedSource
    let store: MappingStore
    let delivery: BatchDelivery
    let logger: Logger
    /// The shard to consume (a source with several: one consumer per shard and partition);
    /// nil: the source's single current shard.
    var shard: String? = nil
    /// In a cluster: the claim this consumer runs under (its checkpoint writes are fenced by it,
    /// and it reads its source every poll interval when idle). Nil on a single node.
    var claim: ConsumerClaim? = nil

    var windowed: Bool { mapping.tumblingWindowInSeconds > 0 }

    /// Runs until cancelled, or until its shard is closed and read to the end (returns true).
    @discardableResult
    func run() async -> Bool {
        let filters = mapping.filterPatterns.compactMap { try? EventFilter(pattern: $0) }
        guard let loaded = await loadCheckpoint(), let shard = await currentShard() else { return false }
        var position = loaded.position
        var window = loaded.window
        let limits = BatchLimits(batchSize: mapping.batchSize, batchingWindowSeconds: mapping.maximumBatchingWindowInSeconds,
                                 tumblingWindowSeconds: mapping.tumblingWindowInSeconds)
        let readLimit = min(10_000, max(mapping.batchSize, 100))
        let seconds = Double(mapping.tumblingWindowInSeconds)
        var firstSeen: Date?
        while !Task.isCancelled {
            // Handing the mapping over to another node: stop here, where everything delivered
            // is checkpointed (an idle wait ends within the poll interval).
            if let claim, claim.fence.handingOver() { return false }
            let records: [SourceRecord]
            do throws(EventSourceError) {
                records = try source.read(shard: shard, after: position, limit: readLimit)
            } catch {
                switch error {
                case .trimmed:
                    // The records after the checkpoint expired: they are lost to this mapping, as
                    // on AWS. Go on from the oldest retained record (the next delivery saves it).
                    logger.warning("Event source mapping \(mapping.uuid): records after \(position ?? "the start") expired from the source; continuing at the oldest retained record")
                    delivery.report(nil, "PROBLEM: Records expired before they were processed")
                    position = nil
                case .notFound:
                    if let ending = source as? any EndingShardedSource, (try? ending.shardEnded(shard: shard, after: position)) == true {
                        return true
                    }
                    delivery.report(nil, "PROBLEM: Stream not found: \(mapping.eventSourceArn)")
                    await pause(seconds: 1)
                case .unavailable(let why):
                    delivery.report(nil, "PROBLEM: \(why)")
                    await pause(seconds: 1)
                }
                continue
            }
            let now = Date()
            let assembly = BatchAssembler.assemble(records, after: position, partition: partition, partitions: mapping.parallelizationFactor,
                                                   filters: filters, limits: limits, readWasFull: records.count >= readLimit,
                                                   firstSeen: firstSeen, now: now)
            // Close the open tumbling window once its time is over and nothing of it is left.
            if let open = window, now.timeIntervalSince1970 >= open.start + seconds, assembly.windowStart.map({ $0 != open.start }) ?? true {
                guard await delivery.deliverWindow([], windowStart: open.start, state: open.state, final: true, shardId: shard) != nil else { return false }
                window = nil
                guard save(position, window: nil) else { return false }
                continue
            }
            if assembly.batch.isEmpty {
                firstSeen = nil
                if assembly.lastScanned != position {
                    // Only other partitions' or filtered-out records: move past them.
                    position = assembly.lastScanned
                    guard save(position, window: window) else { return false }
                    continue
                }
                if window == nil, let ending = source as? any EndingShardedSource, (try? ending.shardEnded(shard: shard, after: position)) == true {
                    return true
                }
                let windowEnd = window.map { Date(timeIntervalSince1970: $0.start + seconds) }
                await waitForChange(shard: shard, after: position, until: windowEnd)
                continue
            }
            if let until = assembly.waitUntil {
                // Not full and its batching window is open: wait for more, or the window's end.
                firstSeen = firstSeen ?? now
                await waitForChange(shard: shard, after: records.last?.position ?? position, until: until)
                continue
            }
            firstSeen = nil
            if windowed, let start = assembly.windowStart {
                let state = window.flatMap { $0.start == start ? $0.state : nil } ?? Data("{}".utf8)
                guard var newState = await delivery.deliverWindow(assembly.batch, windowStart: start, state: state, final: false, shardId: shard) else { return false }
                if DeliveryPolicy.terminatesWindowEarly(state: newState) {
                    // The state outgrew 1 MB: AWS ends the window here with a final invocation.
                    guard await delivery.deliverWindow([], windowStart: start, state: newState, final: true, early: true, shardId: shard) != nil else { return false }
                    newState = Data("{}".utf8)
                }
                window = (start, newState)
            } else {
                guard await delivery.deliver(assembly.batch, shardId: shard) else { return false }
            }
            position = assembly.lastScanned
            guard save(position, window: window) else { return false }
        }
        return false
    }

    /// The key its checkpoint rows are stored under: the shard, or '' for a single-shard source.
    var checkpointKey: String { source.checkpointsByShard ? (shard ?? "") : "" }

    /// The checkpoint (and open window), retried until it can be read: a failed read must
    /// never restart the mapping from the oldest record. Nil if cancelled first.
    func loadCheckpoint() async -> (position: String?, window: (start: Double, state: Data)?)? {
        while !Task.isCancelled {
            do {
                let position = source.checkpointsByShard
                    ? try store.ensureCheckpoint(mapping.uuid, shard: checkpointKey, partition: partition)
                    : try store.checkpoint(mapping.uuid, partition: partition)
                let window = windowed ? try store.window(mapping.uuid, shard: checkpointKey, partition: partition) : nil
                return (position, window)
            } catch {
                logger.error("Event source mapping \(mapping.uuid): cannot read its checkpoint: \(error)")
                delivery.report(nil, "PROBLEM: Cannot read the mapping's checkpoint")
                await pause(seconds: 1)
            }
        }
        return nil
    }

    /// The shard to consume: the one it was given, or a single-shard source's current shard.
    func currentShard() async -> String? {
        if let shard { return shard }
        while !Task.isCancelled {
            do {
                let shards = try source.shards()
                if let shard = shards.first(where: { !$0.closed }) ?? shards.last { return shard.id }
                delivery.report(nil, "PROBLEM: The stream has no shards")
            } catch {
                delivery.report(nil, "PROBLEM: \(error.description)")
            }
            await pause(seconds: 1)
        }
        return nil
    }

    /// Moves the checkpoint; false when its claim's fence refused the write (another node holds
    /// the mapping now: this consumer stops, and so do the mapping's others on this node).
    func save(_ position: String?, window: (start: Double, state: Data)?) -> Bool {
        delivery.beforeCheckpoint()
        do {
            if windowed {
                try store.saveCheckpoint(mapping.uuid, shard: checkpointKey, partition: partition, sequence: position, window: window,
                                         fence: claim?.fence)
            } else if let position {
                try store.saveCheckpoint(mapping.uuid, shard: checkpointKey, partition: partition, sequence: position, lastResult: nil,
                                         fence: claim?.fence)
            }
        } catch let fenced as CheckpointFenced {
            logger.warning("\(fenced) (shard \(checkpointKey.isEmpty ? "-" : checkpointKey), partition \(partition)); its consumers here stop")
            claim?.lost.fire()
            return false
        } catch {
            // The records are delivered; at worst they are delivered again after a restart.
            logger.error("Event source mapping \(mapping.uuid): cannot save its checkpoint: \(error)")
        }
        return true
    }

    func waitForChange(shard: String, after position: String?, until deadline: Date?) async {
        let source = self.source
        var deadline = deadline
        if let poll = claim?.pollInterval {
            // Under a claim, a commit through another node wakes nothing here: read again soon.
            let next = Date().addingTimeInterval(Double(poll.components.seconds) + Double(poll.components.attoseconds) / 1e18)
            deadline = min(deadline ?? next, next)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await source.waitForChange(shard: shard, after: position) }
            if let deadline {
                group.addTask { try? await Task.sleep(for: .milliseconds(Int(max(0.005, deadline.timeIntervalSinceNow) * 1000) + 5)) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    func pause(seconds: Double) async {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }
}
