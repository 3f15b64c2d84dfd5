import Foundation
import Synchronization
import Testing
@testable import PetrelObjects
import PetrelStore

/// The store against a real SQLite database in a temporary directory.
@Suite struct ObjectStoreTests {
    let objects: ObjectStore

    init() throws {
        let store = try Store.temporary(migrations: [ObjectStore.registerMigrations, { migrator in
            // The async invocation queue's table (PetrelInvoker's), which notifications write to.
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

    func put(_ key: String, _ bytes: [UInt8], condition: WriteCondition = WriteCondition()) throws {
        let writer = objects.blobWriter()
        try writer.append(bytes)
        let blob = try writer.finish()
        try objects.commit(ObjectRecord(bucket: "b", key: key, size: blob.size, etag: ETag.of(bytes), lastModified: Date(),
                                        contentType: "text/plain", blobID: blob.id), condition: condition) { _ in [] }
    }

    func read(_ key: String, from first: Int64 = 0, to last: Int64? = nil) throws -> [UInt8] {
        let record = try objects.object("b", key)
        var out: [UInt8] = []
        var offset = first
        let end = last ?? record.size - 1
        while offset <= end {
            let (start, data) = try #require(try objects.chunk(blob: record.blobID, containing: offset))
            let to = Int(min(end - start + 1, Int64(data.count)))
            out += data[data.startIndex + Int(offset - start) ..< data.startIndex + to]
            offset = start + Int64(to)
        }
        return out
    }

    func chunkCount() throws -> Int {
        try objects.store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM s3_chunks") ?? 0 }
    }

    @Test(arguments: [0, 1, ObjectStore.chunkSize - 1, ObjectStore.chunkSize, ObjectStore.chunkSize * 2 + 17])
    func bytesRoundTrip(size: Int) throws {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try put("k", bytes)
        #expect(try read("k") == bytes)
        #expect(try objects.object("b", "k").size == Int64(size))
        if size > 10 { #expect(try read("k", from: 3, to: Int64(size - 2)) == Array(bytes[3...(size - 2)])) }
    }

    @Test func overwriteAndDeleteFreeChunks() throws {
        try put("k", Array(repeating: 1, count: ObjectStore.chunkSize + 1))
        #expect(try chunkCount() == 2)
        try put("k", [2, 3])
        #expect(try chunkCount() == 1)
        #expect(try read("k") == [2, 3])
        #expect(try objects.delete("b", "k") { _, _, _ in [] }.changed)
        #expect(try chunkCount() == 0)
        #expect(throws: S3Error.noSuchKey("k")) { try objects.object("b", "k") }
    }

    @Test func conditionalWrites() throws {
        try put("k", [1], condition: WriteCondition(mustNotExist: true))
        #expect(throws: S3Error.preconditionFailed("If-None-Match")) { try put("k", [2], condition: WriteCondition(mustNotExist: true)) }
        #expect(throws: S3Error.preconditionFailed("If-Match")) { try put("k", [2], condition: WriteCondition(ifMatch: "\"nope\"")) }
        try put("k", [3], condition: WriteCondition(ifMatch: "\"\(ETag.of([1]))\""))
        #expect(try read("k") == [3])
        #expect(throws: S3Error.noSuchKey("other")) { try put("other", [1], condition: WriteCondition(ifMatch: "*")) }
    }

    @Test func bucketRules() throws {
        #expect(throws: S3Error.bucketAlreadyOwnedByYou("b")) { try objects.createBucket("b", region: "us-east-1", now: Date()) }
        try put("k", [1])
        #expect(throws: S3Error.bucketNotEmpty("b")) { try objects.deleteBucket("b") }
        #expect(throws: S3Error.noSuchBucket("nope")) { try objects.list("nope", ListingQuery()) }
    }

    @Test func listingSkipsRolledUpPrefixesAcrossBatches() throws {
        for i in 0..<30 { try put("logs/\(String(format: "%03d", i))", [1]) }
        for key in ["a", "m/1", "m/2", "z"] { try put(key, [1]) }
        let page = try objects.list("b", ListingQuery(delimiter: "/", maxKeys: 3))
        #expect(page.contents.map(\.key) == ["a"])
        #expect(page.commonPrefixes == ["logs/", "m/"])
        #expect(page.isTruncated)
        let next = try objects.list("b", ListingQuery(delimiter: "/", maxKeys: 3, after: page.lastReturned))
        #expect(next.contents.map(\.key) == ["z"])
        #expect(!next.isTruncated)
        let small = try objects.list("b", ListingQuery(prefix: "logs/", maxKeys: 2, after: "logs/010"))
        #expect(small.contents.map(\.key) == ["logs/011", "logs/012"])
    }

    @Test func multipartJoinsPartsWithoutCopying() throws {
        let template = ObjectRecord(bucket: "b", key: "big", size: 0, etag: "", lastModified: Date(), contentType: "x", blobID: "")
        let upload = try objects.createUpload(template, now: Date())
        let first = Array(repeating: UInt8(7), count: Int(MultipartRules.minimumPartSize))
        let second: [UInt8] = [1, 2, 3]
        for (number, bytes) in [(1, first), (2, second)] {
            let writer = objects.blobWriter()
            try writer.append(bytes)
            let blob = try writer.finish()
            try objects.putPart(upload, PartRecord(number: number, size: blob.size, etag: ETag.of(bytes), lastModified: Date(), blobID: blob.id))
        }
        let record = try objects.completeUpload("b", "big", upload,
                                                requested: [.init(number: 1, etag: ETag.of(first)), .init(number: 2, etag: ETag.of(second))],
                                                condition: WriteCondition(), now: Date(), finish: { (upload: UploadRecord, parts: [PartRecord]) throws(S3Error) -> ObjectRecord in
            var record = upload.template
            record.etag = ETag.multipart(parts.map(\.etag)) ?? ""
            record.partsCount = parts.count
            return record
        }, events: { _, _ in [.invocation(QueuedInvocation(functionName: "f", qualifier: nil, region: "us-east-1", payload: Data("{}".utf8)))] })
        #expect(record.size == Int64(first.count + 3))
        #expect(record.etag.hasSuffix("-2"))
        #expect(try read("big", from: Int64(first.count) - 2) == [7, 7, 1, 2, 3])
        #expect(throws: S3Error.noSuchUpload(upload)) { try objects.upload("b", "big", upload) }
        let queued = try objects.store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_async_invocations") ?? 0 }
        #expect(queued == 1)
    }

    @Test func queuedHookFiresAfterCommitsThatQueued() throws {
        let fired = Mutex(0)
        let hooked = ObjectStore(store: objects.store) { fired.withLock { $0 += 1 } }
        let event = QueuedNotification.invocation(QueuedInvocation(functionName: "f", qualifier: nil, region: "us-east-1", payload: Data("{}".utf8)))
        for (key, events) in [("quiet", [QueuedNotification]()), ("loud", [event])] {
            let writer = hooked.blobWriter()
            let blob = try writer.finish()
            try hooked.commit(ObjectRecord(bucket: "b", key: key, size: 0, etag: ETag.of([]), lastModified: Date(), contentType: "x",
                                           blobID: blob.id)) { _ in events }
        }
        #expect(fired.withLock { $0 } == 1)
        try hooked.delete("b", "loud") { _, _, _ in [event] }
        #expect(fired.withLock { $0 } == 2)
    }

    /// Queue and EventBridge notifications commit with the object into the outbox; a claim
    /// hides a message from other drainers until it runs out; a delivered one is removed.
    @Test func outboxCommitsWithTheObjectAndIsClaimedOnce() throws {
        let message = OutboxMessage(kind: .queue, target: "arn:aws:sqs:us-east-1:000000000000:q", region: "us-east-1", body: "{\"Records\":[]}")
        let blob = try objects.blobWriter().finish()
        try objects.commit(ObjectRecord(bucket: "b", key: "k", size: 0, etag: ETag.of([]), lastModified: Date(), contentType: "x",
                                        blobID: blob.id)) { _ in [.outbox(message)] }
        // A refused write (its condition fails) leaves no message behind.
        let other = try objects.blobWriter().finish()
        #expect(throws: S3Error.self) {
            try objects.commit(ObjectRecord(bucket: "b", key: "k", size: 0, etag: ETag.of([]), lastModified: Date(), contentType: "x",
                                            blobID: other.id), condition: WriteCondition(mustNotExist: true)) { _ in [.outbox(message)] }
        }
        #expect(try objects.outboxCount() == 1)
        let now = Date()
        let claimed = try objects.claimOutbox(limit: 10, claimSeconds: 10, now: now)
        #expect(claimed.count == 1)
        #expect(claimed.first?.kind == .queue && claimed.first?.target == message.target && claimed.first?.body == message.body)
        #expect(try objects.claimOutbox(limit: 10, claimSeconds: 10, now: now.addingTimeInterval(5)).isEmpty)
        let again = try objects.claimOutbox(limit: 10, claimSeconds: 10, now: now.addingTimeInterval(11))
        #expect(again.map(\.id) == claimed.map(\.id))
        try objects.removeOutbox(claimed[0].id)
        #expect(try objects.outboxCount() == 0)
    }

    @Test func pendingBlobsAreCollected() throws {
        let writer = objects.blobWriter()
        try writer.append([1, 2, 3])
        _ = try writer.finish()
        #expect(try chunkCount() == 1)
        #expect(try objects.collectPendingBlobs(olderThan: 0, now: Date().addingTimeInterval(1)) == 1)
        #expect(try chunkCount() == 0)
    }

    /// S3's order is UTF-8 byte order, whatever the database's collation (PostgreSQL columns are
    /// `COLLATE "C"`): upper case before lower, digits and punctuation by code, non-ASCII last.
    @Test func listsKeysInUTF8ByteOrder() throws {
        let keys = ["a", "B", "b", "A", "10", "9", "_x", "-y", ".z", "a b", "a-b", "aB", "ab", "é", "e", "z", "Z", "日本", "ü", "~", "😀"]
        for key in keys.shuffled() { try put(key, [1]) }
        let expected = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(try objects.list("b", ListingQuery()).contents.map(\.key) == expected)
        // Paging resumes in the same order.
        var paged: [String] = []
        var after: String?
        repeat {
            let page = try objects.list("b", ListingQuery(maxKeys: 4, after: after))
            paged += page.contents.map(\.key)
            after = page.isTruncated ? page.lastReturned : nil
        } while after != nil
        #expect(paged == expected)
    }

    /// A completion repeated with the same parts answers as the first did (S3 keeps the result);
    /// other parts are NoSuchUpload.
    @Test func repeatedCompletionAnswersAsTheFirst() throws {
        let template = ObjectRecord(bucket: "b", key: "mp", size: 0, etag: "", lastModified: Date(), contentType: "x", blobID: "")
        let upload = try objects.createUpload(template, now: Date())
        let writer = objects.blobWriter()
        try writer.append([1, 2, 3])
        let blob = try writer.finish()
        try objects.putPart(upload, PartRecord(number: 1, size: blob.size, etag: ETag.of([1, 2, 3]), lastModified: Date(), blobID: blob.id))
        func complete(_ etag: String) throws(S3Error) -> ObjectRecord {
            try objects.completeUpload("b", "mp", upload, requested: [.init(number: 1, etag: "\"\(etag)\"")],
                                       condition: WriteCondition(mustNotExist: true), now: Date(),
                                       finish: { (upload: UploadRecord, parts: [PartRecord]) throws(S3Error) -> ObjectRecord in
                var record = upload.template
                record.etag = ETag.multipart(parts.map(\.etag)) ?? ""
                record.partsCount = parts.count
                return record
            }, events: { _, _ in [] })
        }
        let first = try complete(ETag.of([1, 2, 3]))
        let again = try complete(ETag.of([1, 2, 3]))
        #expect(again.etag == first.etag && again.key == "mp")
        #expect(throws: S3Error.noSuchUpload(upload)) { try complete(ETag.of([9])) }
        #expect(try read("mp") == [1, 2, 3])
    }

    /// On a PostgreSQL database whose default collation is ICU's root locale (which sorts "a"
    /// before "B" and ignores case at first), listing is still in UTF-8 byte order: the
    /// `objects-v4-byte-order` migration makes the key columns `COLLATE "C"`.
    @Test(.enabled(if: PostgresDatabase.testCluster != nil, "needs PETREL_TEST_STORE (a PostgreSQL cluster)"))
    func byteOrderOnADatabaseWithALinguisticCollation() throws {
        var url = try PostgresURL(try #require(PostgresDatabase.testCluster))
        let name = "petrel_icu_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresDatabase(url: url)
        try admin.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'")
        }
        admin.close()
        url.database = name
        let database = PostgresDatabase(url: url)
        defer { database.close() }
        let store = try Store(database: database, directory: FileManager.default.temporaryDirectory.appendingPathComponent(name),
                              migrations: [ObjectStore.registerMigrations])
        // The database itself orders linguistically: without the migration the listing would too.
        let linguistic = try database.read { db in
            try db.fetchAll(String.self, sql: "SELECT k FROM (VALUES ('B'), ('a')) AS t(k) ORDER BY k")
        }
        #expect(linguistic == ["a", "B"])
        let icuObjects = ObjectStore(store: store)
        try icuObjects.createBucket("b", region: "us-east-1", now: Date())
        let keys = ["a", "B", "b", "A", "10", "9", "_x", "-y", ".z", "a b", "aB", "ab", "é", "e", "Z", "日本", "~"]
        for key in keys {
            let blob = try icuObjects.blobWriter().finish()
            try icuObjects.commit(ObjectRecord(bucket: "b", key: key, size: 0, etag: ETag.of([]), lastModified: Date(), contentType: "x",
                                               blobID: blob.id)) { _ in [] }
        }
        let expected = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(try icuObjects.list("b", ListingQuery()).contents.map(\.key) == expected)
        #expect(try icuObjects.list("b", ListingQuery(maxKeys: 3, after: "Z")).contents.map(\.key) == Array(expected.drop { $0 != "Z" }.dropFirst().prefix(3)))
    }
}
