import Foundation
import Logging
import PetrelStore
import Synchronization

/// This node's place in the cluster: its id and advertised URL, its heartbeat in
/// `cluster_nodes`, and the leases that keep run-once work (schedules, trail delivery, TTL
/// expiry, the async queue…) on one node at a time. On SQLite there is one node, which holds
/// every lease, so everything runs as it did before there were leases.
public final class ClusterNode: Sendable {
    public let id: String
    public let advertise: String
    public let leaseMs: Int64
    public let leases: LeaseStore
    public let registry: NodeRegistry
    let logger: Logger
    /// (capacity, running instances) for the heartbeat.
    let load: @Sendable () async -> (capacity: Int, running: Int)
    private let liveCache = Mutex<(at: ContinuousClock.Instant, count: Int)?>(nil)

    public init(id: String, advertise: String, database: any SQLDatabase, leaseSeconds: Double, logger: Logger,
                load: @escaping @Sendable () async -> (capacity: Int, running: Int)) {
        self.id = id
        self.advertise = advertise
        self.leaseMs = Int64(leaseSeconds * 1000)
        self.leases = LeaseStore(database: database, durationMs: leaseMs)
        self.registry = NodeRegistry(database: database, leaseMs: leaseMs)
        self.logger = logger
        self.load = load
    }

    /// How often the heartbeat is written: about 2 s, and at least three times a lease.
    public var heartbeatInterval: Duration { .milliseconds(Int(min(2000, leaseMs / 3))) }
    /// How often a held lease is renewed, and a free one tried: three times a lease, at most every 2 s.
    public var renewInterval: Duration { .milliseconds(Int(min(2000, leaseMs / 3))) }

    /// Heartbeats until cancelled (a failed heartbeat is retried on the next tick: the node
    /// shows as dead to the others if the database stays unreachable for a lease time).
    public func run() async {
        let first = await load()
        do {
            try await registry.register(node: id, advertise: advertise, capacity: first.capacity)
        } catch {
            logger.error("Could not register node \(id) in cluster_nodes (retried with each heartbeat): \(error)")
        }
        while !Task.isCancelled {
            do { try await Task.sleep(for: heartbeatInterval) } catch { return }
            let now = await load()
            do {
                try await registry.heartbeat(node: id, advertise: advertise, capacity: now.capacity, running: now.running)
            } catch {
                logger.warning("Node \(id): heartbeat failed (retried in \(heartbeatInterval)): \(error)")
            }
        }
    }

    /// Runs `body` only while this node holds the lease `name`: waits for it, runs `body`
    /// with the hold (its token fences the body's writes, `LeaseStore.assertHeld`), renews it,
    /// and cancels `body` as soon as a renewal finds it lost or cannot confirm it before it
    /// would expire. Then it waits for the lease again. Returns when cancelled, releasing the
    /// lease so another node can take it at once.
    public func whileHolding(_ name: String, _ body: @escaping @Sendable (LeaseHold) async -> Void) async {
        await holdLoop(name, group: nil) { hold, _ in await body(hold) }
    }

    /// As `whileHolding(_:_:)`, for one lease of a group spread over the nodes: it is tried only
    /// while this node holds less than its fair share of the group (`LeaseShare`, given the live
    /// nodes in `cluster_nodes`), and handed over when this node holds more than its share
    /// (another node joined): `handover.requested` turns true, the body is given up to `grace`
    /// (still renewing) to stop at a clean point, is cancelled if it has not, and the lease is
    /// released. A lease whose holder died is taken by a node below its share once it expires.
    public func whileHolding(_ name: String, in group: LeaseGroup, grace: Duration = .seconds(10),
                             _ body: @escaping @Sendable (LeaseHold, LeaseHandover) async -> Void) async {
        group.join(name)
        defer { group.leave(name) }
        await holdLoop(name, group: group, grace: grace, body)
    }

