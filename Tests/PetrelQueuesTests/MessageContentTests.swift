import Foundation
@testable import PetrelQueues
import Testing

@Suite struct MessageContentTests {
    // Digests AWS answered in the AWS CLI's own examples (aws sqs receive-message / send-message),
    // which show them with the middle elided.
    @Test(arguments: [
        (["PostalCode": "ABC123"], "b8e89563", "e088e74f"),
        (["PostalCode": "ABC123", "City": "Any City"], "9424c491", "26bc3ae7"),
    ])
    func attributeDigestMatchesAWS(strings: [String: String], head: String, tail: String) throws {
        let attributes = strings.mapValues { MessageAttributeValue(dataType: "String", stringValue: $0) }
        let md5 = try #require(MessageContent.md5(attributes: attributes))
        #expect(md5.count == 32)
        #expect(md5.hasPrefix(head) && md5.hasSuffix(tail))
    }

    @Test func bodyDigestMatchesAWS() {
        let md5 = MessageContent.md5(body: "Information about the largest city in Any Region.")
        #expect(md5.hasPrefix("51b0a325") && md5.hasSuffix("39163aa0"))
    }

    @Test func noAttributesNoDigest() {
        #expect(MessageContent.md5(attributes: [:]) == nil)
    }

    @Test func binaryAndStringDigestsDiffer() {
        let s = MessageContent.md5(attributes: ["a": .init(dataType: "String", stringValue: "x")])
        let b = MessageContent.md5(attributes: ["a": .init(dataType: "Binary", binaryValue: Data("x".utf8))])
        let custom = MessageContent.md5(attributes: ["a": .init(dataType: "String.custom", stringValue: "x")])
        #expect(s != b && s != custom)
    }

    @Test(arguments: [
        ("ok-name_1.x", "String", "v", true),
        ("AWS.reserved", "String", "v", false),
        ("amazon.x", "String", "v", false),
        (".dot", "String", "v", false),
        ("a..b", "String", "v", false),
        ("space name", "String", "v", false),
        ("n", "Number", "12.5e3", true),
        ("n", "Number", "abc", false),
        ("n", "Number.int", "7", true),
        ("t", "Text", "v", false),
        ("t", "String.", "v", false),
        ("e", "String", "", false),
    ])
    func attributeValidation(name: String, type: String, value: String, valid: Bool) {
        let attributes = [name: MessageAttributeValue(dataType: type, stringValue: value)]
        #expect(((try? MessageContent.validate(attributes: attributes)) != nil) == valid)
    }

    @Test(arguments: [("hello\tworld\n", true), ("\u{0}", false), ("\u{1F600}", true), ("\u{FFFE}", false)])
    func bodyCharacters(text: String, allowed: Bool) {
        #expect(MessageContent.isAllowed(text) == allowed)
    }

    @Test func selectsAttributesByNameAndPrefix() {
        let all: [String: MessageAttributeValue] = ["a.x": .init(dataType: "String", stringValue: "1"),
                                                     "a.y": .init(dataType: "String", stringValue: "2"),
                                                     "b": .init(dataType: "String", stringValue: "3")]
        #expect(MessageContent.select(all, names: ["All"]).count == 3)
        #expect(MessageContent.select(all, names: [".*"]).count == 3)
        #expect(Set(MessageContent.select(all, names: ["a.*"]).keys) == ["a.x", "a.y"])
        #expect(Set(MessageContent.select(all, names: ["b", "zzz"]).keys) == ["b"])
        #expect(MessageContent.select(all, names: []).isEmpty)
    }
}
