// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Petrel",
    products: [
        .executable(name: "petrel", targets: ["petrel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        // Ids, ARNs, AWS-shaped errors, JSON values. No I/O.
        .target(name: "PetrelCore"),
        // AWS wire protocols: error rendering, SigV4 header parsing.
        .target(name: "PetrelWire", dependencies: ["PetrelCore"]),
        // Identity and access: SigV4 verification, IAM policy documents and their evaluation,
        // the action and resource of every operation. Pure: no I/O.
        .target(name: "PetrelIdentity", dependencies: [
            "PetrelCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The storage seam (SQLDatabase) and its engines: SQLite (WAL, the embedded default)
        // and PostgreSQL (postgres-nio, a cluster's shared database).
        .target(name: "PetrelStore", dependencies: [
            "PetrelCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // DynamoDB-compatible tables and streams.
        .target(name: "PetrelTables", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // SQS-compatible queues: pure core (visibility, FIFO groups, deduplication, digests) and storage.
        .target(name: "PetrelQueues", dependencies: [
            "PetrelCore", "PetrelStore", "PetrelIdentity",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // AWS's event-pattern language (EventBridge rules, Lambda FilterCriteria). Pure.
        .target(name: "PetrelPatterns", dependencies: ["PetrelCore"]),
        // Kinesis Data Streams-compatible streams: hash-key ranges, sequence numbers, resharding
        // (pure), storage, per-shard limits, and the read API event-source engines use.
        .target(name: "PetrelKinesis", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Functions, versions, code artifacts.
        .target(name: "PetrelFunctions", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Starting, limiting and stopping one instance process.
        .target(name: "CPetrelSystem"),
        .target(name: "PetrelSandbox", dependencies: [
            "PetrelCore", "CPetrelSystem",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Log groups, streams and events (CloudWatch Logs).
        .target(name: "PetrelLogs", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Scheduling, instance pool, Runtime API, async queue.
        // Petrel's Node.js and Python runtimes, as resources (docs/runtime-protocol.md).
        .target(name: "PetrelRuntimes", resources: [.copy("Runtimes")]),
        .target(name: "PetrelInvoker", dependencies: [
            "PetrelCore", "PetrelSandbox", "PetrelFunctions", "PetrelLogs", "PetrelStore", "PetrelRuntimes",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Per-function metrics at one-minute resolution, and their statistics.
        .target(name: "PetrelMetrics", dependencies: [
            "PetrelCore", "PetrelStore",
        ]),
        // Metering as AWS bills (requests, GB-seconds, provisioned concurrency), the price table
        // and the cost computation (pure), usage per hour in the store.
        .target(name: "PetrelUsage", dependencies: [
            "PetrelCore", "PetrelStore",
        ]),
        // Event source mappings: stream pollers that batch, filter, retry, bisect, checkpoint.
        .target(name: "PetrelEvents", dependencies: [
            "PetrelCore", "PetrelStore", "PetrelFunctions", "PetrelLogs", "PetrelPatterns",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // S3-compatible object storage: bucket and key rules, listings, ETags, checksums,
        // conditional requests, notifications; objects stored as BLOB chunks in the database.
        .target(name: "PetrelObjects", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Amazon EventBridge: buses, rules, targets, PutEvents, schedules.
        .target(name: "PetrelEventBridge", dependencies: [
            "PetrelCore", "PetrelStore", "PetrelPatterns",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // AWS CloudTrail: API call records, event history, trails delivering log files to S3.
        .target(name: "PetrelTrail", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Cluster mode: node identity and heartbeats, leases with fencing tokens (docs/cluster.md).
        .target(name: "PetrelCluster", dependencies: [
            "PetrelCore", "PetrelStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Composition root: configuration, gateway, service group.
        .target(name: "PetrelServer", dependencies: [
            "PetrelCore", "PetrelWire", "PetrelStore", "PetrelTables", "PetrelFunctions",
            "PetrelSandbox", "PetrelInvoker", "PetrelLogs", "PetrelEvents", "PetrelMetrics", "PetrelIdentity", "PetrelQueues",
            "PetrelObjects", "PetrelUsage", "PetrelPatterns", "PetrelEventBridge", "PetrelTrail", "PetrelKinesis", "PetrelRuntimes",
            "PetrelCluster",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], resources: [.copy("Console/Static")]),
        // `swift run -c release petrel-identity-bench`: what a warm request's signature check and
        // policy evaluation cost.
        // `swift run -c release petrel-patterns-bench`: event-pattern matching cost with 1,000 rules.
        .executableTarget(name: "petrel-patterns-bench", dependencies: ["PetrelPatterns", "PetrelCore"], path: "Sources/PetrelPatternsBench"),
        .executableTarget(name: "petrel-identity-bench", dependencies: ["PetrelIdentity"], path: "Sources/PetrelIdentityBench"),
        .executableTarget(name: "petrel", dependencies: [
            "PetrelServer", "PetrelInvoker", "PetrelCluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "PetrelIdentityTests", dependencies: ["PetrelIdentity", "PetrelCore"]),
        .testTarget(name: "PetrelCoreTests", dependencies: ["PetrelCore", "PetrelWire"]),
        .testTarget(name: "PetrelStoreTests", dependencies: ["PetrelStore"]),
        .testTarget(name: "PetrelClusterTests", dependencies: [
            "PetrelCluster", "PetrelStore", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PetrelTablesTests", dependencies: ["PetrelTables", "PetrelStore", "PetrelCore"]),
        .testTarget(name: "PetrelFunctionsTests", dependencies: [
            "PetrelFunctions", "PetrelStore", "PetrelCore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .testTarget(name: "PetrelEventsTests", dependencies: ["PetrelEvents", "PetrelCore", "PetrelStore", "PetrelLogs", "PetrelCluster", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PetrelPatternsTests", dependencies: ["PetrelPatterns", "PetrelCore"]),
        .testTarget(name: "PetrelEventBridgeTests", dependencies: ["PetrelEventBridge", "PetrelPatterns", "PetrelStore", "PetrelCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PetrelTrailTests", dependencies: ["PetrelTrail", "PetrelCore"]),
        .testTarget(name: "PetrelKinesisTests", dependencies: ["PetrelKinesis", "PetrelStore", "PetrelCore"]),
        .testTarget(name: "PetrelQueuesTests", dependencies: ["PetrelQueues", "PetrelStore", "PetrelCore"]),
        .testTarget(name: "PetrelMetricsTests", dependencies: ["PetrelMetrics", "PetrelStore"]),
        .testTarget(name: "PetrelUsageTests", dependencies: ["PetrelUsage", "PetrelStore"]),
        .testTarget(name: "PetrelLogsTests", dependencies: ["PetrelLogs", "PetrelStore"]),
        .testTarget(name: "PetrelObjectsTests", dependencies: ["PetrelObjects", "PetrelStore"]),
        .testTarget(name: "PetrelSandboxTests", dependencies: ["PetrelSandbox"]),
        .testTarget(name: "PetrelInvokerTests", dependencies: [
            "PetrelInvoker", "PetrelCore", "PetrelFunctions", "PetrelSandbox", "PetrelLogs",
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ]
)
