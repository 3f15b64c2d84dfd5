import Foundation
import PetrelCore
import Testing
@testable import PetrelObjects

/// Queue and EventBridge destinations: parsing and validation as S3 does it, the outbox
/// messages an event makes, and the EventBridge detail AWS sends.
@Suite struct NotificationDestinationTests {
    static let queueArn = "arn:aws:sqs:us-east-1:000000000000:uploads"

    static func queue(_ id: String, _ events: [String], prefix: String? = nil, suffix: String? = nil) -> String {
        var filter = ""
        if prefix != nil || suffix != nil {
            filter = "<Filter><S3Key>"
            if let prefix { filter += "<FilterRule><Name>Prefix</Name><Value>\(prefix)</Value></FilterRule>" }
            if let suffix { filter += "<FilterRule><Name>suffix</Name><Value>\(suffix)</Value></FilterRule>" }
            filter += "</S3Key></Filter>"
        }
        return "<QueueConfiguration><Id>\(id)</Id><Queue>\(queueArn)</Queue>" + events.map { "<Event>\($0)</Event>" }.joined()
            + filter + "</QueueConfiguration>"
    }

    static func parse(_ xml: String) throws -> NotificationConfiguration {
        try NotificationTests.configuration(xml)
    }

    static func event(_ name: String, key: String = "in/cat.jpg", size: Int64? = 5, etag: String? = "\"b1946ac92492d2347c6235b4d2611184\"",
                      versionID: String? = nil, principal: String = "AWS:000000000000") -> ObjectEvent {
        ObjectEvent(eventName: name, bucket: "photos", key: key, size: size, etag: etag, versionID: versionID,
                    sequencer: "00617F08299329D189", time: Date(timeIntervalSince1970: 1_700_000_000), region: "us-east-1",
                    requestID: "N4N7GDK58NMKJ12R", sourceIP: "1.2.3.4", principalID: principal)
    }

