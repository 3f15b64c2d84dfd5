import Foundation
import Testing
@testable import PetrelObjects

@Suite struct NotificationTests {
    static func configuration(_ xml: String) throws -> NotificationConfiguration {
        let node = try #require(XMLNode.parse(Data(xml.utf8)))
        return try NotificationConfiguration.parse(node)
    }

    static let arn = "arn:aws:lambda:us-east-1:000000000000:function:thumbs"

    static func rule(_ id: String, _ events: [String], prefix: String? = nil, suffix: String? = nil) -> String {
        var filter = ""
        if prefix != nil || suffix != nil {
            filter = "<Filter><S3Key>"
            if let prefix { filter += "<FilterRule><Name>prefix</Name><Value>\(prefix)</Value></FilterRule>" }
            if let suffix { filter += "<FilterRule><Name>Suffix</Name><Value>\(suffix)</Value></FilterRule>" }
            filter += "</S3Key></Filter>"
        }
        return "<CloudFunctionConfiguration><Id>\(id)</Id><CloudFunction>\(arn)</CloudFunction>"
            + events.map { "<Event>\($0)</Event>" }.joined() + filter + "</CloudFunctionConfiguration>"
    }

    static func document(_ rules: String...) -> String {
        "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules.joined() + "</NotificationConfiguration>"
    }

    @Test(arguments: [
        ("s3:ObjectCreated:Put", "images/cat.jpg", true),
        ("s3:ObjectCreated:CompleteMultipartUpload", "images/big.jpg", true),
        ("s3:ObjectCreated:Put", "images/cat.png", false),
        ("s3:ObjectCreated:Put", "docs/cat.jpg", false),
        ("s3:ObjectRemoved:Delete", "images/cat.jpg", false),
    ])
    func matching(event: String, key: String, expected: Bool) throws {
        let configuration = try Self.configuration(Self.document(Self.rule("created", ["s3:ObjectCreated:*"], prefix: "images/", suffix: ".jpg")))
        #expect(configuration.lambdaFunctions[0].matches(eventName: event, key: key) == expected)
    }

    @Test(arguments: [
        (document(rule("a", ["s3:ObjectCreated:*"]), rule("b", ["s3:ObjectCreated:Put"])), true),
        (document(rule("a", ["s3:ObjectCreated:*"], prefix: "a/"), rule("b", ["s3:ObjectCreated:Put"], prefix: "b/")), false),
        (document(rule("a", ["s3:ObjectCreated:*"], suffix: ".jpg"), rule("b", ["s3:ObjectCreated:*"], suffix: "x.jpg")), true),
        (document(rule("a", ["s3:ObjectCreated:*"]), rule("b", ["s3:ObjectRemoved:*"])), false),
    ])
    func overlaps(xml: String, refused: Bool) {
        let outcome = Result { try Self.configuration(xml) }
        if refused {
            #expect(throws: S3Error.self) { try outcome.get() }
        } else {
            #expect(throws: Never.self) { try outcome.get() }
        }
    }

    @Test(arguments: [
        document("<CloudFunctionConfiguration><CloudFunction>x</CloudFunction><Event>s3:Nope</Event></CloudFunctionConfiguration>"),
        document(rule("a", ["s3:ObjectCreated:*"]).replacingOccurrences(of: "</CloudFunctionConfiguration>",
                 with: "<Filter><S3Key><FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>")),
        "<Other/>",
    ])
    func invalid(xml: String) {
        #expect(throws: S3Error.self) { try Self.configuration(xml) }
    }

    @Test func roundTripThroughXML() throws {
        let first = try Self.configuration(Self.document(Self.rule("one", ["s3:ObjectCreated:*"], prefix: "in/", suffix: ".txt")))
        let again = try Self.configuration(first.xml)
        #expect(again == first)
    }

    @Test func eventRecordShape() throws {
        let event = ObjectEvent(eventName: "s3:ObjectCreated:Put", bucket: "photos", key: "my dir/a+b=c.jpg", size: 42, etag: "abc",
                                sequencer: "0055AED6DCD90281E5", time: Date(timeIntervalSince1970: 0), region: "us-east-1",
                                requestID: "REQ", sourceIP: "127.0.0.1", principalID: "AWS:000000000000")
        let json = try #require(JSONSerialization.jsonObject(with: event.payload(configurationID: "cfg")) as? [String: Any])
        let record = try #require((json["Records"] as? [[String: Any]])?.first)
        #expect(record["eventVersion"] as? String == "2.1")
        #expect(record["eventSource"] as? String == "aws:s3")
        #expect(record["eventName"] as? String == "ObjectCreated:Put")
        #expect(record["eventTime"] as? String == "1970-01-01T00:00:00.000Z")
        let s3 = try #require(record["s3"] as? [String: Any])
        #expect(s3["configurationId"] as? String == "cfg")
        let bucket = try #require(s3["bucket"] as? [String: Any])
        #expect(bucket["arn"] as? String == "arn:aws:s3:::photos")
        let object = try #require(s3["object"] as? [String: Any])
        #expect(object["key"] as? String == "my+dir/a%2Bb%3Dc.jpg")
        #expect(object["size"] as? Int == 42)
        #expect(object["eTag"] as? String == "abc")
        #expect(object["sequencer"] as? String == "0055AED6DCD90281E5")
    }

