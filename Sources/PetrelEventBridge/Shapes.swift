import Foundation
import PetrelCore

// Wire shapes of botocore's `events` (2015-10-07) model, the members Petrel serves.

public struct TargetSpec: Codable, Sendable, Equatable {
    public var Id: String
    public var Arn: String
    public var RoleArn: String?
    public var Input: String?
    public var InputPath: String?
    public var InputTransformer: InputTransformerShape?
    public var SqsParameters: SqsParametersShape?
    public var DeadLetterConfig: DeadLetterConfigShape?
    public var RetryPolicy: RetryPolicyShape?
}

public struct InputTransformerShape: Codable, Sendable, Equatable {
    public var InputPathsMap: [String: String]?
    public var InputTemplate: String

    public init(InputPathsMap: [String: String]?, InputTemplate: String) {
        self.InputPathsMap = InputPathsMap
        self.InputTemplate = InputTemplate
    }
}

public struct SqsParametersShape: Codable, Sendable, Equatable {
    public var MessageGroupId: String?
}

public struct DeadLetterConfigShape: Codable, Sendable, Equatable {
    public var Arn: String?
}

public struct RetryPolicyShape: Codable, Sendable, Equatable {
    public var MaximumRetryAttempts: Int?
    public var MaximumEventAgeInSeconds: Int?
}

public struct TagShape: Codable, Sendable, Equatable {
    public var Key: String
    public var Value: String
}

public struct PutEventsEntry: Decodable, Sendable {
    public var Time: JSONValue?
    public var Source: String?
    public var Resources: [String]?
    public var DetailType: String?
    public var Detail: String?
    public var EventBusName: String?
    public var TraceHeader: String?
}

/// Every request's members in one decodable bag (the operations share most names).
struct EventsInput: Decodable {
    var Name: String?
    var NamePrefix: String?
    var Description: String?
    var EventBusName: String?
    var EventPattern: String?
    var ScheduleExpression: String?
    var State: String?
    var RoleArn: String?
    var Tags: [TagShape]?
    var TagKeys: [String]?
    var ResourceARN: String?
    var Rule: String?
    var Targets: [TargetSpec]?
    var Ids: [String]?
    var Force: Bool?
    var Entries: [PutEventsEntry]?
    var Event: String?
    var TargetArn: String?
    var NextToken: String?
    var Limit: Int?
    var EventSourceName: String?
}

public enum EventsError {
    public static func notFound(_ message: String) -> AWSError { AWSError("ResourceNotFoundException", status: 400, message) }
    public static func validation(_ message: String) -> AWSError { AWSError("ValidationException", status: 400, message) }
    public static func alreadyExists(_ message: String) -> AWSError { AWSError("ResourceAlreadyExistsException", status: 400, message) }
    public static func pattern(_ reason: String) -> AWSError {
        AWSError("InvalidEventPatternException", status: 400, "Event pattern is not valid. Reason: \(reason)")
    }
    public static func limit(_ message: String) -> AWSError { AWSError("LimitExceededException", status: 400, message) }

    /// `1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: …`
    static func constraint(_ value: String, _ field: String, _ constraint: String) -> AWSError {
        validation("1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }
}