    @Test func queueAndEventBridgeParse() throws {
        let configuration = try Self.parse(NotificationTests.document(
            Self.queue("q", ["s3:ObjectCreated:*"], prefix: "in/", suffix: ".jpg"), "<EventBridgeConfiguration/>"))
        #expect(configuration.queues == [.init(id: "q", queueArn: Self.queueArn, events: ["s3:ObjectCreated:*"],
                                               filterRules: [.init(name: "Prefix", value: "in/"), .init(name: "suffix", value: ".jpg")])])
        #expect(configuration.eventBridge)
        #expect(configuration.lambdaFunctions.isEmpty)
        #expect(!configuration.isEmpty)
        #expect(try Self.parse(NotificationTests.document()).isEmpty)
    }

    @Test func roundTripThroughXML() throws {
        let first = try Self.parse(NotificationTests.document(
            Self.queue("q", ["s3:ObjectRemoved:*"], suffix: ".txt"),
            NotificationTests.rule("l", ["s3:ObjectCreated:*"]), "<EventBridgeConfiguration></EventBridgeConfiguration>"))
        let xml = first.xml
        #expect(xml.contains("<QueueConfiguration><Id>q</Id><Queue>\(Self.queueArn)</Queue>"))
        #expect(xml.contains("<EventBridgeConfiguration></EventBridgeConfiguration>"))
        #expect(try Self.parse(xml) == first)
    }

    @Test func overlapsAcrossDestinationTypes() {
        #expect(throws: S3Error.self) {
            try Self.parse(NotificationTests.document(Self.queue("q", ["s3:ObjectCreated:Put"]), NotificationTests.rule("l", ["s3:ObjectCreated:*"])))
        }
        #expect(throws: Never.self) {
            try Self.parse(NotificationTests.document(Self.queue("q", ["s3:ObjectCreated:*"], prefix: "a/"),
                                                      NotificationTests.rule("l", ["s3:ObjectCreated:*"], prefix: "b/")))
        }
    }

    @Test(arguments: [
        NotificationTests.document("<TopicConfiguration><Topic>arn:aws:sns:us-east-1:000000000000:t</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration>"),
        NotificationTests.document("<QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration>"),
        NotificationTests.document("<QueueConfiguration><Queue>\(queueArn)</Queue></QueueConfiguration>"),
        NotificationTests.document(queue("q", ["s3:ObjectCreated:Nope"])),
    ])
    func refused(xml: String) {
        #expect(throws: S3Error.self) { try Self.parse(xml) }
    }

    /// Stored before queues and EventBridge existed: Lambda destinations only.
    @Test func decodesLegacyStoredJSON() throws {
        let legacy = #"{"lambdaFunctions":[{"id":"a","functionArn":"f","events":["s3:ObjectCreated:*"],"filterRules":[]}]}"#
        let decoded = try JSONDecoder().decode(NotificationConfiguration.self, from: Data(legacy.utf8))
        #expect(decoded.lambdaFunctions.count == 1 && decoded.queues.isEmpty && !decoded.eventBridge)
    }

    @Test func deliveriesPerDestination() throws {
        let configuration = try Self.parse(NotificationTests.document(
            Self.queue("q", ["s3:ObjectCreated:*"], prefix: "in/"), NotificationTests.rule("l", ["s3:ObjectRemoved:*"]),
            "<EventBridgeConfiguration/>"))
        let created = configuration.deliveries(for: Self.event("s3:ObjectCreated:Put"))
        #expect(created.count == 2)
        guard case .outbox(let message) = created[0], case .outbox(let bus) = created[1] else {
            Issue.record("expected a queue message and an EventBridge event, got \(created)")
            return
        }
        #expect(message.kind == .queue && message.target == Self.queueArn && message.region == "us-east-1")
        let record = try #require(((try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any])?["Records"] as? [[String: Any]])?.first)
        #expect(record["eventName"] as? String == "ObjectCreated:Put")
        #expect((record["s3"] as? [String: Any])?["configurationId"] as? String == "q")
        #expect(bus.kind == .eventBridge && bus.target == "Object Created")
        #expect(bus.time == Date(timeIntervalSince1970: 1_700_000_000))
        // Outside the queue's prefix: only EventBridge; a removal: the function and EventBridge.
        #expect(configuration.deliveries(for: Self.event("s3:ObjectCreated:Put", key: "out/cat.jpg")).count == 1)
        let removed = configuration.deliveries(for: Self.event("s3:ObjectRemoved:Delete", size: nil, etag: nil))
        #expect(removed.count == 2)
        guard case .invocation(let invocation) = removed.first else {
            Issue.record("expected an invocation first, got \(removed)")
            return
        }
        #expect(invocation.functionName == "thumbs")
    }

    @Test func eventBridgeObjectCreatedDetail() throws {
        let (detailType, detail) = try #require(Self.event("s3:ObjectCreated:Put", versionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e").eventBridgeDetail())
        #expect(detailType == "Object Created")
        let expected: JSONValue = .object([
            "version": .string("0"),
            "bucket": .object(["name": .string("photos")]),
            "object": .object(["key": .string("in/cat.jpg"), "size": .number(5), "etag": .string("b1946ac92492d2347c6235b4d2611184"),
                               "version-id": .string("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"), "sequencer": .string("00617F08299329D189")]),
            "request-id": .string("N4N7GDK58NMKJ12R"), "requester": .string("000000000000"), "source-ip-address": .string("1.2.3.4"),
            "reason": .string("PutObject"),
        ])
        #expect(detail == expected)
    }

    @Test(arguments: [
        ("s3:ObjectCreated:Copy", "Object Created", "CopyObject", nil),
        ("s3:ObjectCreated:CompleteMultipartUpload", "Object Created", "CompleteMultipartUpload", nil),
        ("s3:ObjectRemoved:Delete", "Object Deleted", "DeleteObject", "Permanently Deleted"),
        ("s3:ObjectRemoved:DeleteMarkerCreated", "Object Deleted", "DeleteObject", "Delete Marker Created"),
        ("s3:LifecycleExpiration:Delete", "Object Deleted", "Lifecycle Expiration", "Permanently Deleted"),
        ("s3:ObjectTagging:Put", "Object Tags Added", nil, nil),
        ("s3:ObjectTagging:Delete", "Object Tags Deleted", nil, nil),
    ] as [(String, String, String?, String?)])
    func eventBridgeKinds(name: String, detailType: String, reason: String?, deletionType: String?) throws {
        let (type, detail) = try #require(Self.event(name).eventBridgeDetail())
        #expect(type == detailType)
        #expect(detail["reason"]?.stringValue == reason)
        #expect(detail["deletion-type"]?.stringValue == deletionType)
    }

    @Test func lifecycleRequesterIsS3AndTestEventsStayOffTheBus() {
        let (_, detail) = Self.event("s3:LifecycleExpiration:Delete", principal: "AWS:s3.amazonaws.com").eventBridgeDetail()!
        #expect(detail["requester"]?.stringValue == "s3.amazonaws.com")
        #expect(Self.event("s3:TestEvent").eventBridgeDetail() == nil)
    }
}