    private func holdLoop(_ name: String, group: LeaseGroup?, grace: Duration = .zero,
                          _ body: @escaping @Sendable (LeaseHold, LeaseHandover) async -> Void) async {
        while !Task.isCancelled {
            if let group, !group.reserve(name, liveNodes: await liveNodes()) {
                do { try await Task.sleep(for: renewInterval) } catch { return }
                continue
            }
            let hold: LeaseHold?
            do {
                hold = try await leases.acquire(name, node: id)
            } catch {
                logger.warning("Node \(id): could not try lease \(name): \(error)")
                hold = nil
            }
            guard let hold else {
                group?.unreserve(name)
                do { try await Task.sleep(for: renewInterval) } catch { return }
                continue
            }
            logger.info("Node \(id) holds lease \(name) (token \(hold.token))")
            var shed: (@Sendable () async -> Bool)?
            if let group {
                shed = { [self] in
                    let live = await self.liveNodes()
                    return group.shed(name, liveNodes: live)
                }
            }
            let end = await runHolding(hold, shed: shed, grace: grace, body)
            group?.unreserve(name)
            switch end {
            case .lost:
                logger.warning("Node \(id) lost lease \(name) (token \(hold.token)); its work stopped")
            case .shed:
                try? leases.release(hold)
                logger.info("Node \(id) let lease \(name) go (token \(hold.token)): it held more than its share of \(group?.name ?? name)")
                // Give the nodes below their share the first chance at it.
                do { try await Task.sleep(for: renewInterval * 2) } catch { return }
            case .ended:
                try? leases.release(hold)
                if Task.isCancelled { return }
                // The body stopped by itself (its fenced write failed, or it gave up): try again later.
                do { try await Task.sleep(for: renewInterval) } catch { return }
            }
        }
    }

    enum HoldEnd { case ended, lost, shed }

    /// Runs `body` beside the renewals until the body ends (a shutdown, or it stopped by
    /// itself), or the lease is lost. When `shed` says to let it go after a renewal, the body is
    /// asked to hand over and given `grace` to end (the renewals go on meanwhile).
    private func runHolding(_ hold: LeaseHold, shed: (@Sendable () async -> Bool)?, grace: Duration,
                            _ body: @escaping @Sendable (LeaseHold, LeaseHandover) async -> Void) async -> HoldEnd {
        let handover = LeaseHandover()
        let end = await withTaskGroup(of: HoldEnd.self) { group in
            group.addTask {
                await body(hold, handover)
                return .ended
            }
            group.addTask { [self] in
                // The lease is surely ours until `deadline` by this node's monotonic clock: a
                // renewal sets the expiry from the database's clock after it was sent.
                let clock = ContinuousClock()
                var deadline = clock.now + .milliseconds(Int(leaseMs))
                var handingOverSince: ContinuousClock.Instant?
                while !Task.isCancelled {
                    if let since = handingOverSince, clock.now - since >= grace { return .shed }
                    let wait = min(renewInterval, deadline - clock.now - .milliseconds(200))
                    if wait > .zero {
                        do { try await Task.sleep(for: wait) } catch { return .ended }
                    }
                    let sent = clock.now
                    do {
                        if try await leases.renew(hold) {
                            deadline = sent + .milliseconds(Int(leaseMs))
                            if handingOverSince == nil, let shed, await shed() {
                                handover.request()
                                handingOverSince = clock.now
                                if grace <= .zero { return .shed }
                            }
                            continue
                        }
                        return .lost
                    } catch {
                        logger.warning("Node \(id): could not renew lease \(hold.name): \(error)")
                        if clock.now >= deadline - .milliseconds(200) { return .lost }
                    }
                }
                return .ended
            }
            let first = await group.next() ?? .ended
            group.cancelAll()
            return first
        }
        // A body that stopped because it was asked to hand over ended a handover.
        return end == .ended && handover.requested ? .shed : end
    }

    /// The live nodes in `cluster_nodes` (this one at least), read at most once per renewal
    /// interval: what a group's fair share is computed from.
    public func liveNodes() async -> Int {
        let clock = ContinuousClock()
        if let cached = liveCache.withLock({ $0 }), clock.now - cached.at < renewInterval { return cached.count }
        let previous = liveCache.withLock { $0?.count } ?? 1
        let count: Int
        do {
            count = max(1, try registry.all().filter(\.alive).count)
        } catch {
            logger.warning("Node \(id): could not read the live nodes: \(error)")
            count = previous
        }
        liveCache.withLock { $0 = (clock.now, count) }
        return count
    }

    /// The nodes and leases, for `petrel status`.
    public func status() throws -> [String: Any] {
        let nodes = try registry.all()
        let (now, leases) = try self.leases.all()
        return [
            "nodeId": id,
            "advertise": advertise,
            "leaseSeconds": Double(leaseMs) / 1000,
            "nodes": nodes.map { node -> [String: Any] in
                ["id": node.id, "advertise": node.advertise, "alive": node.alive, "heartbeatAgeMs": Int(node.heartbeatAgeMs),
                 "capacity": node.capacity, "running": node.running]
            },
            "leases": leases.map { lease -> [String: Any] in
                var row: [String: Any] = ["name": lease.name, "token": Int(lease.token),
                                          "expiresInMs": lease.holder == nil ? 0 : Int(max(0, lease.expiresAt - now))]
                if let holder = lease.holder, lease.expiresAt > now { row["holder"] = holder }
                return row
            },
        ]
    }
}
