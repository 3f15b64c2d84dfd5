import Foundation
import Testing
@testable import PetrelObjects
import PetrelStore

/// Versioning in the store, against a real database (SQLite; PostgreSQL with `PETREL_TEST_STORE`).
@Suite struct VersioningStoreTests {
    let objects: ObjectStore

    init() throws {
        let store = try Store.temporary(migrations: [ObjectStore.registerMigrations, { migrator in
            migrator.registerMigration("test-async-queue") { db in
                try db.executeScript("""
                    CREATE TABLE lambda_async_invocations (request_id TEXT PRIMARY KEY, function_name TEXT NOT NULL, qualifier TEXT,
                        region TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, not_before REAL NOT NULL,
                        created REAL NOT NULL)
                    """)
            }
        }])
        objects = ObjectStore(store: store)
        try objects.createBucket("b", region: "us-east-1", now: Date())
    }

    @discardableResult
    func put(_ key: String, _ bytes: [UInt8]) throws -> ObjectRecord {
        let writer = objects.blobWriter()
        try writer.append(bytes)
        let blob = try writer.finish()
        return try objects.commit(ObjectRecord(bucket: "b", key: key, size: blob.size, etag: ETag.of(bytes), lastModified: Date(),
                                               contentType: "text/plain", blobID: blob.id)) { _, _ in [] }
    }

    func delete(_ key: String, _ version: String? = nil) throws -> ObjectStore.DeleteOutcome {
        try objects.delete("b", key, versionID: version) { _, _, _ in [] }
    }

    func versions(_ query: VersionListingQuery = VersionListingQuery()) throws -> [(String, String, Bool, Bool)] {
        try objects.listVersions("b", query).versions.map { ($0.record.key, $0.record.storedVersionID, $0.record.isDeleteMarker, $0.isLatest) }
    }

    @Test func unversionedBucketHasNoVersionIDs() throws {
        #expect(try put("k", [1]).versionID == nil)
        #expect(try objects.object("b", "k").versionID == nil)
        #expect(try delete("k") == ObjectStore.DeleteOutcome(versionID: nil, deleteMarker: false, changed: true))
    }

    @Test func enabledKeepsEveryVersionAndDeleteMarkersHide() throws {
        try objects.setVersioning("b", "Enabled")
        let first = try put("k", [1])
        let second = try put("k", [2])
        let firstID = try #require(first.versionID)
        let secondID = try #require(second.versionID)
        #expect(firstID != secondID)
        #expect(try objects.object("b", "k").etag == ETag.of([2]))
        #expect(try objects.object("b", "k", versionID: firstID).etag == ETag.of([1]))

        let marker = try delete("k")
        #expect(marker.deleteMarker)
        let markerID = try #require(marker.versionID)
        let hidden = #expect(throws: S3Error.self) { try objects.object("b", "k") }
        #expect(hidden?.code == "NoSuchKey")
        #expect(hidden?.headers.first { $0.0 == "x-amz-delete-marker" }?.1 == "true")
        #expect(try objects.list("b", ListingQuery()).contents.isEmpty)
        #expect(try versions().map { "\($0.1)/\($0.2)/\($0.3)" } == ["\(markerID)/true/true", "\(secondID)/false/false", "\(firstID)/false/false"])

        // Deleting the marker by id brings the newest object back.
        #expect(try delete("k", markerID).deleteMarker)
        #expect(try objects.object("b", "k").storedVersionID == secondID)
        // Deleting the current version by id makes the previous one current.
        _ = try delete("k", secondID)
        #expect(try objects.object("b", "k").storedVersionID == firstID)
        #expect(try versions().map(\.3) == [true])
        #expect(throws: S3Error.noSuchVersion("k", secondID)) { try objects.object("b", "k", versionID: secondID) }
    }

