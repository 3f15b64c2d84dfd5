import Foundation
import HTTPTypes
import Hummingbird
import PetrelObjects

extension ObjectRoutes {
    func putLifecycle(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
        try objects.setLifecycle(bucket, try LifecycleConfiguration.parse(body))
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    func getLifecycle(_ bucket: String) throws -> Response {
        guard let configuration = try objects.bucket(bucket).lifecycle else {
            throw S3Error("NoSuchLifecycleConfiguration", status: 404, "The lifecycle configuration does not exist",
                          fields: [("BucketName", bucket)])
        }
        return S3Reply.xml(configuration.xml)
    }

    func deleteLifecycle(_ bucket: String) throws -> Response {
        try objects.setLifecycle(bucket, nil)
        return Response(status: .noContent)
    }

    /// Expires what the buckets' lifecycle rules say is due, every `interval`, until cancelled
    /// (a "day" is `dayLength` seconds: 86,400 except in tests). Each expired object is deleted
    /// with an `s3:LifecycleExpiration:Delete` event; incomplete multipart uploads are aborted.
    func runLifecycle(dayLength: TimeInterval, interval: Duration) async {
        while !Task.isCancelled {
            do {
                let expired = try expireDue(now: Date(), dayLength: dayLength)
                if expired > 0 { logger.info("S3 lifecycle: expired \(expired) objects") }
            } catch {
                logger.error("S3 lifecycle sweep failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }

    func expireDue(now: Date, dayLength: TimeInterval) throws -> Int {
        var expired = 0
        for bucket in try objects.buckets() {
            guard let configuration = bucket.lifecycle else { continue }
            for rule in configuration.rules where rule.enabled {
                var cutoff: Date?
                if let days = rule.expirationDays { cutoff = LifecycleConfiguration.cutoff(days: days, now: now, dayLength: dayLength) }
                if let date = rule.expirationDate, now >= date { cutoff = now }
                if let cutoff {
                    for record in try objects.keys(bucket.name, prefix: rule.prefix, modifiedBefore: cutoff, limit: 1000)
                    where LifecycleConfiguration.expires(rule, key: record.key, lastModified: record.lastModified, now: now, dayLength: dayLength) {
                        if try expire(bucket.name, record.key, versionID: nil) { expired += 1 }
                    }
                }
                if let days = rule.noncurrentDays {
                    let cutoff = LifecycleConfiguration.cutoff(days: days, now: now, dayLength: dayLength)
                    for version in try objects.noncurrentVersions(bucket.name, prefix: rule.prefix, noncurrentBefore: cutoff, limit: 1000) {
                        if try expire(bucket.name, version.key, versionID: version.storedVersionID) { expired += 1 }
                    }
                }
                if rule.expiredObjectDeleteMarker == true {
                    for marker in try objects.expiredDeleteMarkers(bucket.name, prefix: rule.prefix, limit: 1000) {
                        if try expire(bucket.name, marker.key, versionID: marker.storedVersionID) { expired += 1 }
                    }
                }
                if let days = rule.abortIncompleteDays {
                    let limit = LifecycleConfiguration.cutoff(days: days, now: now, dayLength: dayLength)
                    for upload in try objects.uploads(bucket.name, prefix: rule.prefix) where upload.initiated <= limit {
                        try? objects.abortUpload(bucket.name, upload.key, upload.uploadID)
                    }
                }
            }
        }
        return expired
    }

    /// Expires one object (in a versioned bucket: a delete marker hides it) or one version.
    private func expire(_ bucket: String, _ key: String, versionID: String?) throws -> Bool {
        try objects.delete(bucket, key, versionID: versionID) { bucketRecord, deleted, markerCreated in
            notifications(bucketRecord, Self.deleteEventName("s3:LifecycleExpiration:Delete", markerCreated: markerCreated), deleted,
                          requestID: Self.sequencer(), sourceIP: "s3.amazonaws.com", principalID: "AWS:s3.amazonaws.com")
        }.changed
    }
}
