import Foundation
import PetrelCore

// Lambda's wire shapes, named as in botocore's model (lambda/2015-03-31).

public struct EnvironmentShape: Codable, Sendable, Equatable {
    public var Variables: [String: String]?
}

public struct EphemeralStorageShape: Codable, Sendable, Equatable {
    public var Size: Int
}

public struct TracingConfigShape: Codable, Sendable, Equatable {
    public var Mode: String?
}

public struct LoggingConfigShape: Codable, Sendable, Equatable {
    public var LogFormat: String?
    public var LogGroup: String?
    public var ApplicationLogLevel: String?
    public var SystemLogLevel: String?
}

public struct LayerShape: Codable, Sendable, Equatable {
    public var Arn: String
    public var CodeSize: Int

    public init(Arn: String, CodeSize: Int) {
        self.Arn = Arn
        self.CodeSize = CodeSize
    }
}

public struct SnapStartResponseShape: Codable, Sendable, Equatable {
    public var ApplyOn: String
    public var OptimizationStatus: String
}

public struct FunctionConfiguration: Codable, Sendable, Equatable {
    public var FunctionName: String
    public var FunctionArn: String
    public var Runtime: String
    public var Role: String
    public var Handler: String
    public var CodeSize: Int
    public var Description: String
    public var Timeout: Int
    public var MemorySize: Int
    public var LastModified: String
    public var CodeSha256: String
    public var Version: String
    public var Environment: EnvironmentShape?
    public var TracingConfig: TracingConfigShape
    public var RevisionId: String
    public var Layers: [LayerShape]?
    public var State: String
    public var LastUpdateStatus: String
    public var PackageType: String
    public var Architectures: [String]
    public var EphemeralStorage: EphemeralStorageShape
    public var SnapStart: SnapStartResponseShape
    public var LoggingConfig: LoggingConfigShape
    public var DeadLetterConfig: DeadLetterConfigShape?

    public init(_ record: FunctionRecord, account: Account) {
        let settings = record.settings
        FunctionName = record.name
        FunctionArn = account.lambdaFunctionARN(record.name, qualifier: record.version == "$LATEST" ? nil : record.version)
        Runtime = settings.runtime
        Role = settings.role
        Handler = settings.handler
        CodeSize = record.codeSize
        Description = settings.description
        Timeout = settings.timeout
        MemorySize = settings.memorySize
        LastModified = Self.timestamp(record.lastModified)
        CodeSha256 = record.codeSha256
        Version = record.version
        Environment = settings.environment.isEmpty ? nil : EnvironmentShape(Variables: settings.environment)
        TracingConfig = TracingConfigShape(Mode: "PassThrough")
        RevisionId = record.revisionId
        Layers = settings.layers.isEmpty ? nil : settings.layers.map { LayerShape(Arn: $0, CodeSize: 0) }
        State = "Active"
        LastUpdateStatus = "Successful"
        PackageType = "Zip"
        Architectures = settings.architectures
        EphemeralStorage = EphemeralStorageShape(Size: settings.ephemeralStorageMB)
        SnapStart = SnapStartResponseShape(ApplyOn: "None", OptimizationStatus: "Off")
        LoggingConfig = LoggingConfigShape(LogFormat: "Text", LogGroup: "/aws/lambda/\(record.name)")
        DeadLetterConfig = settings.deadLetterTargetArn.map { DeadLetterConfigShape(TargetArn: $0) }
    }

    /// Lambda's timestamp format: `2015-08-30T12:34:56.789+0000`.
    public static func timestamp(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000",
                      c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, millis)
    }
}

public struct DeadLetterConfigShape: Codable, Sendable, Equatable {
    public var TargetArn: String?

    public init(TargetArn: String?) { self.TargetArn = TargetArn }

    /// The target to keep: nil for an empty one (which removes it). Only SQS queues are served.
    public func validatedTarget() throws -> String? {
        guard let arn = TargetArn, !arn.isEmpty else { return nil }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs" || parts[2] == "sns" else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(arn)' at 'deadLetterConfig.targetArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()")
        }
        guard parts[2] == "sqs" else {
            throw AWSError.invalidParameter("Petrel delivers dead letters to SQS queues only; \(arn) is an SNS topic.")
        }
        return arn
    }
}

public struct FunctionCodeShape: Codable, Sendable {
    public var ZipFile: String?
    public var S3Bucket: String?
    public var S3Key: String?
    public var S3ObjectVersion: String?
    public var ImageUri: String?
}

public struct CreateFunctionRequest: Codable, Sendable {
    public var FunctionName: String?
    public var Runtime: String?
    public var Role: String?
    public var Handler: String?
    public var Code: FunctionCodeShape?
    public var Description: String?
    public var Timeout: Int?
    public var MemorySize: Int?
    public var Publish: Bool?
    public var PackageType: String?
    public var Environment: EnvironmentShape?
    public var Layers: [String]?
    public var Architectures: [String]?
    public var EphemeralStorage: EphemeralStorageShape?
    public var Tags: [String: String]?
    public var DeadLetterConfig: DeadLetterConfigShape?
}

public struct UpdateFunctionConfigurationRequest: Codable, Sendable {
    public var Role: String?
    public var Handler: String?
    public var Description: String?
    public var Timeout: Int?
    public var MemorySize: Int?
    public var Environment: EnvironmentShape?
    public var Runtime: String?
    public var RevisionId: String?
    public var Layers: [String]?
    public var EphemeralStorage: EphemeralStorageShape?
    public var DeadLetterConfig: DeadLetterConfigShape?
}

public struct UpdateFunctionCodeRequest: Codable, Sendable {
    public var ZipFile: String?
    public var S3Bucket: String?
    public var S3Key: String?
    public var S3ObjectVersion: String?
    public var ImageUri: String?
    public var Publish: Bool?
    public var DryRun: Bool?
    public var RevisionId: String?
}

public struct PublishVersionRequest: Codable, Sendable {
    public var CodeSha256: String?
    public var Description: String?
    public var RevisionId: String?
}

public struct FunctionCodeLocation: Codable, Sendable {
    public var RepositoryType: String
    public var Location: String

    public init(RepositoryType: String, Location: String) {
        self.RepositoryType = RepositoryType
        self.Location = Location
    }
}

public struct GetFunctionResponse: Codable, Sendable {
    public var Configuration: FunctionConfiguration
    public var Code: FunctionCodeLocation
    public var Tags: [String: String]?
    /// `{"ReservedConcurrentExecutions": n}` when the function has reserved concurrency.
    public var Concurrency: [String: Int]?

    public init(Configuration: FunctionConfiguration, Code: FunctionCodeLocation, Tags: [String: String]?,
                Concurrency: [String: Int]? = nil) {
        self.Configuration = Configuration
        self.Code = Code
        self.Tags = Tags
        self.Concurrency = Concurrency
    }
}

public struct ListFunctionsResponse: Codable, Sendable {
    public var Functions: [FunctionConfiguration]
    public var NextMarker: String?

    public init(Functions: [FunctionConfiguration], NextMarker: String?) {
        self.Functions = Functions
        self.NextMarker = NextMarker
    }
}

public struct ListVersionsByFunctionResponse: Codable, Sendable {
    public var Versions: [FunctionConfiguration]
    public var NextMarker: String?

    public init(Versions: [FunctionConfiguration], NextMarker: String? = nil) {
        self.Versions = Versions
        self.NextMarker = NextMarker
    }
}
