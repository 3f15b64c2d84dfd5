import Foundation
import PetrelStore

/// Buckets, object metadata, multipart uploads and object bytes, in the one database (all of
/// the module's SQL is in this file, in portable SQL). Bytes are stored as BLOB chunks of at
/// most 1 MiB keyed by (blob, start offset), so every node of a cluster reads them; a blob
/// becomes reachable only when the row that names it commits, and a blob no row names is
/// deleted (at once when overwritten or deleted, at start for writes cut short).
public final class ObjectStore: Sendable {
    let store: Store
    /// Called after a write that queued invocations has committed (wakes the async queue).
    let queued: @Sendable () -> Void
    public static let chunkSize = 1024 * 1024

    public init(store: Store, queued: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.queued = queued
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("objects-v1") { db in
            try db.executeScript("""
                CREATE TABLE s3_buckets (
                    name TEXT PRIMARY KEY,
                    region TEXT NOT NULL,
                    created REAL NOT NULL,
                    notification TEXT,
                    tags TEXT,
                    lifecycle TEXT,
                    cors TEXT
                );
                CREATE TABLE s3_objects (
                    bucket TEXT NOT NULL,
                    object_key TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    last_modified REAL NOT NULL,
                    content_type TEXT NOT NULL,
                    headers TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    checksum_algorithm TEXT,
                    checksum_value TEXT,
                    parts_count INTEGER,
                    storage_class TEXT NOT NULL,
                    blob_id TEXT NOT NULL,
                    tags TEXT,
                    part_sizes TEXT,
                    PRIMARY KEY (bucket, object_key)
                );
                CREATE TABLE s3_chunks (
                    blob_id TEXT NOT NULL,
                    start_offset INTEGER NOT NULL,
                    chunk_size INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (blob_id, start_offset)
                );
                CREATE TABLE s3_pending_blobs (
                    blob_id TEXT PRIMARY KEY,
                    created REAL NOT NULL
                );
                CREATE TABLE s3_uploads (
                    upload_id TEXT PRIMARY KEY,
                    bucket TEXT NOT NULL,
                    object_key TEXT NOT NULL,
                    initiated REAL NOT NULL,
                    content_type TEXT NOT NULL,
                    headers TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    checksum_algorithm TEXT,
                    storage_class TEXT NOT NULL,
                    tags TEXT
                );
                CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, object_key);
                CREATE TABLE s3_parts (
                    upload_id TEXT NOT NULL,
                    part_number INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    checksum_value TEXT,
                    last_modified REAL NOT NULL,
                    blob_id TEXT NOT NULL,
                    PRIMARY KEY (upload_id, part_number)
                );
                """)
        }
        registerVersionMigrations(&migrator)
        registerOutboxMigrations(&migrator)
        registerAccessMigrations(&migrator)
        registerAttributeMigrations(&migrator)
    }

    static let bucketColumns = "name, region, created, notification, tags, lifecycle, cors, versioning"

    // MARK: Buckets

    public func createBucket(_ name: String, region: String, now: Date) throws(S3Error) {
        try write { db in
            if try db.fetchOne(sql: "SELECT name FROM s3_buckets WHERE name = ?", arguments: [name]) != nil {
                throw S3Error.bucketAlreadyOwnedByYou(name)
            }
            try db.execute(sql: "INSERT INTO s3_buckets (name, region, created, notification) VALUES (?, ?, ?, NULL)",
                           arguments: [name, region, now.timeIntervalSince1970])
        }
    }

    public func bucket(_ name: String) throws(S3Error) -> BucketRecord {
        let found: BucketRecord? = try read { db in
            try db.fetchOne(sql: "SELECT \(Self.bucketColumns) FROM s3_buckets WHERE name = ?", arguments: [name])
                .map(Self.bucketRecord)
        }
        guard let found else { throw S3Error.noSuchBucket(name) }
        return found
    }

