import Testing
@testable import PetrelObjects

@Suite struct BucketLocationTests {
    @Test func usEast1CreatesAnywhereElseAndTakesNoConstraintForItself() throws {
        #expect(try BucketLocation.region(constraint: nil, requestRegion: "us-east-1") == "us-east-1")
        #expect(try BucketLocation.region(constraint: "", requestRegion: "us-east-1") == "us-east-1")
        #expect(try BucketLocation.region(constraint: "eu-central-1", requestRegion: "us-east-1") == "eu-central-1")
        #expect(try BucketLocation.region(constraint: "EU", requestRegion: "us-east-1") == "eu-west-1")
        #expect(throws: S3Error.invalidLocationConstraint()) {
            try BucketLocation.region(constraint: "us-east-1", requestRegion: "us-east-1")
        }
    }

    @Test func otherEndpointsCreateOnlyInTheirOwnRegionNamedExplicitly() throws {
        #expect(try BucketLocation.region(constraint: "us-west-2", requestRegion: "us-west-2") == "us-west-2")
        let wrong = #expect(throws: S3Error.self) { try BucketLocation.region(constraint: "us-east-1", requestRegion: "us-west-2") }
        #expect(wrong?.code == "IllegalLocationConstraintException")
        #expect(wrong?.message == "The us-east-1 location constraint is incompatible for the region specific endpoint this request was sent to.")
        let missing = #expect(throws: S3Error.self) { try BucketLocation.region(constraint: nil, requestRegion: "us-east-2") }
        #expect(missing?.message == "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
    }
}
