/// An error that reaches the client in AWS's shape: an error code (the `__type` /
/// `x-amzn-ErrorType`), an HTTP status and a message that tells the user what to do.
///
/// Every module throws these at its boundary; the wire layer renders them per protocol.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var status: Int
    public var message: String
    /// Extra top-level members some errors carry (`Reason`, `CancellationReasons`, `Item`).
    public var extra: [String: JSONValue]

    public init(_ code: String, status: Int, _ message: String, extra: [String: JSONValue] = [:]) {
        self.code = code
        self.status = status
        self.message = message
        self.extra = extra
    }

    /// Whether the fault is the caller's (4xx) or ours (5xx). Lambda names this `Type`.
    public var isClientFault: Bool { status < 500 }

    public var description: String { "\(code): \(message)" }
}

extension AWSError {
    public static func validation(_ message: String) -> AWSError {
        AWSError("ValidationException", status: 400, message)
    }
    public static func invalidParameter(_ message: String) -> AWSError {
        AWSError("InvalidParameterValueException", status: 400, message)
    }
    public static func resourceNotFound(_ message: String) -> AWSError {
        AWSError("ResourceNotFoundException", status: 404, message)
    }
    public static func resourceConflict(_ message: String) -> AWSError {
        AWSError("ResourceConflictException", status: 409, message)
    }
    public static func serialization(_ message: String) -> AWSError {
        AWSError("SerializationException", status: 400, message)
    }
    public static func unknownOperation(_ message: String) -> AWSError {
        AWSError("UnknownOperationException", status: 400, message)
    }
    public static func requestTooLarge(_ message: String) -> AWSError {
        AWSError("RequestTooLargeException", status: 413, message)
    }
    public static func tooManyRequests(_ message: String, reason: String) -> AWSError {
        AWSError("TooManyRequestsException", status: 429, message, extra: ["Reason": .string(reason)])
    }
    /// A genuine internal fault. The message never echoes internals; log them instead.
    public static func service(_ message: String = "An internal error occurred. See the server log for details.") -> AWSError {
        AWSError("ServiceException", status: 500, message)
    }
}
