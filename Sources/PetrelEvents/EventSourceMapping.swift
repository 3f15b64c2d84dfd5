import Foundation
import PetrelCore

/// One event source mapping as stored: a stream or a queue wired to a function.
public struct EventSourceMapping: Sendable, Codable, Equatable {
    public var uuid: String
    public var functionName: String
    public var qualifier: String?
    public var eventSourceArn: String
    public var batchSize: Int = 100
    /// Streams only (nil for queues).
    public var startingPosition: String?
    public var startingPositionTimestamp: Double?
    public var maximumBatchingWindowInSeconds: Int = 0
    public var maximumRetryAttempts: Int = -1
    public var maximumRecordAgeInSeconds: Int = -1
    public var bisectBatchOnFunctionError: Bool = false
    public var functionResponseTypes: [String] = []
    public var filterPatterns: [String] = []
    public var parallelizationFactor: Int = 1
    public var tumblingWindowInSeconds: Int = 0
    /// ScalingConfig.MaximumConcurrency (queues only; nil: the default).
    public var maximumConcurrency: Int?
    /// DestinationConfig.OnFailure.Destination (streams only): the SQS queue that gets AWS's
    /// invocation record of every batch given up on. Nil: none (the record is only logged).
    public var onFailureDestination: String?
    public var enabled: Bool = true
    public var lastModified: Double
    public var region: String

    public var reportsBatchItemFailures: Bool { functionResponseTypes.contains("ReportBatchItemFailures") }

    /// Whether the source is an SQS queue (otherwise a stream).
    public var isQueue: Bool { eventSourceArn.hasPrefix("arn:aws:sqs:") }
    public var isFifoQueue: Bool { isQueue && eventSourceArn.hasSuffix(".fifo") }

    /// How many consumers a queue mapping runs at once: ScalingConfig.MaximumConcurrency,
    /// capped (each is a parked long poll; more would only add idle receivers here).
    public var queueConsumers: Int { min(maximumConcurrency ?? 5, 20) }

    /// Checks the settings as CreateEventSourceMapping / UpdateEventSourceMapping do.
    public func validate() throws {
        func bad(_ message: String) -> AWSError { .invalidParameter(message) }
        guard (1...10_000).contains(batchSize) else {
            throw bad("1 validation error detected: Value '\(batchSize)' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and 10000")
        }
        if isQueue {
            try validateQueue()
        } else {
            guard let startingPosition, ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"].contains(startingPosition) else {
                throw bad("1 validation error detected: Value '\(startingPosition ?? "")' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
            }
        }
        if startingPosition == "AT_TIMESTAMP", startingPositionTimestamp == nil {
            throw bad("StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.")
        }
        guard (0...300).contains(maximumBatchingWindowInSeconds) else {
            throw bad("MaximumBatchingWindowInSeconds must be between 0 and 300.")
        }
        guard maximumRetryAttempts == -1 || (0...10_000).contains(maximumRetryAttempts) else {
            throw bad("MaximumRetryAttempts must be -1 (retry until the record expires) or between 0 and 10000.")
        }
        guard maximumRecordAgeInSeconds == -1 || (60...604_800).contains(maximumRecordAgeInSeconds) else {
            throw bad("MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800.")
        }
        guard (1...10).contains(parallelizationFactor) else {
            throw bad("1 validation error detected: Value '\(parallelizationFactor)' at 'parallelizationFactor' failed to satisfy constraint: Member must have value between 1 and 10")
        }
        guard (0...900).contains(tumblingWindowInSeconds) else {
            throw bad("TumblingWindowInSeconds must be between 0 and 900.")
        }
        for type in functionResponseTypes where type != "ReportBatchItemFailures" {
            throw bad("1 validation error detected: Value '[\(type)]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]")
        }
        guard filterPatterns.count <= 5 else { throw bad("FilterCriteria can hold at most 5 filters.") }
        for pattern in filterPatterns {
            do {
                _ = try EventFilter(pattern: pattern)
            } catch {
                throw bad("Invalid filter pattern definition. \(error)")
            }
        }
    }
}

// MARK: Wire shapes (botocore's lambda model)

public struct FilterShape: Codable, Sendable, Equatable {
    public var Pattern: String?
}

public struct FilterCriteriaShape: Codable, Sendable, Equatable {
    public var Filters: [FilterShape]?
}

public struct EventSourceMappingConfiguration: Codable, Sendable, Equatable {
    public var UUID: String
    public var StartingPosition: String?
    public var StartingPositionTimestamp: Double?
    public var BatchSize: Int
    public var MaximumBatchingWindowInSeconds: Int
    public var ParallelizationFactor: Int?
    public var EventSourceArn: String
    public var FilterCriteria: FilterCriteriaShape?
    public var FunctionArn: String
    public var LastModified: Double
    public var LastProcessingResult: String
    public var State: String
    public var StateTransitionReason: String
    public var MaximumRecordAgeInSeconds: Int?
    public var BisectBatchOnFunctionError: Bool?
    public var MaximumRetryAttempts: Int?
    public var TumblingWindowInSeconds: Int?
    public var FunctionResponseTypes: [String]
    public var EventSourceMappingArn: String

    public var ScalingConfig: ScalingConfigShape?
    public var DestinationConfig: DestinationConfigShape?

