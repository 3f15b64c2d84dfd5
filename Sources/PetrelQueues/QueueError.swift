import PetrelCore

/// SQS's errors, by the shape names of botocore's `sqs` model (the JSON 1.0 `__type`), with the
/// code each had in the query protocol (sent as `x-amzn-query-error` in JSON 1.0, and as the
/// `<Code>` of query answers). SDKs map either to the modelled exception.
public enum QueueError {
    /// JSON shape name → (query code, HTTP status).
    public static let queryCodes: [String: (code: String, status: Int)] = [
        "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
        "QueueNameExists": ("QueueAlreadyExists", 400),
        "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
        "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404),
        "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
        "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
        "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
        "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
        "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
        "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
        "TooManyEntriesInBatchRequest": ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
        "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
        "InvalidAttributeName": ("InvalidAttributeName", 400),
        "InvalidAttributeValue": ("InvalidAttributeValue", 400),
        "InvalidMessageContents": ("InvalidMessageContents", 400),
        "InvalidIdFormat": ("InvalidIdFormat", 400),
        "OverLimit": ("OverLimit", 403),
        "ResourceNotFoundException": ("ResourceNotFoundException", 404),
        "InvalidParameterValueException": ("InvalidParameterValue", 400),
        "MissingRequiredParameterException": ("MissingParameter", 400),
        "InvalidAddress": ("InvalidAddress", 404),
        "InvalidSecurity": ("InvalidSecurity", 403),
        "RequestThrottled": ("RequestThrottled", 403),
        "UnknownOperationException": ("InvalidAction", 400),
        "AccessDeniedException": ("AccessDenied", 403),
        "InternalError": ("InternalError", 500),
    ]

    /// The query protocol's code for a JSON error type.
    public static func queryCode(_ type: String) -> String { queryCodes[type]?.code ?? type }

    public static func make(_ type: String, _ message: String) -> AWSError {
        AWSError(type, status: queryCodes[type]?.status ?? 400, message)
    }

    public static func queueDoesNotExist() -> AWSError {
        make("QueueDoesNotExist", "The specified queue does not exist.")
    }
    public static func queueNameExists(_ attribute: String) -> AWSError {
        make("QueueNameExists", "A queue already exists with the same name and a different value for attribute \(attribute)")
    }
    public static func invalidParameter(_ message: String) -> AWSError {
        make("InvalidParameterValueException", message)
    }
    /// `Value X for parameter P is invalid. Reason: R.`, AWS's wording for out-of-range numbers.
    public static func invalidParameter(_ parameter: String, _ value: String, reason: String) -> AWSError {
        make("InvalidParameterValueException", "Value \(value) for parameter \(parameter) is invalid. Reason: \(reason)")
    }
    public static func missingParameter(_ name: String) -> AWSError {
        make("MissingRequiredParameterException", "The request must contain the parameter \(name).")
    }
    public static func invalidAttributeName(_ name: String) -> AWSError {
        make("InvalidAttributeName", "Unknown Attribute \(name).")
    }
    public static func invalidAttributeValue(_ name: String, _ detail: String? = nil) -> AWSError {
        make("InvalidAttributeValue", "Invalid value for the parameter \(name).\(detail.map { " Reason: \($0)" } ?? "")")
    }
    public static func receiptHandleIsInvalid(_ handle: String) -> AWSError {
        make("ReceiptHandleIsInvalid", "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
    }
    public static func messageNotInflight() -> AWSError {
        make("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
    }
    public static func purgeInProgress(_ queue: String) -> AWSError {
        make("PurgeQueueInProgress", "Only one PurgeQueue operation on \(queue) is allowed every 60 seconds.")
    }
    public static func invalidMessageContents(_ message: String) -> AWSError {
        make("InvalidMessageContents", message)
    }
    public static func resourceNotFound(_ message: String) -> AWSError {
        make("ResourceNotFoundException", message)
    }
    public static func unsupported(_ message: String) -> AWSError {
        make("UnsupportedOperation", message)
    }
}
