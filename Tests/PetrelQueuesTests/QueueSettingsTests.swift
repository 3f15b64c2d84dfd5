@testable import PetrelQueues
import Testing

@Suite struct QueueSettingsTests {
    @Test(arguments: [
        ("VisibilityTimeout", "0", true), ("VisibilityTimeout", "43200", true), ("VisibilityTimeout", "43201", false),
        ("VisibilityTimeout", "abc", false), ("DelaySeconds", "900", true), ("DelaySeconds", "901", false),
        ("MaximumMessageSize", "1023", false), ("MaximumMessageSize", "1048576", true), ("MaximumMessageSize", "1048577", false),
        ("MessageRetentionPeriod", "59", false), ("MessageRetentionPeriod", "1209600", true),
        ("ReceiveMessageWaitTimeSeconds", "20", true), ("ReceiveMessageWaitTimeSeconds", "21", false),
        ("Policy", "{\"Version\":\"2012-10-17\"}", false), ("Policy", "not json", false),
        // SQS takes statements without a Resource: they apply to the queue.
        ("Policy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\"}]}", true),
        ("Policy", "{\"Statement\":{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"sqs:*\"}}", false),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\",\"maxReceiveCount\":\"3\"}", true),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\",\"maxReceiveCount\":0}", false),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"nope\",\"maxReceiveCount\":3}", false),
        ("RedriveAllowPolicy", "{\"redrivePermission\":\"allowAll\"}", true),
        ("RedriveAllowPolicy", "{\"redrivePermission\":\"byQueue\"}", false),
        ("RedriveAllowPolicy", "{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:000000000000:a\"]}", true),
        ("ContentBasedDeduplication", "true", false),   // FIFO only
        ("NoSuchAttribute", "1", false),
        ("SqsManagedSseEnabled", "false", true),
    ])
    func standardQueueAttribute(name: String, value: String, valid: Bool) {
        var settings = QueueSettings(fifo: false)
        #expect(((try? settings.apply([name: value], creating: true)) != nil) == valid)
    }

    @Test func fifoAttributes() throws {
        var settings = QueueSettings(fifo: true)
        try settings.apply(["FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
                            "FifoThroughputLimit": "perMessageGroupId"], creating: true)
        #expect(settings.attributes["ContentBasedDeduplication"] == "true")
        var bad = QueueSettings(fifo: true)
        #expect(throws: (any Error).self) { try bad.apply(["FifoThroughputLimit": "perMessageGroupId"], creating: true) }
        #expect(throws: (any Error).self) { try bad.apply(["FifoQueue": "false"], creating: false) }
    }

    @Test func encryptionIsSQSManagedByDefaultAndKMSWhenAKeyIsNamed() throws {
        var settings = QueueSettings(fifo: false)
        try settings.apply([:], creating: true)
        #expect(settings.attributes["SqsManagedSseEnabled"] == "true")
        #expect(settings.attributes["KmsMasterKeyId"] == nil)
        try settings.apply(["KmsMasterKeyId": "alias/aws/sqs"], creating: false)
        #expect(settings.attributes["SqsManagedSseEnabled"] == "false")
        #expect(settings.attributes["KmsMasterKeyId"] == "alias/aws/sqs")
        #expect(settings.attributes["KmsDataKeyReusePeriodSeconds"] == "300")
        try settings.apply(["SqsManagedSseEnabled": "true"], creating: false)
        #expect(settings.attributes["SqsManagedSseEnabled"] == "true")
        #expect(settings.attributes["KmsMasterKeyId"] == nil)
        var both = QueueSettings(fifo: false)
        #expect(throws: (any Error).self) {
            try both.apply(["KmsMasterKeyId": "alias/k", "SqsManagedSseEnabled": "true"], creating: true)
        }
        #expect(throws: (any Error).self) { try both.apply(["KmsDataKeyReusePeriodSeconds": "59"], creating: true) }
    }

    @Test func redrivePolicyAnswersANumber() throws {
        var settings = QueueSettings(fifo: false)
        try settings.apply(["RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":\"5\"}"], creating: true)
        #expect(settings.attributes["RedrivePolicy"] == "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":5}")
    }

    @Test(arguments: [
        ([String: String](), nil as String?),
        (["VisibilityTimeout": "30"], nil),
        (["VisibilityTimeout": "31"], "VisibilityTimeout"),
        (["DelaySeconds": "0", "MaximumMessageSize": "2048"], "MaximumMessageSize"),
    ])
    func createIsIdempotentWithEqualAttributes(given: [String: String], difference: String?) {
        #expect(QueueSettings(fifo: false).firstDifference(from: given) == difference)
    }
}