    @Test(arguments: [
        ("arn:aws:lambda:us-west-2:000000000000:function:f", "f", nil, "us-west-2"),
        ("arn:aws:lambda:us-east-1:000000000000:function:f:live", "f", "live", "us-east-1"),
        ("plain", "plain", nil, nil),
    ] as [(String, String, String?, String?)])
    func functionARNs(text: String, name: String, qualifier: String?, region: String?) throws {
        let arn = try #require(FunctionARN(text))
        #expect(arn.name == name && arn.qualifier == qualifier && arn.region == region)
    }
}

@Suite struct MultipartRuleTests {
    static let mib: Int64 = 1024 * 1024
    static let stored: [Int: MultipartRules.StoredPart] = [
        1: .init(number: 1, etag: "aa", size: 5 * mib), 2: .init(number: 2, etag: "bb", size: 5 * mib),
        3: .init(number: 3, etag: "cc", size: 1), 4: .init(number: 4, etag: "dd", size: 10),
    ]

    @Test(arguments: [
        ([(1, "\"aa\""), (2, "bb"), (3, "cc")], nil),
        ([(1, "aa")], nil),
        ([(3, "cc")], nil),
        ([(2, "bb"), (1, "aa")], "InvalidPartOrder"),
        ([(1, "aa"), (1, "aa")], "InvalidPartOrder"),
        ([(1, "aa"), (5, "ee")], "InvalidPart"),
        ([(1, "zz")], "InvalidPart"),
        ([(3, "cc"), (4, "dd")], "EntityTooSmall"),
        ([], "MalformedXML"),
    ] as [([(Int, String)], String?)])
    func assemble(requested: [(Int, String)], expectedError: String?) {
        let parts = requested.map { MultipartRules.RequestedPart(number: $0.0, etag: $0.1) }
        do {
            let assembled = try MultipartRules.assemble(requested: parts, stored: Self.stored)
            #expect(expectedError == nil)
            #expect(assembled.map(\.number) == parts.map(\.number))
        } catch {
            #expect(error.code == expectedError)
        }
    }
}

@Suite struct TaggingTests {
    @Test(arguments: [
        ("a=1&b=two", [("a", "1"), ("b", "two")]),
        ("project=blue%20sky&empty=", [("project", "blue sky"), ("empty", "")]),
        ("k+1=v%2B2", [("k 1", "v+2")]),
        ("", []),
    ] as [(String, [(String, String)])])
    func header(text: String, expected: [(String, String)]) throws {
        let set = try TagSet.parse(header: text)
        #expect(set.tags.map { [$0.key, $0.value] } == expected.map { [$0.0, $0.1] })
    }

    @Test(arguments: [
        (TagSet((0..<11).map { .init(key: "k\($0)", value: "") }), 10, "BadRequest"),
        (TagSet((0..<11).map { .init(key: "k\($0)", value: "") }), 50, nil),
        (TagSet([.init(key: "a", value: "1"), .init(key: "a", value: "2")]), 10, "InvalidTag"),
        (TagSet([.init(key: String(repeating: "k", count: 129), value: "")]), 10, "InvalidTag"),
        (TagSet([.init(key: "k", value: String(repeating: "v", count: 257))]), 10, "InvalidTag"),
        (TagSet([.init(key: "", value: "v")]), 10, "InvalidTag"),
        (TagSet([.init(key: "k", value: "v")]), 10, nil),
    ] as [(TagSet, Int, String?)])
    func limits(set: TagSet, limit: Int, expected: String?) {
        do {
            _ = try set.validated(limit: limit)
            #expect(expected == nil)
        } catch {
            #expect(error.code == expected)
        }
    }

    @Test func xmlRoundTrip() throws {
        let set = TagSet([.init(key: "a&b", value: "<1>"), .init(key: "c", value: "")])
        let node = try #require(XMLNode.parse(Data(set.xml.utf8)))
        #expect(try TagSet.parse(node) == set)
        #expect(TagSet.fromJSON(set.json) == set)
    }
}

@Suite struct LifecycleTests {
    static let day: TimeInterval = 86_400
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(arguments: [
        // Created 2024-01-01 10:00, 1 day: 2024-01-02 10:00 rounded up to 2024-01-03 00:00.
        ("2024-01-01T10:00:00Z", 1, "2024-01-02T23:59:59Z", false),
        ("2024-01-01T10:00:00Z", 1, "2024-01-03T00:00:00Z", true),
        ("2024-01-01T00:00:00Z", 1, "2024-01-02T00:00:00Z", true),
        ("2024-01-01T00:00:01Z", 30, "2024-02-01T00:00:00Z", true),
        ("2024-01-01T00:00:01Z", 31, "2024-02-01T00:00:00Z", false),
    ] as [(String, Int, String, Bool)])
    func daysRoundToMidnight(created: String, days: Int, now: String, expected: Bool) {
        let rule = LifecycleConfiguration.Rule(id: "r", prefix: "", enabled: true, expirationDays: days, expirationDate: nil, abortIncompleteDays: nil)
        #expect(LifecycleConfiguration.expires(rule, key: "k", lastModified: Self.date(created), now: Self.date(now)) == expected)
    }

