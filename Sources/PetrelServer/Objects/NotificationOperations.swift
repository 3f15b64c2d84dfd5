import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions
import PetrelObjects

extension ObjectRoutes {
    func putNotification(_ bucket: String, _ c: S3Context) async throws -> Response {
        let record = try objects.bucket(bucket)
        guard let body = try await xmlBody(c) else { throw S3Error.malformedXML() }
        let configuration = try NotificationConfiguration.parse(body)
        // AWS checks every destination before it stores anything.
        for destination in configuration.lambdaFunctions {
            guard let arn = FunctionARN(destination.functionArn),
                  (try? functions.get(FunctionReference(name: arn.name, qualifier: arn.qualifier), account: account.inRegion(record.region))) != nil
            else {
                throw S3Error.invalidArgument("Unable to validate the following destination configurations",
                                              name: destination.functionArn, value: "The destination Lambda does not exist")
            }
        }
        for destination in configuration.queues {
            guard let destinations else {
                throw S3Error.invalidArgument("Unable to validate the following destination configurations",
                                              name: destination.queueArn, value: "This server has no SQS queues")
            }
            if let problem = destinations.problem(queueArn: destination.queueArn, bucket: record) {
                throw S3Error.invalidArgument("Unable to validate the following destination configurations",
                                              name: destination.queueArn, value: problem)
            }
        }
        try objects.setNotification(bucket, configuration)
        // S3 sends each queue an s3:TestEvent when the configuration is set.
        for destination in configuration.queues {
            destinations?.sendTestEvent(to: destination.queueArn, bucket: record, requestID: c.requestID)
        }
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    func getNotification(_ bucket: String) throws -> Response {
        S3Reply.xml(try objects.bucket(bucket).notification.xml)
    }

    /// What one committed change causes (invocations, queue messages, EventBridge events),
    /// built inside the write's transaction.
    func notifications(_ bucket: BucketRecord, _ eventName: String, _ record: ObjectRecord, _ c: S3Context) -> [QueuedNotification] {
        notifications(bucket, eventName, record, requestID: c.requestID, sourceIP: c.sourceIP, principalID: "AWS:\(account.id)")
    }

    func notifications(_ bucket: BucketRecord, _ eventName: String, _ record: ObjectRecord, requestID: String, sourceIP: String,
                       principalID: String) -> [QueuedNotification] {
        guard !bucket.notification.isEmpty else { return [] }
        // Removals carry neither size nor ETag; tag changes carry the object's ETag, not its size.
        let created = eventName.hasPrefix("s3:ObjectCreated")
        let tagged = eventName.hasPrefix("s3:ObjectTagging")
        let event = ObjectEvent(eventName: eventName, bucket: bucket.name, key: record.key,
                                size: created ? record.size : nil, etag: created || tagged ? record.etag : nil, versionID: record.versionID,
                                sequencer: Self.sequencer(), time: Date(), region: bucket.region, requestID: requestID,
                                sourceIP: sourceIP, principalID: principalID)
        return bucket.notification.deliveries(for: event)
    }

    /// Hex, increasing with time, as S3's sequencers compare per key.
    static func sequencer() -> String {
        let nanos = UInt64(Date().timeIntervalSince1970 * 1_000_000_000)
        let text = String(nanos, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 18 - text.count)) + text
    }
}
