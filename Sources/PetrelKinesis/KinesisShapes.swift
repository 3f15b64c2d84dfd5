/// Members of Kinesis's model (botocore's `kinesis` service-2) whose type a JSON value does not
/// tell, for encodings that spell them differently from JSON 1.1 (CBOR: blobs as byte strings,
/// timestamps as tag 1).
public enum KinesisShapes {
    /// Every `blob` member: a record's `Data`.
    public static let blobMembers: Set<String> = ["Data"]
    /// Every `timestamp` member.
    public static let timestampMembers: Set<String> = [
        "ApproximateArrivalTimestamp", "StreamCreationTimestamp", "ConsumerCreationTimestamp", "Timestamp",
        "StartedAt", "EndedAt", "EarliestAllowedEndAt",
    ]
}
