/// An enhanced fan-out consumer as stored.
public struct ConsumerRecord: Sendable, Equatable {
    public var id: Int64
    public var streamID: Int64
    public var name: String
    public var arn: String
    /// Epoch milliseconds.
    public var createdMs: Int64
    /// When DeregisterStreamConsumer was called (epoch milliseconds); nil while registered.
    public var deregisteredMs: Int64?
}

/// A consumer's status, from when it was registered and deregistered: CREATING for `delayMs`
/// after registration, then ACTIVE; DELETING for `delayMs` after deregistration, then gone
/// (nil), as AWS's consumers move through their states. Pure.
public enum ConsumerState: String, Sendable, Equatable {
    case creating = "CREATING"
    case active = "ACTIVE"
    case deleting = "DELETING"

    public static func of(createdMs: Int64, deregisteredMs: Int64?, delayMs: Int64, nowMs: Int64) -> ConsumerState? {
        if let gone = deregisteredMs {
            return nowMs - gone < delayMs ? .deleting : nil
        }
        return nowMs - createdMs < delayMs ? .creating : .active
    }

    public static func of(_ consumer: ConsumerRecord, delayMs: Int64, nowMs: Int64) -> ConsumerState? {
        of(createdMs: consumer.createdMs, deregisteredMs: consumer.deregisteredMs, delayMs: delayMs, nowMs: nowMs)
    }
}
