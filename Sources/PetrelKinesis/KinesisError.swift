import PetrelCore

/// Kinesis's errors, by the shape names of botocore's `kinesis` model (JSON 1.1 `__type`).
public enum KinesisError {
    public static func make(_ code: String, _ message: String, status: Int = 400) -> AWSError {
        AWSError(code, status: status, message)
    }
    public static func invalidArgument(_ message: String) -> AWSError { make("InvalidArgumentException", message) }
    public static func validation(_ message: String) -> AWSError { make("ValidationException", message) }
    public static func resourceInUse(_ message: String) -> AWSError { make("ResourceInUseException", message) }
    public static func limitExceeded(_ message: String) -> AWSError { make("LimitExceededException", message) }
    public static func expiredIterator(_ message: String) -> AWSError { make("ExpiredIteratorException", message) }
    public static func expiredNextToken(_ message: String) -> AWSError { make("ExpiredNextTokenException", message) }
    public static func throughputExceeded(_ message: String) -> AWSError { make("ProvisionedThroughputExceededException", message) }

    public static func streamNotFound(_ name: String, account: String) -> AWSError {
        make("ResourceNotFoundException", "Stream \(name) under account \(account) not found.")
    }
    public static func shardNotFound(_ shard: String, stream: String, account: String) -> AWSError {
        make("ResourceNotFoundException", "Could not find shard \(shard) in stream \(stream) under account \(account).")
    }
    /// GetShardIterator's wording.
    public static func shardDoesNotExist(_ shard: String, stream: String, account: String) -> AWSError {
        make("ResourceNotFoundException", "Shard \(shard) in stream \(stream) under account \(account) does not exist")
    }
    /// `1 validation error detected: Value 'V' at 'member' failed to satisfy constraint: C`.
    public static func constraint(_ member: String, _ value: String, _ constraint: String) -> AWSError {
        validation("1 validation error detected: Value '\(value)' at '\(member)' failed to satisfy constraint: \(constraint)")
    }
}
