import Foundation
import Testing
@testable import PetrelObjects
import PetrelStore

/// Bucket policies, public access blocks and ownership controls through the store (SQLite, or
/// PostgreSQL with PETREL_TEST_STORE).
@Suite struct BucketAccessStoreTests {
    let objects: ObjectStore

    init() throws {
        objects = ObjectStore(store: try Store.temporary(migrations: [ObjectStore.registerMigrations]))
        try objects.createBucket("b", region: "us-east-1", now: Date())
    }

    @Test func aNewBucketHasDefaults() throws {
        let access = try objects.access("b")
        #expect(access == BucketAccess())
        #expect(access.ownership.effective == "BucketOwnerEnforced")
        #expect(access.ownership.aclsDisabled)
    }

    @Test func settingsAreKeptApartAndDeleted() throws {
        try objects.setPolicy("b", #"{"Statement":[]}"#)
        try objects.setPublicAccessBlock("b", PublicAccessBlock(blockPublicPolicy: true))
        try objects.setOwnership("b", .set("ObjectWriter"))
        var access = try objects.access("b")
        #expect(access.policy == #"{"Statement":[]}"#)
        #expect(access.publicAccessBlock == PublicAccessBlock(blockPublicPolicy: true))
        #expect(access.ownership == .set("ObjectWriter"))
        #expect(!access.ownership.aclsDisabled)
        try objects.setPolicy("b", nil)
        try objects.setOwnership("b", .removed)
        access = try objects.access("b")
        #expect(access.policy == nil)
        #expect(access.publicAccessBlock?.blockPublicPolicy == true)
        #expect(access.ownership.effective == nil)
    }

    @Test func aMissingBucketIsNoSuchBucket() throws {
        #expect(throws: S3Error.noSuchBucket("nope")) { try objects.setPolicy("nope", "{}") }
        #expect(try objects.access("nope") == BucketAccess())
    }

    @Test func aBucketCreatedAgainStartsAfresh() throws {
        try objects.setPolicy("b", "{}")
        try objects.deleteBucket("b")
        try objects.createBucket("b", region: "us-east-1", now: Date())
        #expect(try objects.access("b").policy == nil)
    }

    @Test func publicAccessBlockXMLRoundTrips() throws {
        let block = PublicAccessBlock(blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true)
        let parsed = try #require(XMLNode.parse(Data(block.xml.utf8)))
        #expect(try PublicAccessBlock.parse(parsed) == block)
        let partial = try #require(XMLNode.parse(Data("<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>".utf8)))
        #expect(try PublicAccessBlock.parse(partial) == PublicAccessBlock(restrictPublicBuckets: true))
        let bad = try #require(XMLNode.parse(Data("<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>".utf8)))
        #expect(throws: S3Error.malformedXML()) { try PublicAccessBlock.parse(bad) }
    }

    @Test func ownershipControlsXML() throws {
        let parsed = try #require(XMLNode.parse(Data(BucketAccess.Ownership.xml("ObjectWriter").utf8)))
        #expect(try BucketAccess.Ownership.parse(parsed) == "ObjectWriter")
        let bad = try #require(XMLNode.parse(Data("<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>".utf8)))
        #expect(throws: S3Error.malformedXML()) { try BucketAccess.Ownership.parse(bad) }
    }
}
