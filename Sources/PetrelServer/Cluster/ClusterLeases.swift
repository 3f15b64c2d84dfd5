/// The names of the leases that keep run-once work on one node of a cluster (docs/cluster.md).
/// Work that is per node is not leased: the log, metric and usage writers flush what their own
/// node buffered; CloudTrail flushes and delivers the calls its own node recorded; the invoker
/// and SQS long polls serve their own node's requests.
enum ClusterLeases {
    static let asyncInvocations = "async-invocations"
    static let tableExpiry = "table-ttl"
    static let objectLifecycle = "s3-lifecycle"
    static let eventBridgeSchedules = "eventbridge-schedules"
    static let eventBridgeRetries = "eventbridge-retries"
    /// One per stream event-source mapping (`ClusterMappingClaims`), spread over the nodes.
    static func eventSourceMapping(_ uuid: String) -> String { "esm:" + uuid }
}