    @Test func prefixStatusAndDate() {
        let created = Self.date("2024-01-01T00:00:00Z")
        let later = Self.date("2025-01-01T00:00:00Z")
        let rule = LifecycleConfiguration.Rule(id: "r", prefix: "logs/", enabled: true, expirationDays: 1, expirationDate: nil, abortIncompleteDays: nil)
        #expect(LifecycleConfiguration.expires(rule, key: "logs/a", lastModified: created, now: later))
        #expect(!LifecycleConfiguration.expires(rule, key: "data/a", lastModified: created, now: later))
        var disabled = rule
        disabled.enabled = false
        #expect(!LifecycleConfiguration.expires(disabled, key: "logs/a", lastModified: created, now: later))
        let dated = LifecycleConfiguration.Rule(id: "d", prefix: "", enabled: true, expirationDays: nil,
                                                expirationDate: Self.date("2024-06-01T00:00:00Z"), abortIncompleteDays: nil)
        #expect(!LifecycleConfiguration.expires(dated, key: "k", lastModified: created, now: Self.date("2024-05-31T23:59:59Z")))
        #expect(LifecycleConfiguration.expires(dated, key: "k", lastModified: later, now: Self.date("2024-06-01T00:00:00Z")))
    }

    @Test func parseAndRender() throws {
        let xml = """
            <LifecycleConfiguration><Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>
            <Expiration><Days>7</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>
            </AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>
            """
        let configuration = try LifecycleConfiguration.parse(try #require(XMLNode.parse(Data(xml.utf8))))
        #expect(configuration.rules == [.init(id: "logs", prefix: "logs/", enabled: true, expirationDays: 7, expirationDate: nil, abortIncompleteDays: 2)])
        #expect(try LifecycleConfiguration.parse(try #require(XMLNode.parse(Data(configuration.xml.utf8)))) == configuration)
        let bad = "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule></LifecycleConfiguration>"
        #expect(throws: S3Error.self) { try LifecycleConfiguration.parse(try #require(XMLNode.parse(Data(bad.utf8)))) }
    }
}

@Suite struct CORSTests {
    static let configuration = CORSConfiguration(rules: [
        .init(allowedOrigins: ["http://localhost:3000"], allowedMethods: ["GET", "PUT"], allowedHeaders: ["*"], exposeHeaders: ["ETag"]),
        .init(id: "any", allowedOrigins: ["http://*.example.com"], allowedMethods: ["GET"], allowedHeaders: ["x-amz-*"]),
    ])

    @Test(arguments: [
        ("http://localhost:3000", "PUT", ["content-type"], Optional<String>.none, true),
        ("http://localhost:3000", "DELETE", [], nil, false),
        ("http://a.example.com", "GET", ["X-Amz-Date"], "any", true),
        ("http://a.example.com", "GET", ["content-type"], nil, false),
        ("https://a.example.com", "GET", [], nil, false),
        ("http://example.com", "GET", [], nil, false),
    ] as [(String, String, [String], String?, Bool)])
    func matching(origin: String, method: String, headers: [String], id: String?, allowed: Bool) {
        let rule = Self.configuration.match(origin: origin, method: method, requestHeaders: headers)
        #expect((rule != nil) == allowed)
        if allowed { #expect(rule?.id == id) }
    }

    @Test func parseAndRender() throws {
        let parsed = try CORSConfiguration.parse(try #require(XMLNode.parse(Data(Self.configuration.xml.utf8))))
        #expect(parsed == Self.configuration)
        let bad = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"
        #expect(throws: S3Error.self) { try CORSConfiguration.parse(try #require(XMLNode.parse(Data(bad.utf8)))) }
    }
}

@Suite struct PartRangeTests {
    static let multipart = ObjectRecord(bucket: "b", key: "k", size: 23, etag: "e-3", lastModified: Date(), contentType: "x",
                                        blobID: "", partSizes: [10, 10, 3])
    static let single = ObjectRecord(bucket: "b", key: "k", size: 7, etag: "e", lastModified: Date(), contentType: "x", blobID: "")

    @Test(arguments: [(1, 0, 9), (2, 10, 19), (3, 20, 22)] as [(Int, Int64, Int64)])
    func parts(number: Int, first: Int64, last: Int64) throws {
        let range = try #require(Self.multipart.partRange(number))
        #expect(range.first == first && range.last == last)
    }

    @Test func outOfRange() {
        #expect(Self.multipart.partRange(0) == nil)
        #expect(Self.multipart.partRange(4) == nil)
        #expect(Self.single.partRange(1)! == (0, 6))
        #expect(Self.single.partRange(2) == nil)
    }
}
