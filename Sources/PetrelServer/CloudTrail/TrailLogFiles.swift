import Foundation
import PetrelObjects
import PetrelTrail

extension ObjectRoutes {
    /// Stores a CloudTrail log file as CloudTrail's service principal would, so the bucket's
    /// notifications fire as for any upload.
    func putLogFile(bucket: String, key: String, data: Data) throws {
        let writer = objects.blobWriter()
        let blob: WrittenBlob
        do {
            try data.withUnsafeBytes { try writer.append($0) }
            blob = try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
        let record = ObjectRecord(bucket: bucket, key: key, size: blob.size, etag: LogFileETag.of(data), lastModified: Date(),
                                  contentType: "application/x-gzip", blobID: blob.id)
        do {
            try objects.commit(record) { bucketRecord in
                notifications(bucketRecord, "s3:ObjectCreated:Put", record, requestID: UUID().uuidString, sourceIP: "cloudtrail.amazonaws.com",
                              principalID: "AWSService:cloudtrail.amazonaws.com")
            }
        } catch {
            try? objects.discardBlob(blob.id)
            throw error
        }
    }
}
