import Testing
@testable import PetrelObjects

@Suite struct TagRulesTests {
    @Test func awsPrefixedKeysAreRefusedWithS3sWordingPerResource() {
        let system = TagSet([.init(key: "aws:owner", value: "me")])
        let object = #expect(throws: S3Error.self) { try system.validated(limit: 10) }
        #expect(object?.code == "InvalidTag")
        #expect(object?.message == "Your TagKey cannot be prefixed with aws:")
        let bucket = #expect(throws: S3Error.self) { try system.validated(limit: 50) }
        #expect(bucket?.message == "System tags cannot be added/updated by requester")
    }

    @Test func elevenObjectTagsIsABadRequest() {
        let many = TagSet((0..<11).map { .init(key: "k\($0)", value: "") })
        let error = #expect(throws: S3Error.self) { try many.validated(limit: 10) }
        #expect(error?.code == "BadRequest")
        #expect(error?.message == "Object tags cannot be greater than 10")
    }
}