    public init(_ m: EventSourceMapping, account: Account, state: String, reason: String, lastResult: String) {
        UUID = m.uuid
        StartingPosition = m.startingPosition
        StartingPositionTimestamp = m.startingPositionTimestamp
        BatchSize = m.batchSize
        MaximumBatchingWindowInSeconds = m.maximumBatchingWindowInSeconds
        ParallelizationFactor = m.parallelizationFactor
        EventSourceArn = m.eventSourceArn
        FilterCriteria = m.filterPatterns.isEmpty ? nil : FilterCriteriaShape(Filters: m.filterPatterns.map { FilterShape(Pattern: $0) })
        FunctionArn = account.inRegion(m.region).lambdaFunctionARN(m.functionName, qualifier: m.qualifier)
        LastModified = m.lastModified
        LastProcessingResult = lastResult
        State = state
        StateTransitionReason = reason
        MaximumRecordAgeInSeconds = m.maximumRecordAgeInSeconds
        BisectBatchOnFunctionError = m.bisectBatchOnFunctionError
        MaximumRetryAttempts = m.maximumRetryAttempts
        TumblingWindowInSeconds = m.tumblingWindowInSeconds
        FunctionResponseTypes = m.functionResponseTypes
        EventSourceMappingArn = "arn:aws:lambda:\(m.region):\(account.id):event-source-mapping:\(m.uuid)"
        // AWS answers a stream mapping's DestinationConfig even when none is set: {"OnFailure": {}}.
        DestinationConfig = DestinationConfigShape(OnFailure: OnFailureShape(Destination: m.onFailureDestination))
        if m.isQueue {
            // A queue mapping has none of the stream settings, as AWS answers it.
            ParallelizationFactor = nil
            MaximumRecordAgeInSeconds = nil
            BisectBatchOnFunctionError = nil
            MaximumRetryAttempts = nil
            TumblingWindowInSeconds = nil
            ScalingConfig = m.maximumConcurrency.map { ScalingConfigShape(MaximumConcurrency: $0) }
            DestinationConfig = nil
        }
    }
}

public struct CreateEventSourceMappingRequest: Codable, Sendable {
    public var EventSourceArn: String?
    public var FunctionName: String?
    public var Enabled: Bool?
    public var BatchSize: Int?
    public var FilterCriteria: FilterCriteriaShape?
    public var MaximumBatchingWindowInSeconds: Int?
    public var ParallelizationFactor: Int?
    public var StartingPosition: String?
    public var StartingPositionTimestamp: Double?
    public var MaximumRecordAgeInSeconds: Int?
    public var BisectBatchOnFunctionError: Bool?
    public var MaximumRetryAttempts: Int?
    public var TumblingWindowInSeconds: Int?
    public var FunctionResponseTypes: [String]?
    public var ScalingConfig: ScalingConfigShape?
    public var DestinationConfig: DestinationConfigShape?
}

public struct DestinationShape: Codable, Sendable, Equatable {
    public var Destination: String?
}

public typealias OnFailureShape = DestinationShape

public struct DestinationConfigShape: Codable, Sendable, Equatable {
    public var OnSuccess: DestinationShape?
    public var OnFailure: OnFailureShape?

    public init(OnSuccess: DestinationShape? = nil, OnFailure: OnFailureShape? = nil) {
        self.OnSuccess = OnSuccess
        self.OnFailure = OnFailure
    }
}

public struct ScalingConfigShape: Codable, Sendable, Equatable {
    public var MaximumConcurrency: Int?
}

public typealias UpdateEventSourceMappingRequest = CreateEventSourceMappingRequest

public struct ListEventSourceMappingsResponse: Codable, Sendable {
    public var EventSourceMappings: [EventSourceMappingConfiguration]
    public var NextMarker: String?

    public init(EventSourceMappings: [EventSourceMappingConfiguration], NextMarker: String?) {
        self.EventSourceMappings = EventSourceMappings
        self.NextMarker = NextMarker
    }
}

extension EventSourceMapping {
    /// The rules CreateEventSourceMapping applies to an SQS source.
    func validateQueue() throws {
        func bad(_ message: String) -> AWSError { .invalidParameter(message) }
        if isFifoQueue, batchSize > 10 {
            throw bad("Batch size for FIFO queues must be between 1 and 10.")
        }
        if batchSize > 10, maximumBatchingWindowInSeconds < 1 {
            throw bad("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        }
        if let maximumConcurrency, !(2...1000).contains(maximumConcurrency) {
            throw bad("1 validation error detected: Value '\(maximumConcurrency)' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value \(maximumConcurrency < 2 ? "greater than or equal to 2" : "less than or equal to 1000")")
        }
        if startingPosition != nil { throw bad("StartingPosition is not valid for SQS event sources.") }
        if parallelizationFactor != 1 || tumblingWindowInSeconds != 0 || bisectBatchOnFunctionError
            || maximumRetryAttempts != -1 || maximumRecordAgeInSeconds != -1 {
            throw bad("ParallelizationFactor, TumblingWindowInSeconds, BisectBatchOnFunctionError, MaximumRetryAttempts and MaximumRecordAgeInSeconds are not supported for SQS event sources.")
        }
    }
}
