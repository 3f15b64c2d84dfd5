import Foundation
import Logging
import PetrelCore
import PetrelStore
import Synchronization

/// Where CloudTrail writes besides its own tables.
public struct TrailSinks: Sendable {
    /// Stores a log file in a bucket (through the object store, so notifications fire).
    public var putObject: @Sendable (_ bucket: String, _ key: String, _ data: Data) throws -> Void
    public var bucketExists: @Sendable (_ bucket: String) -> Bool
    /// "AWS API Call via CloudTrail" events for EventBridge's default bus.
    public var emit: @Sendable (_ record: JSONValue) -> Void

    public init(putObject: @escaping @Sendable (String, String, Data) throws -> Void, bucketExists: @escaping @Sendable (String) -> Bool,
                emit: @escaping @Sendable (JSONValue) -> Void) {
        self.putObject = putObject
        self.bucketExists = bucketExists
        self.emit = emit
    }
}

/// AWS CloudTrail: records every call Petrel serves (`record` appends to a buffer; `run`
/// writes batches off the request path), keeps management events 90 days for LookupEvents,
/// and delivers gzipped log files to logging trails' buckets every `deliverySeconds`.
public final class CloudTrailService: Sendable {
    let store: TrailStore
    let accountID: String
    let sinks: TrailSinks
    let logger: Logger
    let deliverySeconds: Double
    private let buffer = Mutex<[APICall]>([])
    /// Logging trails and their selectors, reloaded after each trail write.
    private let trails = Mutex<[(TrailStore.Trail, TrailSelectors)]>([])
    private let dataWanted = Atomic<Bool>(false)
    /// Records waiting for the next delivery, per trail (region + name).
    private let pending = Mutex<[String: [JSONValue]]>([:])
    static let retention: Double = 90 * 86_400
    public static let targetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

    public init(store: Store, accountID: String, sinks: TrailSinks, logger: Logger, deliverySeconds: Double) {
        self.store = TrailStore(database: store.database)
        self.accountID = accountID
        self.sinks = sinks
        self.logger = logger
        self.deliverySeconds = deliverySeconds
        reloadTrails()
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        TrailStore.registerMigrations(&migrator)
    }

    /// Whether a call of this kind is recorded (data events only while a logging trail selects them).
    public func wants(source: String, name: String) -> Bool {
        name.isEmpty || !APICall.isDataEvent(source: source, name: name) || dataWanted.load(ordering: .relaxed)
    }

    /// On the request path: one append (data events only when a logging trail asks for them).
    public func record(_ call: APICall) {
        if call.isDataEvent, !dataWanted.load(ordering: .relaxed) { return }
        buffer.withLock { $0.append(call) }
    }

    func reloadTrails() {
        let loaded = ((try? store.trails(region: nil)) ?? []).filter(\.logging).map { ($0, TrailSelectors(basic: $0.selectors, advanced: $0.advancedSelectors)) }
        trails.withLock { $0 = loaded }
        dataWanted.store(loaded.contains { $0.1.wantsDataEvents }, ordering: .relaxed)
    }

    /// Writes what the buffer holds: management events to the history, every record a logging
    /// trail selects to its pending delivery, write calls to EventBridge.
    public func flush() throws {
        let calls = buffer.withLock { b -> [APICall] in defer { b.removeAll() }; return b }
        guard !calls.isEmpty else { return }
        let logging = trails.withLock { $0 }
        var rows: [TrailStore.Row] = []
        var forTrails: [String: [JSONValue]] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for call in calls {
            let record = TrailRecord.build(call, accountID: accountID)
            let management = !call.isDataEvent
            if management {
                let text = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                var resourceType: String?, resourceName: String?
                if case .array(let list)? = record["resources"], let first = list.last {
                    resourceType = first["type"]?.stringValue
                    resourceName = first["ARN"]?.stringValue
                }
                rows.append(.init(eventID: record["eventID"]?.stringValue ?? UUID().uuidString, time: call.time.timeIntervalSince1970,
                                  region: call.region, name: call.eventName, source: call.eventSource,
                                  username: Self.username(call.identity), accessKeyID: call.identity.accessKeyId,
                                  readOnly: call.isReadOnly ? "true" : "false", resourceType: resourceType, resourceName: resourceName,
                                  record: text))
                if !call.isReadOnly { sinks.emit(record) }
            }
            for (trail, selectors) in logging where (trail.multiRegion || trail.region == call.region) && selectors.matches(record) {
                forTrails[trail.region + "\u{1}" + trail.name, default: []].append(record)
            }
        }
        try store.insert(rows)
        if !forTrails.isEmpty {
            pending.withLock { p in for (k, v) in forTrails { p[k, default: []] += v } }
        }
    }

    static func username(_ identity: CallerIdentity) -> String {
        if let name = identity.userName { return name }
        if identity.type == "Root" { return "root" }
        if identity.type == "AssumedRole" { return String(identity.arn.split(separator: "/").last ?? "") }
        return identity.principalId
    }

    /// Until cancelled: flush every 100 ms, deliver every `deliverySeconds`, expire hourly.
    public func run() async {
        var lastDelivery = ContinuousClock.now
        var lastExpiry = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            do { try flush() } catch { logger.error("CloudTrail could not write events: \(error)") }
            if lastDelivery.duration(to: .now) >= .milliseconds(Int(deliverySeconds * 1000)) {
                lastDelivery = .now
                deliver()
            }
            if lastExpiry.duration(to: .now) >= .seconds(3600) {
                lastExpiry = .now
                try? store.expire(before: Date().timeIntervalSince1970 - Self.retention)
            }
        }
        try? flush()
        deliver()
    }

    /// Writes each trail's pending records as gzipped `{"Records":[…]}` files, one per region.
    func deliver() {
        let batches = pending.withLock { p -> [String: [JSONValue]] in defer { p.removeAll() }; return p }
        for (key, records) in batches where !records.isEmpty {
            let parts = key.split(separator: "\u{1}").map(String.init)
            guard parts.count == 2, var trail = try? store.trail(region: parts[0], name: parts[1]), trail.logging else { continue }
            let byRegion = Dictionary(grouping: records) { $0["awsRegion"]?.stringValue ?? trail.region }
            let now = Date()
            var failure: String?
            for (region, list) in byRegion {
                let objectKey = LogFileKey.make(prefix: trail.keyPrefix, account: accountID, region: region, time: now)
                do {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.withoutEscapingSlashes]
                    let json = try encoder.encode(JSONValue.object(["Records": .array(list)]))
                    try sinks.putObject(trail.bucket, objectKey, try Gzip.compress(json))
                } catch {
                    failure = "\(error)"
                    logger.error("CloudTrail could not deliver to s3://\(trail.bucket)/\(objectKey): \(error)")
                }
            }
            trail.lastDelivery = now.timeIntervalSince1970
            trail.lastDeliveryError = failure
            try? store.update(trail)
        }
    }
}

/// `AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`. Pure.
public enum LogFileKey {
    public static func make(prefix: String?, account: String, region: String, time: Date, unique: String = randomUnique()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: time)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        let day = "\(c.year!)/\(two(c.month))/\(two(c.day))"
        let stamp = "\(c.year!)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))Z"
        let path = "AWSLogs/\(account)/CloudTrail/\(region)/\(day)/\(account)_CloudTrail_\(region)_\(stamp)_\(unique).json.gz"
        guard let prefix, !prefix.isEmpty else { return path }
        return prefix + "/" + path
    }

    public static func randomUnique() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<16).map { _ in alphabet.randomElement()! })
    }
}
