import Foundation
import PetrelCore

/// DynamoDB's capacity-unit accounting: a write unit per started 1 KB of item size, a strongly
/// consistent read unit per started 4 KB (eventually consistent: half); transactional
/// operations cost double. Sizes are `Item.itemSize`, the same figure the 400 KB limit uses.
enum CapacityUnits {
    static func write(bytes: Int, transactional: Bool = false) -> Double {
        let units = Double(max(1, (bytes + 1023) / 1024))
        return transactional ? units * 2 : units
    }

    static func read(bytes: Int, consistent: Bool, transactional: Bool = false) -> Double {
        let units = Double(max(1, (bytes + 4095) / 4096))
        if transactional { return units * 2 }
        return consistent ? units : units / 2
    }
}

/// Provisioned throughput as a token bucket with DynamoDB's burst window: capacity refills at
/// the provisioned units per second and up to `burstSeconds` of unused capacity is banked.
///
/// A request is admitted while the balance is positive and is then charged what it actually
/// consumed, which may take the balance below zero (an item's size is known only once it has
/// been read or written); later requests are throttled until refill pays the debt back.
/// Pure: the caller passes the time in seconds.
struct CapacityBucket: Sendable, Equatable {
    static let burstSeconds = 300.0

    let unitsPerSecond: Double
    private(set) var balance: Double
    private(set) var updatedAt: Double

    /// A new bucket starts with a full burst bank, as a new DynamoDB table roughly does.
    init(unitsPerSecond: Double, now: Double) {
        self.unitsPerSecond = unitsPerSecond
        self.balance = unitsPerSecond * CapacityBucket.burstSeconds
        self.updatedAt = now
    }

    var bank: Double { unitsPerSecond * CapacityBucket.burstSeconds }

    mutating func refill(now: Double) {
        guard now > updatedAt else { return }
        balance = min(bank, balance + (now - updatedAt) * unitsPerSecond)
        updatedAt = now
    }

    /// Whether a request may start now.
    mutating func admits(now: Double) -> Bool {
        refill(now: now)
        return balance > 0
    }

    /// Charges what a request consumed.
    mutating func spend(_ units: Double, now: Double) {
        refill(now: now)
        balance -= units
    }
}

/// The in-memory buckets of every provisioned table and global secondary index, by table id.
/// A bucket whose table's provisioned figure has changed (UpdateTable) is replaced by a fresh one.
final class CapacityMeter: Sendable {
    enum Kind: Sendable { case read, write }
    private struct Key: Hashable { var table: Int64; var index: String; var kind: Kind }

    private let buckets = Locked([Key: CapacityBucket]())
    private let now: @Sendable () -> Double

    init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.now = now
    }

    static let exceeded = AWSError("ProvisionedThroughputExceededException", status: 400,
        "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")

    /// Units per second provisioned for the table (index nil) or a global index; nil: not throttled.
    static func rate(_ table: TableDefinition, index: String?, _ kind: Kind) -> Double? {
        guard table.billingMode == "PROVISIONED" else { return nil }
        let setting = index.map { name in table.indexes.first { $0.name == name && !$0.isLocal }?.throughput } ?? table.throughput
        guard let setting else { return nil }
        return Double(kind == .read ? setting.read : setting.write)
    }

    /// Whether the table is throttled at all (PAY_PER_REQUEST tables never are).
    static func isProvisioned(_ table: TableDefinition) -> Bool {
        table.billingMode == "PROVISIONED" && table.throughput != nil
    }

    private func withBucket<R>(_ table: TableDefinition, index: String?, _ kind: Kind, _ body: (inout CapacityBucket, Double) -> R) -> R? {
        guard let rate = CapacityMeter.rate(table, index: index, kind) else { return nil }
        let key = Key(table: table.id, index: index ?? "", kind: kind)
        let t = now()
        return buckets.withLock { all in
            var bucket = all[key].flatMap { $0.unitsPerSecond == rate ? $0 : nil } ?? CapacityBucket(unitsPerSecond: rate, now: t)
            let result = body(&bucket, t)
            all[key] = bucket
            return result
        }
    }

    /// Writes need the table's and every provisioned global index's capacity.
    func admitsWrite(_ table: TableDefinition) -> Bool {
        guard CapacityMeter.isProvisioned(table) else { return true }
        let names: [String?] = [nil] + table.indexes.filter { !$0.isLocal }.map(\.name)
        return names.allSatisfy { withBucket(table, index: $0, .write) { b, t in b.admits(now: t) } ?? true }
    }

    func admitsRead(_ table: TableDefinition, index: String? = nil) -> Bool {
        guard CapacityMeter.isProvisioned(table) else { return true }
        return withBucket(table, index: index, .read) { b, t in b.admits(now: t) } ?? true
    }

    func checkWrite(_ table: TableDefinition) throws(AWSError) {
        if !admitsWrite(table) { throw CapacityMeter.exceeded }
    }

    func checkRead(_ table: TableDefinition, index: String? = nil) throws(AWSError) {
        if !admitsRead(table, index: index) { throw CapacityMeter.exceeded }
    }

    /// Charges a write to the table and to each provisioned global index (a GSI is charged the
    /// same units as the table: Petrel does not size the projected copy separately).
    func spendWrite(_ table: TableDefinition, units: Double) {
        guard CapacityMeter.isProvisioned(table) else { return }
        let names: [String?] = [nil] + table.indexes.filter { !$0.isLocal }.map(\.name)
        for name in names { _ = withBucket(table, index: name, .write) { b, t in b.spend(units, now: t) } }
    }

    /// A write costs by the larger of the item before and after it (AWS's rule).
    static func writeUnits(_ outcome: ItemMutation.Outcome, transactional: Bool = false) -> Double {
        CapacityUnits.write(bytes: max(outcome.old?.itemSize ?? 0, outcome.new?.itemSize ?? 0), transactional: transactional)
    }

    func spendRead(_ table: TableDefinition, index: String? = nil, units: Double) {
        guard CapacityMeter.isProvisioned(table) else { return }
        _ = withBucket(table, index: index, .read) { b, t in b.spend(units, now: t) }
    }
}
