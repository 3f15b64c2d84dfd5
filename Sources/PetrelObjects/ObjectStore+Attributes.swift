import Foundation
import PetrelStore

/// Part checksums (GetObjectAttributes' `ObjectParts`), completed multipart uploads (a repeated
/// CompleteMultipartUpload answers as the first did), tagging a given version, and S3's key
/// order on PostgreSQL.
extension ObjectStore {
    /// How long a completed upload answers a repeated CompleteMultipartUpload.
    static let completedUploadLifetime: TimeInterval = 24 * 3600

    static func registerAttributeMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("objects-v4-attributes") { db in
            try db.executeScript("""
                ALTER TABLE s3_objects ADD COLUMN part_checksums TEXT;
                ALTER TABLE s3_versions ADD COLUMN part_checksums TEXT;
                CREATE TABLE s3_completed_uploads (
                    upload_id TEXT PRIMARY KEY,
                    bucket TEXT NOT NULL,
                    object_key TEXT NOT NULL,
                    parts TEXT NOT NULL,
                    etag TEXT NOT NULL,
                    version_id TEXT,
                    checksum_algorithm TEXT,
                    checksum_value TEXT,
                    completed REAL NOT NULL
                );
                CREATE INDEX s3_completed_uploads_by_time ON s3_completed_uploads (completed);
                """)
        }
        // S3 lists keys in UTF-8 byte order. SQLite's TEXT compares bytes (BINARY); a PostgreSQL
        // database compares by its default collation (en_US, ICU, …) unless the column says "C".
        migrator.registerMigration("objects-v4-byte-order") { db in
            guard db.dialect == .postgres else { return }
            for (table, column) in keyColumns {
                try db.execute(sql: "ALTER TABLE \(table) ALTER COLUMN \(column) TYPE TEXT COLLATE \"C\"")
            }
        }
    }

    /// Every column holding a bucket name or an object key that is compared or ordered.
    static let keyColumns = [("s3_buckets", "name"), ("s3_objects", "bucket"), ("s3_objects", "object_key"),
                             ("s3_versions", "bucket"), ("s3_versions", "object_key"),
                             ("s3_uploads", "bucket"), ("s3_uploads", "object_key")]

    // MARK: Completed uploads

    /// `1:etag,2:etag`: the parts a completion named (ETags unquoted).
    static func partList(_ parts: [(Int, String)]) -> String {
        parts.map { "\($0.0):\(Conditions.unquote($0.1))" }.joined(separator: ",")
    }

    static func recordCompletion(_ db: any SQLConnection, _ uploadID: String, _ record: ObjectRecord,
                                 parts: [MultipartRules.StoredPart], now: Date) throws {
        try db.execute(sql: "DELETE FROM s3_completed_uploads WHERE completed < ?",
                       arguments: [now.timeIntervalSince1970 - completedUploadLifetime])
        try db.execute(sql: """
            INSERT INTO s3_completed_uploads (upload_id, bucket, object_key, parts, etag, version_id, checksum_algorithm, checksum_value, completed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (upload_id) DO NOTHING
            """, arguments: [uploadID, record.bucket, record.key, partList(parts.map { ($0.number, $0.etag) }), record.etag,
                             record.versionID, record.checksumAlgorithm?.rawValue, record.checksum, now.timeIntervalSince1970])
    }

    /// What an upload completed earlier (within a day) made, when `requested` names the same parts.
    static func completedUpload(_ db: any SQLConnection, _ bucket: String, _ key: String, _ uploadID: String,
                                requested: [MultipartRules.RequestedPart]) throws -> ObjectRecord? {
        guard let row = try db.fetchOne(sql: "SELECT * FROM s3_completed_uploads WHERE upload_id = ?", arguments: [uploadID]),
              row["bucket"] as String == bucket, row["object_key"] as String == key,
              row["parts"] as String == partList(requested.map { ($0.number, $0.etag) }),
              (row["completed"] as Double) >= Date().timeIntervalSince1970 - completedUploadLifetime else { return nil }
        var record = ObjectRecord(bucket: bucket, key: key, size: 0, etag: row["etag"],
                                  lastModified: Date(timeIntervalSince1970: row["completed"]), contentType: "",
                                  checksumAlgorithm: ChecksumAlgorithm(name: row["checksum_algorithm"]), blobID: "",
                                  versionID: row["version_id"])
        record.checksum = row["checksum_value"]
        return record
    }

    // MARK: Tagging a version

    /// Sets (or, empty, removes) the tags of the current object or of version `versionID`, and
    /// queues the events `events` returns. A delete marker is `MethodNotAllowed` (`method`
    /// names the request's), an unknown version `NoSuchVersion`. Returns the version tagged.
    @discardableResult
    public func setObjectTags(_ bucket: String, _ key: String, versionID: String?, method: String, _ tags: TagSet,
                              events: (BucketRecord, ObjectRecord) -> [QueuedNotification]) throws(S3Error) -> ObjectRecord {
        var count = 0
        defer { if count > 0 { queued() } }
        return try write { db in
            let bucketRecord = try Self.requireBucket(db, bucket)
            let json = tags.isEmpty ? nil : tags.json
            var target: ObjectRecord
            let current = try Self.currentObject(db, bucket, key)
            if let current, versionID == nil || current.storedVersionID == versionID {
                target = current
                try db.execute(sql: "UPDATE s3_objects SET tags = ? WHERE bucket = ? AND object_key = ?", arguments: [json, bucket, key])
            } else if let versionID {
                guard let archived = try Self.archivedVersion(db, bucket, key, versionID) else {
                    throw S3Error.noSuchVersion(key, versionID)
                }
                if archived.isDeleteMarker { throw Self.deleteMarkerNotAllowed(method, versionID: versionID) }
                target = archived
                try db.execute(sql: "UPDATE s3_versions SET tags = ? WHERE bucket = ? AND object_key = ? AND version_id = ?",
                               arguments: [json, bucket, key, versionID])
            } else {
                throw S3Error.noSuchKey(key)
            }
            target.tags = tags
            if bucketRecord.versioning == nil, target.storedVersionID == "null" { target.versionID = nil }
            count = try Self.queue(db, events(bucketRecord, target))
            return target
        }
    }

    /// S3's answer to an object request that names a delete marker by its version id.
    public static func deleteMarkerNotAllowed(_ method: String, versionID: String) -> S3Error {
        var error = S3Error.methodNotAllowed(method)
        error.fields.append(("ResourceType", "DeleteMarker"))
        error.headers = [("x-amz-delete-marker", "true"), ("x-amz-version-id", versionID), ("Allow", "DELETE")]
        return error
    }
}