    public func buckets() throws(S3Error) -> [BucketRecord] {
        try read { db in
            try db.fetchAll(sql: "SELECT \(Self.bucketColumns) FROM s3_buckets ORDER BY name").map(Self.bucketRecord)
        }
    }

    public func deleteBucket(_ name: String) throws(S3Error) {
        try write { db in
            guard try db.fetchOne(sql: "SELECT name FROM s3_buckets WHERE name = ?", arguments: [name]) != nil else {
                throw S3Error.noSuchBucket(name)
            }
            if try db.fetchOne(sql: "SELECT object_key FROM s3_objects WHERE bucket = ? LIMIT 1", arguments: [name]) != nil
                || db.fetchOne(sql: "SELECT object_key FROM s3_versions WHERE bucket = ? LIMIT 1", arguments: [name]) != nil {
                throw S3Error.bucketNotEmpty(name)
            }
            for upload in try db.fetchAll(String.self, sql: "SELECT upload_id FROM s3_uploads WHERE bucket = ?", arguments: [name]) {
                try Self.dropUpload(db, upload)
            }
            try db.execute(sql: "DELETE FROM s3_buckets WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM s3_completed_uploads WHERE bucket = ?", arguments: [name])
            try Self.dropAccess(db, name)
        }
    }

    public func setNotification(_ bucket: String, _ configuration: NotificationConfiguration) throws(S3Error) {
        let json = String(decoding: (try? JSONEncoder().encode(configuration)) ?? Data(), as: UTF8.self)
        try write { db in
            try db.execute(sql: "UPDATE s3_buckets SET notification = ? WHERE name = ?", arguments: [json, bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    /// Sets (nil: deletes) a bucket's CORS configuration.
    public func setCORS(_ bucket: String, _ configuration: CORSConfiguration?) throws(S3Error) {
        let json = configuration.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
        try write { db in
            try db.execute(sql: "UPDATE s3_buckets SET cors = ? WHERE name = ?", arguments: [json, bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    /// Sets (nil: deletes) a bucket's lifecycle configuration.
    public func setLifecycle(_ bucket: String, _ configuration: LifecycleConfiguration?) throws(S3Error) {
        let json = configuration.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
        try write { db in
            try db.execute(sql: "UPDATE s3_buckets SET lifecycle = ? WHERE name = ?", arguments: [json, bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    /// Keys under `prefix` last modified at or before `cutoff`, at most `limit`.
    public func keys(_ bucket: String, prefix: String, modifiedBefore cutoff: Date, limit: Int) throws(S3Error) -> [ObjectRecord] {
        try read { db in
            try db.fetchAll(sql: """
                SELECT \(Self.objectColumns) FROM s3_objects WHERE bucket = ? AND object_key >= ? AND last_modified <= ?
                ORDER BY object_key LIMIT ?
                """, arguments: [bucket, prefix, cutoff.timeIntervalSince1970, limit])
                .map(Self.objectRecord).filter { UTF8Order.hasPrefix($0.key, prefix) }
        }
    }

    /// Sets (or, empty, removes) a bucket's tags.
    public func setBucketTags(_ bucket: String, _ tags: TagSet) throws(S3Error) {
        try write { db in
            try db.execute(sql: "UPDATE s3_buckets SET tags = ? WHERE name = ?", arguments: [tags.isEmpty ? nil : tags.json, bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    static func bucketRecord(_ row: SQLRow) -> BucketRecord {
        let text: String? = row["notification"]
        let notification = text.flatMap { try? JSONDecoder().decode(NotificationConfiguration.self, from: Data($0.utf8)) }
        return BucketRecord(name: row["name"], region: row["region"], created: Date(timeIntervalSince1970: row["created"]),
                            notification: notification ?? NotificationConfiguration(), tags: TagSet.fromJSON(row["tags"]),
                            lifecycle: (row["lifecycle"] as String?).flatMap { try? JSONDecoder().decode(LifecycleConfiguration.self, from: Data($0.utf8)) },
                            cors: (row["cors"] as String?).flatMap { try? JSONDecoder().decode(CORSConfiguration.self, from: Data($0.utf8)) },
                            versioning: row["versioning"])
    }

    // MARK: Blobs

    /// Writes chunks of a new blob as bytes arrive. Each chunk commits on its own; the blob is
    /// pending (unreachable, collected after a crash) until an object or part row names it.
    public final class BlobWriter {
        let store: ObjectStore
        public let id = UUID().uuidString.lowercased()
        private var buffer: [UInt8] = []
        private var offset: Int64 = 0
        private var started = false

        init(store: ObjectStore) {
            self.store = store
            buffer.reserveCapacity(ObjectStore.chunkSize)
        }

        public func append(_ bytes: UnsafeRawBufferPointer) throws(S3Error) {
            var rest = bytes[...]
            while !rest.isEmpty {
                let take = min(ObjectStore.chunkSize - buffer.count, rest.count)
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
                rest = rest.dropFirst(take)
                if buffer.count == ObjectStore.chunkSize { try flush() }
            }
        }

        public func append(_ bytes: [UInt8]) throws(S3Error) {
            var failure: S3Error?
            bytes.withUnsafeBytes { raw in
                do throws(S3Error) { try append(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }

        private func flush() throws(S3Error) {
            let data = Data(buffer)
            let (id, start, first) = (self.id, offset, !started)
            try store.write { db in
                if first {
                    try db.execute(sql: "INSERT INTO s3_pending_blobs (blob_id, created) VALUES (?, ?)",
                                   arguments: [id, Date().timeIntervalSince1970])
                }
                try db.execute(sql: "INSERT INTO s3_chunks (blob_id, start_offset, chunk_size, data) VALUES (?, ?, ?, ?)",
                               arguments: [id, start, data.count, data])
            }
            started = true
            offset += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes the last chunk; the blob stays pending until a row names it.
        public func finish() throws(S3Error) -> WrittenBlob {
            if !buffer.isEmpty || !started { try flush() }
            return WrittenBlob(id: id, size: offset)
        }

        /// Deletes what was written (the request failed).
        public func discard() {
            let id = self.id
            try? store.write { db in try ObjectStore.deleteBlob(db, id) }
        }
    }

    public func blobWriter() -> BlobWriter { BlobWriter(store: self) }

    /// Deletes a blob no row names (a write that failed after its bytes were stored).
    public func discardBlob(_ id: String) throws(S3Error) {
        try write { db in try Self.deleteBlob(db, id) }
    }

    /// The chunk holding byte `offset` of a blob: (its start offset, its bytes).
    public func chunk(blob: String, containing offset: Int64) throws(S3Error) -> (Int64, Data)? {
        try read { db in
            try db.fetchOne(sql: """
                SELECT start_offset, data FROM s3_chunks WHERE blob_id = ? AND start_offset <= ?
                ORDER BY start_offset DESC LIMIT 1
                """, arguments: [blob, offset]).map { ($0["start_offset"] as Int64, $0["data"] as Data) }
        }
    }

    static func deleteBlob(_ db: any SQLConnection, _ id: String) throws {
        try db.execute(sql: "DELETE FROM s3_chunks WHERE blob_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM s3_pending_blobs WHERE blob_id = ?", arguments: [id])
    }

    /// Deletes blobs left pending by writes that never committed (a crash, a dropped connection)
    /// and older than `age`.
    public func collectPendingBlobs(olderThan age: TimeInterval, now: Date = Date()) throws(S3Error) -> Int {
        try write { db in
            let ids = try db.fetchAll(String.self, sql: "SELECT blob_id FROM s3_pending_blobs WHERE created < ?",
                                          arguments: [now.timeIntervalSince1970 - age])
            for id in ids { try Self.deleteBlob(db, id) }
            return ids.count
        }
    }

    // MARK: Objects

    static let objectColumns = """
        bucket, object_key, size, etag, last_modified, content_type, headers, metadata, checksum_algorithm,
        checksum_value, parts_count, storage_class, blob_id, tags, part_sizes, version_id, version_seq, part_checksums
        """

    static func currentObject(_ db: any SQLConnection, _ bucket: String, _ key: String) throws -> ObjectRecord? {
        try db.fetchOne(sql: "SELECT \(objectColumns) FROM s3_objects WHERE bucket = ? AND object_key = ?",
                         arguments: [bucket, key]).map(objectRecord)
    }

    static func requireBucket(_ db: any SQLConnection, _ bucket: String) throws -> BucketRecord {
        guard let row = try db.fetchOne(sql: "SELECT \(Self.bucketColumns) FROM s3_buckets WHERE name = ?",
                                         arguments: [bucket]) else { throw S3Error.noSuchBucket(bucket) }
        return bucketRecord(row)
    }

    /// Makes `record` (whose blob is written) the object at its key, if `condition` holds, and
    /// queues the invocations `events` returns (given the committed record, its version id set),
    /// in one transaction. In an unversioned bucket the replaced object's bytes are freed; in a
    /// versioned one it becomes a noncurrent version (`install`). Returns the committed record.
    @discardableResult
    public func commit(_ record: ObjectRecord, condition: WriteCondition = WriteCondition(),
                       events: (BucketRecord, ObjectRecord) -> [QueuedNotification]) throws(S3Error) -> ObjectRecord {
        var count = 0
        defer { if count > 0 { queued() } }
        return try write { db in
            let bucket = try Self.requireBucket(db, record.bucket)
            let current = try Self.currentObject(db, record.bucket, record.key)
            try condition.check(current: current, key: record.key)
            var committed = record
            try Self.install(db, bucket, &committed, current: current, now: Date())
            try db.execute(sql: "DELETE FROM s3_pending_blobs WHERE blob_id = ?", arguments: [record.blobID])
            count = try Self.queue(db, events(bucket, committed))
            return committed
        }
    }

    /// `commit` for writers whose events do not need the version id.
    @discardableResult
    public func commit(_ record: ObjectRecord, condition: WriteCondition = WriteCondition(),
                       events: (BucketRecord) -> [QueuedNotification]) throws(S3Error) -> ObjectRecord {
        try commit(record, condition: condition) { bucket, _ in events(bucket) }
    }

    static func upsert(_ db: any SQLConnection, _ record: ObjectRecord, seq: Int64) throws {
        try db.execute(sql: """
            INSERT INTO s3_objects (\(objectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (bucket, object_key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
                last_modified = excluded.last_modified, content_type = excluded.content_type, headers = excluded.headers,
                metadata = excluded.metadata, checksum_algorithm = excluded.checksum_algorithm,
                checksum_value = excluded.checksum_value, parts_count = excluded.parts_count,
                storage_class = excluded.storage_class, blob_id = excluded.blob_id, tags = excluded.tags,
                part_sizes = excluded.part_sizes, version_id = excluded.version_id, version_seq = excluded.version_seq,
                part_checksums = excluded.part_checksums
            """, arguments: [record.bucket, record.key, record.size, record.etag, record.lastModified.timeIntervalSince1970,
                             record.contentType, json(record.headers), json(record.metadata), record.checksumAlgorithm?.rawValue,
                             record.checksum, record.partsCount, record.storageClass, record.blobID,
                             record.tags.isEmpty ? nil : record.tags.json,
                             record.partSizes.map { $0.map(String.init).joined(separator: ",") }, record.storedVersionID, seq,
                             record.partChecksums.map { $0.joined(separator: ",") }])
    }

    /// Copies a blob's chunks into a new pending blob (CopyObject).
    public func copyBlob(_ source: String) throws(S3Error) -> String {
        let id = UUID().uuidString.lowercased()
        try write { db in
            try db.execute(sql: "INSERT INTO s3_pending_blobs (blob_id, created) VALUES (?, ?)", arguments: [id, Date().timeIntervalSince1970])
            try db.execute(sql: """
                INSERT INTO s3_chunks (blob_id, start_offset, chunk_size, data)
                SELECT ?, start_offset, chunk_size, data FROM s3_chunks WHERE blob_id = ?
                """, arguments: [id, source])
        }
        return id
    }

    /// One page of a bucket's keys.
    public func list(_ bucket: String, _ query: ListingQuery) throws(S3Error) -> ListingPage<ObjectRecord> {
        try read { db in
            _ = try Self.requireBucket(db, bucket)
            var builder = ListingBuilder<ObjectRecord>(query)
            var from = query.startKey
            var inclusive = query.after == nil
            let batch = min(1001, query.maxKeys + 1)
            scan: while true {
                let rows = try db.fetchAll(sql: """
                    SELECT object_key, size, etag, last_modified, checksum_algorithm, storage_class
                    FROM s3_objects WHERE bucket = ? AND object_key \(inclusive ? ">=" : ">") ?
                    ORDER BY object_key LIMIT ?
                    """, arguments: [bucket, from, batch])
                for row in rows {
                    let key: String = row[0]
                    switch builder.offer(key, Self.pageRecord(row, bucket: bucket)) {
                    case .next:
                        from = key
                        inclusive = false
                    case .skipPrefix(let common):
                        from = common + "\u{10FFFF}"
                        inclusive = false
                        continue scan
                    case .stop:
                        break scan
                    }
                }
                if rows.count < batch { break }
            }
            return builder.page
        }
    }

    /// What a listing shows of an object (no headers, metadata or tags to decode).
    static func listedRecord(_ row: SQLRow, bucket: String) -> ObjectRecord {
        ObjectRecord(bucket: bucket, key: row["object_key"], size: row["size"], etag: row["etag"],
                     lastModified: Date(timeIntervalSince1970: row["last_modified"]), contentType: "",
                     checksumAlgorithm: ChecksumAlgorithm(name: row["checksum_algorithm"]), storageClass: row["storage_class"], blobID: "")
    }

    /// `listedRecord` from `list`'s query, whose columns are in a known order (object_key, size,
    /// etag, last_modified, checksum_algorithm, storage_class): no lookup by name per row.
    static func pageRecord(_ row: SQLRow, bucket: String) -> ObjectRecord {
        ObjectRecord(bucket: bucket, key: row[0], size: row[1], etag: row[2],
                     lastModified: Date(timeIntervalSince1970: row[3]), contentType: "",
                     checksumAlgorithm: ChecksumAlgorithm(name: row[4]), storageClass: row[5], blobID: "")
    }

    static func objectRecord(_ row: SQLRow) -> ObjectRecord {
        ObjectRecord(bucket: row["bucket"], key: row["object_key"], size: row["size"], etag: row["etag"],
                     lastModified: Date(timeIntervalSince1970: row["last_modified"]), contentType: row["content_type"],
                     headers: dictionary(row["headers"]), metadata: dictionary(row["metadata"]),
                     checksumAlgorithm: ChecksumAlgorithm(name: row["checksum_algorithm"]), checksum: row["checksum_value"],
                     partsCount: row["parts_count"], storageClass: row["storage_class"], blobID: row["blob_id"],
                     tags: TagSet.fromJSON(row["tags"]),
                     partSizes: (row["part_sizes"] as String?).map { $0.split(separator: ",").compactMap { Int64($0) } },
                     partChecksums: (row["part_checksums"] as String?).map { $0.split(separator: ",").map(String.init) },
                     versionID: row["version_id"])
    }

    // MARK: Multipart uploads

    public func createUpload(_ template: ObjectRecord, now: Date) throws(S3Error) -> String {
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try write { db in
            _ = try Self.requireBucket(db, template.bucket)
            try db.execute(sql: """
                INSERT INTO s3_uploads (upload_id, bucket, object_key, initiated, content_type, headers, metadata, checksum_algorithm, storage_class, tags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, template.bucket, template.key, now.timeIntervalSince1970, template.contentType,
                                 Self.json(template.headers), Self.json(template.metadata), template.checksumAlgorithm?.rawValue,
                                 template.storageClass, template.tags.isEmpty ? nil : template.tags.json])
        }
        return id
    }

    public func upload(_ bucket: String, _ key: String, _ uploadID: String) throws(S3Error) -> UploadRecord {
        let found: UploadRecord? = try read { db in
            _ = try Self.requireBucket(db, bucket)
            return try Self.uploadRecord(db, uploadID).flatMap { $0.bucket == bucket && $0.key == key ? $0 : nil }
        }
        guard let found else { throw S3Error.noSuchUpload(uploadID) }
        return found
    }

    static func uploadRecord(_ db: any SQLConnection, _ uploadID: String) throws -> UploadRecord? {
        try db.fetchOne(sql: "SELECT * FROM s3_uploads WHERE upload_id = ?", arguments: [uploadID]).map(uploadRecord)
    }

    static func uploadRecord(_ row: SQLRow) -> UploadRecord {
        let initiated = Date(timeIntervalSince1970: row["initiated"])
        let template = ObjectRecord(bucket: row["bucket"], key: row["object_key"], size: 0, etag: "", lastModified: initiated,
                                    contentType: row["content_type"], headers: dictionary(row["headers"]),
                                    metadata: dictionary(row["metadata"]),
                                    checksumAlgorithm: ChecksumAlgorithm(name: row["checksum_algorithm"]),
                                    storageClass: row["storage_class"], blobID: "", tags: TagSet.fromJSON(row["tags"]))
        return UploadRecord(uploadID: row["upload_id"], bucket: row["bucket"], key: row["object_key"], initiated: initiated, template: template)
    }

    public func uploads(_ bucket: String, prefix: String) throws(S3Error) -> [UploadRecord] {
        try read { db in
            _ = try Self.requireBucket(db, bucket)
            return try db.fetchAll(sql: "SELECT * FROM s3_uploads WHERE bucket = ? ORDER BY object_key, initiated",
                                    arguments: [bucket]).map(Self.uploadRecord).filter { UTF8Order.hasPrefix($0.key, prefix) }
        }
    }

    /// Records a part (its blob written); a part uploaded again under the same number replaces the old one.
    public func putPart(_ uploadID: String, _ part: PartRecord) throws(S3Error) {
        try write { db in
            guard try Self.uploadRecord(db, uploadID) != nil else { throw S3Error.noSuchUpload(uploadID) }
            if let old = try db.fetchOne(String.self, sql: "SELECT blob_id FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                                             arguments: [uploadID, part.number]) {
                try Self.deleteBlob(db, old)
            }
            try db.execute(sql: """
                INSERT INTO s3_parts (upload_id, part_number, size, etag, checksum_value, last_modified, blob_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
                    checksum_value = excluded.checksum_value, last_modified = excluded.last_modified, blob_id = excluded.blob_id
                """, arguments: [uploadID, part.number, part.size, part.etag, part.checksum, part.lastModified.timeIntervalSince1970, part.blobID])
            try db.execute(sql: "DELETE FROM s3_pending_blobs WHERE blob_id = ?", arguments: [part.blobID])
        }
    }

    public func parts(_ uploadID: String) throws(S3Error) -> [PartRecord] {
        try read { db in try Self.parts(db, uploadID) }
    }

    static func parts(_ db: any SQLConnection, _ uploadID: String) throws -> [PartRecord] {
        try db.fetchAll(sql: "SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number", arguments: [uploadID]).map { row in
            PartRecord(number: row["part_number"], size: row["size"], etag: row["etag"], checksum: row["checksum_value"],
                       lastModified: Date(timeIntervalSince1970: row["last_modified"]), blobID: row["blob_id"])
        }
    }

    public func abortUpload(_ bucket: String, _ key: String, _ uploadID: String) throws(S3Error) {
        try write { db in
            _ = try Self.requireBucket(db, bucket)
            guard let upload = try Self.uploadRecord(db, uploadID), upload.bucket == bucket, upload.key == key else {
                throw S3Error.noSuchUpload(uploadID)
            }
            try Self.dropUpload(db, uploadID)
        }
    }

    static func dropUpload(_ db: any SQLConnection, _ uploadID: String) throws {
        for part in try parts(db, uploadID) { try deleteBlob(db, part.blobID) }
        try db.execute(sql: "DELETE FROM s3_parts WHERE upload_id = ?", arguments: [uploadID])
        try db.execute(sql: "DELETE FROM s3_uploads WHERE upload_id = ?", arguments: [uploadID])
    }

    /// Completes an upload: checks the parts (`MultipartRules`), joins their chunks into the
    /// object's blob without copying bytes, commits the object and queues its events, in one transaction.
    public func completeUpload(_ bucket: String, _ key: String, _ uploadID: String, requested: [MultipartRules.RequestedPart],
                               condition: WriteCondition, now: Date,
                               finish: (UploadRecord, [PartRecord]) throws(S3Error) -> ObjectRecord,
                               events: (BucketRecord, ObjectRecord) -> [QueuedNotification]) throws(S3Error) -> ObjectRecord {
        var count = 0
        defer { if count > 0 { queued() } }
        return try write { db in
            let bucketRecord = try Self.requireBucket(db, bucket)
            guard let upload = try Self.uploadRecord(db, uploadID), upload.bucket == bucket, upload.key == key else {
                // S3 answers a repeated completion with the same parts as it answered the first.
                if let earlier = try Self.completedUpload(db, bucket, key, uploadID, requested: requested) { return earlier }
                throw S3Error.noSuchUpload(uploadID)
            }
            let stored = try Self.parts(db, uploadID)
            let byNumber = Dictionary(stored.map { ($0.number, MultipartRules.StoredPart(number: $0.number, etag: $0.etag, size: $0.size, checksum: $0.checksum)) },
                                      uniquingKeysWith: { a, _ in a })
            let chosen = try MultipartRules.assemble(requested: requested, stored: byNumber)
            let chosenNumbers = Set(chosen.map(\.number))
            let chosenParts = stored.filter { chosenNumbers.contains($0.number) }
            var record = try finish(upload, chosenParts)
            let current = try Self.currentObject(db, bucket, key)
            try condition.check(current: current, key: key)
            let blob = UUID().uuidString.lowercased()
            var offset: Int64 = 0
            for part in chosenParts {
                try db.execute(sql: "UPDATE s3_chunks SET blob_id = ?, start_offset = start_offset + ? WHERE blob_id = ?",
                               arguments: [blob, offset, part.blobID])
                offset += part.size
            }
            for part in stored where !chosenNumbers.contains(part.number) { try Self.deleteBlob(db, part.blobID) }
            try db.execute(sql: "DELETE FROM s3_parts WHERE upload_id = ?", arguments: [uploadID])
            try db.execute(sql: "DELETE FROM s3_uploads WHERE upload_id = ?", arguments: [uploadID])
            record.blobID = blob
            record.size = offset
            record.partSizes = chosenParts.map(\.size)
            try Self.install(db, bucketRecord, &record, current: current, now: now)
            try Self.recordCompletion(db, uploadID, record, parts: chosen, now: now)
            count = try Self.queue(db, events(bucketRecord, record))
            return record
        }
    }

    // MARK: Plumbing

    static func json(_ dictionary: [String: String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func dictionary(_ text: String?) -> [String: String] {
        guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return [:] }
        return object
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws(S3Error) -> T {
        do { return try store.database.read(body) } catch let error as S3Error { throw error } catch { throw Self.storageError(error) }
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws(S3Error) -> T {
        do { return try store.database.write(body) } catch let error as S3Error { throw error } catch { throw Self.storageError(error) }
    }

    static func storageError(_ error: any Error) -> S3Error {
        var failure = S3Error.internalError()
        failure.detail = "storage: \(error)"
        return failure
    }
}
