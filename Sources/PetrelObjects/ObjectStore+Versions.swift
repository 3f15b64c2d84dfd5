import Foundation
import PetrelStore

/// Versioning. The current version of a key (when it is not a delete marker) stays the key's
/// row in `s3_objects`, so reads and ListObjects are as before; every other version — noncurrent
/// objects, and delete markers current or not — is a row of `s3_versions`. `version_seq`
/// orders a key's versions (newest highest); `noncurrent_since` is when a version stopped being
/// current (NULL only for a delete marker that is the current version).
extension ObjectStore {
    static func registerVersionMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("objects-v2-versions") { db in
            try db.executeScript("""
                ALTER TABLE s3_buckets ADD COLUMN versioning TEXT;
                ALTER TABLE s3_objects ADD COLUMN version_id TEXT NOT NULL DEFAULT 'null';
                ALTER TABLE s3_objects ADD COLUMN version_seq INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE s3_versions (
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
                    version_id TEXT NOT NULL,
                    version_seq INTEGER NOT NULL,
                    delete_marker INTEGER NOT NULL,
                    noncurrent_since REAL,
                    PRIMARY KEY (bucket, object_key, version_id)
                );
                CREATE INDEX s3_versions_by_seq ON s3_versions (bucket, object_key, version_seq);
                """)
        }
    }

    /// A new version id: 32 URL-safe characters, as S3's.
    static func newVersionID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Sets a bucket's versioning state (`Enabled` or `Suspended`).
    public func setVersioning(_ bucket: String, _ status: String) throws(S3Error) {
        try write { db in
            try db.execute(sql: "UPDATE s3_buckets SET versioning = ? WHERE name = ?", arguments: [status, bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    /// Writes `record` as the key's current object (its row is upserted), as the bucket's
    /// versioning state says: unversioned, the replaced object's bytes are freed; enabled, the
    /// record gets a new version id and the replaced one becomes noncurrent; suspended, the
    /// record is the `null` version and replaces the one there was.
    static func install(_ db: any SQLConnection, _ bucket: BucketRecord, _ record: inout ObjectRecord,
                        current: ObjectRecord?, now: Date) throws {
        let seq = try nextSeq(db, record.bucket, record.key)
        switch bucket.versioning {
        case "Enabled"?:
            record.versionID = newVersionID()
            if let current { try archive(db, current, now: now) }
        case "Suspended"?:
            record.versionID = "null"
            if let current {
                if current.storedVersionID == "null" {
                    if current.blobID != record.blobID { try deleteBlob(db, current.blobID) }
                } else {
                    try archive(db, current, now: now)
                }
            }
            try dropArchived(db, record.bucket, record.key, "null")
        default:
            record.versionID = nil
            if let current, current.blobID != record.blobID { try deleteBlob(db, current.blobID) }
        }
        try markNoncurrent(db, record.bucket, record.key, now: now)
        try upsert(db, record, seq: seq)
    }

    static func nextSeq(_ db: any SQLConnection, _ bucket: String, _ key: String) throws -> Int64 {
        let archived = try db.fetchOne(sql: "SELECT MAX(version_seq) AS m FROM s3_versions WHERE bucket = ? AND object_key = ?",
                                       arguments: [bucket, key]).flatMap { $0["m"] as Int64? } ?? 0
        let current = try db.fetchOne(sql: "SELECT version_seq FROM s3_objects WHERE bucket = ? AND object_key = ?",
                                      arguments: [bucket, key]).map { $0["version_seq"] as Int64 } ?? 0
        return max(archived, current) + 1
    }

    static let versionColumns = """
        bucket, object_key, size, etag, last_modified, content_type, headers, metadata, checksum_algorithm,
        checksum_value, parts_count, storage_class, blob_id, tags, part_sizes, version_id, version_seq, part_checksums
        """

    /// Moves the key's current object row to `s3_versions`, noncurrent from `now`.
    static func archive(_ db: any SQLConnection, _ current: ObjectRecord, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO s3_versions (\(versionColumns), delete_marker, noncurrent_since)
            SELECT \(versionColumns), 0, ? FROM s3_objects WHERE bucket = ? AND object_key = ?
            """, arguments: [now.timeIntervalSince1970, current.bucket, current.key])
        try db.execute(sql: "DELETE FROM s3_objects WHERE bucket = ? AND object_key = ?", arguments: [current.bucket, current.key])
    }

    /// A current delete marker stops being current when a newer version is written.
    static func markNoncurrent(_ db: any SQLConnection, _ bucket: String, _ key: String, now: Date) throws {
        try db.execute(sql: "UPDATE s3_versions SET noncurrent_since = ? WHERE bucket = ? AND object_key = ? AND noncurrent_since IS NULL",
                       arguments: [now.timeIntervalSince1970, bucket, key])
    }

    /// Deletes a noncurrent version (or delete marker) and its bytes.
    static func dropArchived(_ db: any SQLConnection, _ bucket: String, _ key: String, _ versionID: String) throws {
        if let version = try archivedVersion(db, bucket, key, versionID), !version.isDeleteMarker {
            try deleteBlob(db, version.blobID)
        }
        try db.execute(sql: "DELETE FROM s3_versions WHERE bucket = ? AND object_key = ? AND version_id = ?",
                       arguments: [bucket, key, versionID])
    }

    static func archivedVersion(_ db: any SQLConnection, _ bucket: String, _ key: String, _ versionID: String) throws -> ObjectRecord? {
        try db.fetchOne(sql: "SELECT \(versionColumns), delete_marker FROM s3_versions WHERE bucket = ? AND object_key = ? AND version_id = ?",
                        arguments: [bucket, key, versionID]).map(versionRecord)
    }

    static func latestArchived(_ db: any SQLConnection, _ bucket: String, _ key: String) throws -> ObjectRecord? {
        try db.fetchOne(sql: """
            SELECT \(versionColumns), delete_marker FROM s3_versions WHERE bucket = ? AND object_key = ?
            ORDER BY version_seq DESC LIMIT 1
            """, arguments: [bucket, key]).map(versionRecord)
    }

    static func versionRecord(_ row: SQLRow) -> ObjectRecord {
        var record = objectRecord(row)
        record.isDeleteMarker = (row["delete_marker"] as Int64) != 0
        return record
    }

    /// After the current version was deleted: the newest remaining version becomes current (an
    /// object moves back to `s3_objects`; a delete marker stays, marked current).
    static func promote(_ db: any SQLConnection, _ bucket: String, _ key: String) throws {
        guard try currentObject(db, bucket, key) == nil, let latest = try latestArchived(db, bucket, key) else { return }
        if latest.isDeleteMarker {
            try db.execute(sql: "UPDATE s3_versions SET noncurrent_since = NULL WHERE bucket = ? AND object_key = ? AND version_id = ?",
                           arguments: [bucket, key, latest.storedVersionID])
        } else {
            try db.execute(sql: """
                INSERT INTO s3_objects (\(versionColumns))
                SELECT \(versionColumns) FROM s3_versions WHERE bucket = ? AND object_key = ? AND version_id = ?
                """, arguments: [bucket, key, latest.storedVersionID])
            try db.execute(sql: "DELETE FROM s3_versions WHERE bucket = ? AND object_key = ? AND version_id = ?",
                           arguments: [bucket, key, latest.storedVersionID])
        }
    }

    // MARK: Reads

    /// The object at a key (its current version), or the version `versionID` names. A key whose
    /// current version is a delete marker is `NoSuchKey` with `x-amz-delete-marker: true`; a
    /// delete marker asked for by id is `MethodNotAllowed`. In an unversioned bucket the record's
    /// `versionID` is nil.
    public func object(_ bucket: String, _ key: String, versionID: String? = nil) throws(S3Error) -> ObjectRecord {
        try read { db in
            let bucketRecord = try Self.requireBucket(db, bucket)
            var record: ObjectRecord
            let current = try Self.currentObject(db, bucket, key)
            if let versionID {
                if let current, current.storedVersionID == versionID {
                    record = current
                } else if let archived = try Self.archivedVersion(db, bucket, key, versionID) {
                    if archived.isDeleteMarker {
                        var error = S3Error.methodNotAllowed("GET")
                        error.fields.append(("ResourceType", "DeleteMarker"))
                        error.headers = [("x-amz-delete-marker", "true"), ("x-amz-version-id", versionID), ("Allow", "DELETE")]
                        throw error
                    }
                    record = archived
                } else {
                    throw S3Error.noSuchVersion(key, versionID)
                }
            } else if let current {
                record = current
            } else {
                var error = S3Error.noSuchKey(key)
                if let latest = try Self.latestArchived(db, bucket, key), latest.isDeleteMarker {
                    error.headers = [("x-amz-delete-marker", "true"), ("x-amz-version-id", latest.storedVersionID)]
                }
                throw error
            }
            if bucketRecord.versioning == nil, record.storedVersionID == "null" { record.versionID = nil }
            return record
        }
    }

    // MARK: Deletes

    /// What a delete did: the version it removed or the delete marker it created.
    public struct DeleteOutcome: Sendable, Equatable {
        /// The version deleted or the delete marker's id; nil in an unversioned bucket.
        public var versionID: String?
        /// A delete marker was created, or the version deleted was one.
        public var deleteMarker: Bool
        /// Whether anything was deleted or created.
        public var changed: Bool
    }

    /// Deletes at a key, as the bucket's versioning says: unversioned, the object (no error when
    /// there is none, as S3); versioned, a delete marker becomes the current version (the
    /// replaced `null` version is freed when suspended); with `versionID`, that version is deleted
    /// for good and the newest remaining one becomes current. `events` gets the bucket, the
    /// deleted version or created marker, and whether a marker was created.
    @discardableResult
    public func delete(_ bucket: String, _ key: String, versionID: String? = nil,
                       events: (BucketRecord, ObjectRecord, Bool) -> [QueuedNotification]) throws(S3Error) -> DeleteOutcome {
        var count = 0
        defer { if count > 0 { queued() } }
        return try write { db in
            let bucketRecord = try Self.requireBucket(db, bucket)
            let current = try Self.currentObject(db, bucket, key)
            let now = Date()
            if let versionID {
                if let current, current.storedVersionID == versionID {
                    try db.execute(sql: "DELETE FROM s3_objects WHERE bucket = ? AND object_key = ?", arguments: [bucket, key])
                    try Self.deleteBlob(db, current.blobID)
                    try Self.promote(db, bucket, key)
                    count = try Self.queue(db, events(bucketRecord, current, false))
                    return DeleteOutcome(versionID: versionID, deleteMarker: false, changed: true)
                }
                guard let archived = try Self.archivedVersion(db, bucket, key, versionID) else {
                    return DeleteOutcome(versionID: versionID, deleteMarker: false, changed: false)
                }
                try Self.dropArchived(db, bucket, key, versionID)
                try Self.promote(db, bucket, key)
                count = try Self.queue(db, events(bucketRecord, archived, false))
                return DeleteOutcome(versionID: versionID, deleteMarker: archived.isDeleteMarker, changed: true)
            }
            guard let versioning = bucketRecord.versioning else {
                guard let current else { return DeleteOutcome(versionID: nil, deleteMarker: false, changed: false) }
                try db.execute(sql: "DELETE FROM s3_objects WHERE bucket = ? AND object_key = ?", arguments: [bucket, key])
                try Self.deleteBlob(db, current.blobID)
                count = try Self.queue(db, events(bucketRecord, current, false))
                return DeleteOutcome(versionID: nil, deleteMarker: false, changed: true)
            }
            let seq = try Self.nextSeq(db, bucket, key)
            let markerID = versioning == "Enabled" ? Self.newVersionID() : "null"
            if let current {
                if markerID == "null", current.storedVersionID == "null" {
                    try db.execute(sql: "DELETE FROM s3_objects WHERE bucket = ? AND object_key = ?", arguments: [bucket, key])
                    try Self.deleteBlob(db, current.blobID)
                } else {
                    try Self.archive(db, current, now: now)
                }
            }
            if markerID == "null" { try Self.dropArchived(db, bucket, key, "null") }
            try Self.markNoncurrent(db, bucket, key, now: now)
            let marker = ObjectRecord(bucket: bucket, key: key, size: 0, etag: "", lastModified: now, contentType: "",
                                      blobID: "", versionID: markerID)
            try db.execute(sql: """
                INSERT INTO s3_versions (\(Self.versionColumns), delete_marker, noncurrent_since)
                VALUES (?, ?, 0, '', ?, '', '{}', '{}', NULL, NULL, NULL, 'STANDARD', '', NULL, NULL, ?, ?, NULL, 1, NULL)
                """, arguments: [bucket, key, now.timeIntervalSince1970, markerID, seq])
            var created = marker
            created.isDeleteMarker = true
            count = try Self.queue(db, events(bucketRecord, created, true))
            return DeleteOutcome(versionID: markerID, deleteMarker: true, changed: true)
        }
    }

    // MARK: Listing versions

    /// One page of ListObjectVersions: every version and delete marker, by key then newest first.
    public func listVersions(_ bucket: String, _ query: VersionListingQuery) throws(S3Error) -> VersionListingPage {
        try read { db in
            _ = try Self.requireBucket(db, bucket)
            var builder = VersionListingBuilder(query)
            // The cursor: rows with a key after `from`, or at `from` with a sequence below `seq`.
            var from = query.startKey
            var seq: Int64 = 0
            if query.keyMarker == nil || UTF8Order.less(query.keyMarker ?? "", query.prefix) {
                seq = Self.aboveEverySeq
            } else if let keyMarker = query.keyMarker, let versionMarker = query.versionIDMarker {
                if let current = try Self.currentObject(db, bucket, keyMarker), current.storedVersionID == versionMarker {
                    seq = try db.fetchOne(sql: "SELECT version_seq FROM s3_objects WHERE bucket = ? AND object_key = ?",
                                          arguments: [bucket, keyMarker]).map { $0["version_seq"] as Int64 } ?? 0
                } else if let row = try db.fetchOne(sql: "SELECT version_seq FROM s3_versions WHERE bucket = ? AND object_key = ? AND version_id = ?",
                                                    arguments: [bucket, keyMarker, versionMarker]) {
                    seq = row["version_seq"]
                }
            }
            let batch = min(1001, query.maxKeys + 1)
            scan: while true {
                // Each side limited on its own (in key order from its index), so a page reads
                // about a page of rows, not the rest of the bucket, before the merge's sort;
                // `object_key >= ?` bounds the index range (PostgreSQL does not derive it from the OR).
                let rows = try db.fetchAll(sql: """
                    SELECT object_key, version_id, version_seq, is_marker, is_latest, size, etag, last_modified, storage_class, checksum_algorithm
                    FROM (
                        SELECT * FROM (
                            SELECT object_key, version_id, version_seq, 0 AS is_marker, 1 AS is_latest, size, etag, last_modified,
                                   storage_class, checksum_algorithm
                            FROM s3_objects WHERE bucket = ? AND object_key >= ? AND (object_key > ? OR (object_key = ? AND version_seq < ?))
                            ORDER BY object_key, version_seq DESC LIMIT ?
                        ) current_versions
                        UNION ALL
                        SELECT * FROM (
                            SELECT object_key, version_id, version_seq, delete_marker AS is_marker,
                                   CASE WHEN noncurrent_since IS NULL THEN 1 ELSE 0 END AS is_latest, size, etag, last_modified,
                                   storage_class, checksum_algorithm
                            FROM s3_versions WHERE bucket = ? AND object_key >= ? AND (object_key > ? OR (object_key = ? AND version_seq < ?))
                            ORDER BY object_key, version_seq DESC LIMIT ?
                        ) older_versions
                    ) v ORDER BY object_key, version_seq DESC LIMIT ?
                    """, arguments: [bucket, from, from, from, seq, batch, bucket, from, from, from, seq, batch, batch])
                for row in rows {
                    let key: String = row["object_key"]
                    let rowSeq: Int64 = row["version_seq"]
                    var record = Self.listedRecord(row, bucket: bucket)
                    record.versionID = row["version_id"]
                    record.isDeleteMarker = (row["is_marker"] as Int64) != 0
                    let entry = ListedVersion(record: record, isLatest: (row["is_latest"] as Int64) != 0)
                    switch builder.offer(entry) {
                    case .next:
                        (from, seq) = (key, rowSeq)
                    case .skipPrefix(let common):
                        (from, seq) = (common + "\u{10FFFF}", 0)
                        continue scan
                    case .stop:
                        break scan
                    }
                }
                if rows.count < batch { break }
            }
            return builder.result
        }
    }

    /// A sequence number above every stored one (the cursor's "all versions of this key").
    static let aboveEverySeq: Int64 = 1 << 40

    // MARK: Lifecycle

    /// Noncurrent versions under `prefix` noncurrent since `cutoff` or before, at most `limit`.
    public func noncurrentVersions(_ bucket: String, prefix: String, noncurrentBefore cutoff: Date, limit: Int) throws(S3Error) -> [ObjectRecord] {
        try read { db in
            try db.fetchAll(sql: """
                SELECT \(Self.versionColumns), delete_marker FROM s3_versions
                WHERE bucket = ? AND object_key >= ? AND noncurrent_since IS NOT NULL AND noncurrent_since <= ?
                ORDER BY object_key LIMIT ?
                """, arguments: [bucket, prefix, cutoff.timeIntervalSince1970, limit])
                .map(Self.versionRecord).filter { UTF8Order.hasPrefix($0.key, prefix) }
        }
    }

    /// Delete markers under `prefix` that are current and the key's only version.
    public func expiredDeleteMarkers(_ bucket: String, prefix: String, limit: Int) throws(S3Error) -> [ObjectRecord] {
        try read { db in
            try db.fetchAll(sql: """
                SELECT \(Self.versionColumns), delete_marker FROM s3_versions m
                WHERE bucket = ? AND object_key >= ? AND delete_marker = 1 AND noncurrent_since IS NULL
                  AND NOT EXISTS (SELECT 1 FROM s3_versions o WHERE o.bucket = m.bucket AND o.object_key = m.object_key
                                  AND o.version_id <> m.version_id)
                  AND NOT EXISTS (SELECT 1 FROM s3_objects c WHERE c.bucket = m.bucket AND c.object_key = m.object_key)
                ORDER BY object_key LIMIT ?
                """, arguments: [bucket, prefix, limit])
                .map(Self.versionRecord).filter { UTF8Order.hasPrefix($0.key, prefix) }
        }
    }
}

extension ObjectStore {
    /// An object's whole bytes (a version's with `versionID`), read chunk by chunk; objects
    /// larger than `limit` are refused (`EntityTooLarge`). For readers inside Petrel (a
    /// function's deployment package named by S3Bucket/S3Key).
    public func contents(_ bucket: String, _ key: String, versionID: String? = nil, limit: Int64) throws(S3Error) -> Data {
        let record = try object(bucket, key, versionID: versionID)
        guard record.size <= limit else { throw S3Error("EntityTooLarge", status: 400, "Your proposed upload exceeds the maximum allowed size") }
        var data = Data(capacity: Int(record.size))
        var offset: Int64 = 0
        while offset < record.size {
            guard case let (start, bytes)? = try chunk(blob: record.blobID, containing: offset), start + Int64(bytes.count) > offset else {
                throw S3Error.internalError()
            }
            data.append(bytes[bytes.startIndex + Int(offset - start) ..< bytes.endIndex])
            offset = start + Int64(bytes.count)
        }
        return data
    }
}
