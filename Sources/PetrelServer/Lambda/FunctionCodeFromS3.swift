import Foundation
import PetrelCore
import PetrelObjects

/// A deployment package named by `S3Bucket`/`S3Key`/`S3ObjectVersion` (CreateFunction's Code,
/// UpdateFunctionCode, PublishLayerVersion's Content) is read from Petrel's own object store, in-process.
extension LambdaRoutes {
    /// Lambda's limit on a package's size read from S3 (its unzipped limit: a zip is never larger).
    static let maxS3PackageSize: Int64 = 262_144_000

    func functionCode(zipFile: String?, s3Bucket: String?, s3Key: String?, s3ObjectVersion: String?) throws -> Data {
        guard let s3Bucket else { return try zipData(zipFile) }
        if zipFile != nil {
            throw AWSError.invalidParameter("Please do not provide other FunctionCode parameters when providing a ZipFile.")
        }
        guard let s3Key else {
            throw AWSError.invalidParameter("Please provide a source for function code: S3Key is required with S3Bucket.")
        }
        do {
            return try objects.contents(s3Bucket, s3Key, versionID: s3ObjectVersion, limit: Self.maxS3PackageSize)
        } catch {
            throw AWSError.invalidParameter("Error occurred while GetObject. S3 Error Code: \(error.code). S3 Error Message: \(error.message)")
        }
    }
}
