import Foundation
import Logging

/// Runs a multi-shard source's consumers (Kinesis): one `ShardConsumer` per (shard, partition),
/// a child shard only once every partition of each of its parents read it to its end, so
/// order per partition key holds across splits and merges. It lists the shards when it starts
/// and again whenever a shard is finished (a split or merge closes a parent, whose consumers
/// then end); it never polls while shards are being read.
struct ShardCoordinator: Sendable {
    let mapping: EventSourceMapping
    let source: any ShardedSource
    let store: MappingStore
    let delivery: BatchDelivery
    let logger: Logger
    /// The claim its consumers run under, in a cluster.
    var claim: ConsumerClaim? = nil

    func run() async {
        let partitions = mapping.parallelizationFactor
        var started = Set<String>()
        var finished: [String: Int] = [:]
        await withTaskGroup(of: String?.self) { group in
            while !Task.isCancelled {
                if let claim, claim.fence.handingOver() {
                    // Handing over: start nothing more; the consumers stop at their next checkpoint.
                    while await group.next() != nil {}
                    return
                }
                var listed: [ShardDescription]?
                do throws(EventSourceError) {
                    listed = try source.shards()
                } catch {
                    if case .notFound = error {
                        delivery.report(nil, "PROBLEM: Stream not found: \(mapping.eventSourceArn)")
                    } else {
                        delivery.report(nil, "PROBLEM: \(error.description)")
                    }
                }
                if let shards = listed {
                    for shard in ShardCoordinator.startable(shards, started: started, finished: finished, partitions: partitions) {
                        started.insert(shard)
                        for partition in 0..<partitions {
                            let consumer = ShardConsumer(mapping: mapping, partition: partition, source: source, store: store,
                                                         delivery: delivery, logger: logger, shard: shard, claim: claim)
                            group.addTask { await consumer.run() ? shard : nil }
                        }
                    }
                }
                if listed == nil || group.isEmpty {
                    // Nothing to read (the listing failed, or every shard is done): look again later.
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                guard let done = await group.next() else { continue }
                if let shard = done {
                    finished[shard, default: 0] += 1
                    if finished[shard] == partitions { logger.info("Event source mapping \(mapping.uuid): shard \(shard) read to its end") }
                }
            }
            group.cancelAll()
        }
    }

    /// The shards whose consumers may start now: not started yet, and every parent still
    /// retained finished by all partitions (a parent gone by retention holds nothing to wait for).
    static func startable(_ shards: [ShardDescription], started: Set<String>, finished: [String: Int], partitions: Int) -> [String] {
        let known = Set(shards.map(\.id))
        return shards.filter { shard in
            !started.contains(shard.id)
                && shard.parents.allSatisfy { !known.contains($0) || finished[$0, default: 0] >= partitions }
        }.map(\.id)
    }
}