    @Test func suspendedWritesReplaceTheNullVersion() throws {
        try objects.setVersioning("b", "Enabled")
        let kept = try #require(try put("k", [1]).versionID)
        try objects.setVersioning("b", "Suspended")
        #expect(try put("k", [2]).versionID == "null")
        #expect(try put("k", [3]).versionID == "null")
        #expect(try versions().map(\.1) == ["null", kept])
        #expect(try delete("k") == ObjectStore.DeleteOutcome(versionID: "null", deleteMarker: true, changed: true))
        #expect(try versions().map { "\($0.1)/\($0.2)" } == ["null/true", "\(kept)/false"])
    }

    @Test func listingPagesByKeyAndVersionMarkers() throws {
        try objects.setVersioning("b", "Enabled")
        for key in ["a", "b/1", "b/2", "c"] {
            try put(key, [1])
            try put(key, [2])
        }
        let all = try versions()
        #expect(all.count == 8)
        var seen: [String] = []
        var keyMarker: String?
        var versionMarker: String?
        while true {
            let page = try objects.listVersions("b", VersionListingQuery(maxKeys: 3, keyMarker: keyMarker, versionIDMarker: versionMarker))
            seen += page.versions.map { $0.record.key + "@" + $0.record.storedVersionID }
            guard page.isTruncated else { break }
            keyMarker = page.nextKeyMarker
            versionMarker = page.nextVersionIDMarker
        }
        #expect(seen == all.map { $0.0 + "@" + $0.1 })
        let rolled = try objects.listVersions("b", VersionListingQuery(delimiter: "/"))
        #expect(rolled.commonPrefixes == ["b/"])
        #expect(rolled.versions.map(\.record.key) == ["a", "a", "c", "c"])
        #expect(try versions(VersionListingQuery(prefix: "b/")).count == 4)
    }

    @Test func noncurrentVersionsAndLoneMarkersAreFoundForLifecycle() throws {
        try objects.setVersioning("b", "Enabled")
        try put("k", [1])
        try put("k", [2])
        try put("gone", [1])
        let goneID = try #require(try objects.object("b", "gone").versionID)
        _ = try delete("gone")
        let later = Date().addingTimeInterval(1)
        #expect(try objects.noncurrentVersions("b", prefix: "", noncurrentBefore: later, limit: 10).map(\.key) == ["gone", "k"])
        _ = try delete("gone", goneID)
        #expect(try objects.expiredDeleteMarkers("b", prefix: "", limit: 10).map(\.key) == ["gone"])
        #expect(throws: S3Error.bucketNotEmpty("b")) { try objects.deleteBucket("b") }
    }

    /// Tags go on the version asked for; a delete marker is 405 for the request's method, a
    /// version deleted for good 404 NoSuchVersion (moto's test_put_object_tagging_on_deleted_version).
    @Test func taggingAGivenVersion() throws {
        try objects.setVersioning("b", "Enabled")
        let firstID = try #require(try put("k", [1]).versionID)
        let secondID = try #require(try put("k", [2]).versionID)
        let tags = TagSet([TagSet.Tag(key: "t", value: "1")])
        let tagged = try objects.setObjectTags("b", "k", versionID: firstID, method: "PUT", tags) { _, _ in [] }
        #expect(tagged.storedVersionID == firstID)
        #expect(try objects.object("b", "k", versionID: firstID).tags == tags)
        #expect(try objects.object("b", "k").tags.isEmpty)
        #expect(try objects.setObjectTags("b", "k", versionID: nil, method: "PUT", tags) { _, _ in [] }.storedVersionID == secondID)

        _ = try delete("k", firstID)
        #expect(throws: S3Error.noSuchVersion("k", firstID)) {
            try objects.setObjectTags("b", "k", versionID: firstID, method: "PUT", tags) { _, _ in [] }
        }
        let markerID = try #require(try delete("k").versionID)
        let refused = #expect(throws: S3Error.self) {
            try objects.setObjectTags("b", "k", versionID: markerID, method: "PUT", tags) { _, _ in [] }
        }
        #expect(refused?.code == "MethodNotAllowed" && refused?.status == 405)
        #expect(refused?.fields.contains { $0 == ("Method", "PUT") } == true)
        #expect(refused?.fields.contains { $0 == ("ResourceType", "DeleteMarker") } == true)
    }
}
