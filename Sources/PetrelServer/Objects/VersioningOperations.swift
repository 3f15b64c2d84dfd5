import Foundation
import HTTPTypes
import Hummingbird
import PetrelCore
import PetrelObjects

extension ObjectRoutes {
    func putVersioning(_ bucket: String, _ c: S3Context) async throws -> Response {
        guard let body = try await xmlBody(c), body.name == "VersioningConfiguration" else { throw S3Error.malformedXML() }
        guard let status = body.value("Status"), status == "Enabled" || status == "Suspended" else { throw S3Error.malformedXML() }
        try objects.setVersioning(bucket, status)
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    func getVersioning(_ bucket: String) throws -> Response {
        let record = try objects.bucket(bucket)
        var xml = XMLText()
        xml.open("VersioningConfiguration", namespace: true)
        if let status = record.versioning { xml.element("Status", status) }
        xml.close("VersioningConfiguration")
        return S3Reply.xml(xml.document)
    }

    /// ListObjectVersions: versions and delete markers, by key then newest first.
    func listVersions(_ bucket: String, _ c: S3Context) throws -> Response {
        let q = c.query
        let encode = q["encoding-type"] == "url"
        if let encoding = q["encoding-type"], encoding != "url" {
            throw S3Error.invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: encoding)
        }
        let maxKeys = try q.int("max-keys") ?? 1000
        if maxKeys < 0 { throw S3Error.invalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", name: "maxKeys", value: String(maxKeys)) }
        if q["version-id-marker"].map({ !$0.isEmpty }) == true, q["key-marker"].map({ !$0.isEmpty }) != true {
            throw S3Error.invalidArgument("A version-id marker cannot be specified without a key marker.", name: "version-id-marker",
                                          value: q["version-id-marker"])
        }
        let query = VersionListingQuery(prefix: q["prefix"] ?? "", delimiter: q["delimiter"], maxKeys: maxKeys,
                                        keyMarker: q["key-marker"], versionIDMarker: q["version-id-marker"])
        let page = try objects.listVersions(bucket, query)
        let text: (String) -> String = { encode ? URLEncoding.encode($0) : $0 }
        var xml = XMLText()
        xml.open("ListVersionsResult", namespace: true)
        xml.element("Name", bucket)
        xml.element("Prefix", text(query.prefix))
        xml.element("KeyMarker", text(q["key-marker"] ?? ""))
        xml.element("VersionIdMarker", q["version-id-marker"] ?? "")
        if let next = page.nextKeyMarker { xml.element("NextKeyMarker", text(next)) }
        if let next = page.nextVersionIDMarker { xml.element("NextVersionIdMarker", next) }
        xml.element("MaxKeys", maxKeys)
        if let delimiter = query.delimiter { xml.element("Delimiter", text(delimiter)) }
        if encode { xml.element("EncodingType", "url") }
        xml.element("IsTruncated", page.isTruncated)
        let owner = ownerID  // a SHA-256: once per page, not per entry
        for version in page.versions {
            let record = version.record
            xml.open(record.isDeleteMarker ? "DeleteMarker" : "Version")
            xml.element("Key", text(record.key))
            xml.element("VersionId", record.storedVersionID)
            xml.element("IsLatest", version.isLatest)
            xml.element("LastModified", HTTPDate.iso8601(record.lastModified))
            if !record.isDeleteMarker {
                xml.element("ETag", record.quotedETag)
                if let algorithm = record.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm.rawValue) }
                xml.element("Size", record.size)
                xml.element("StorageClass", record.storageClass)
            }
            xml.open("Owner")
            xml.element("ID", owner)
            xml.element("DisplayName", S3Owner.displayName)
            xml.close("Owner")
            xml.close(record.isDeleteMarker ? "DeleteMarker" : "Version")
        }
        for prefix in page.commonPrefixes {
            xml.open("CommonPrefixes")
            xml.element("Prefix", text(prefix))
            xml.close("CommonPrefixes")
        }
        xml.close("ListVersionsResult")
        return S3Reply.xml(xml.document)
    }

    /// The version headers of a delete's answer.
    static func deleteHeaders(_ outcome: ObjectStore.DeleteOutcome) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let version = outcome.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        if outcome.deleteMarker { headers[HTTPField.Name("x-amz-delete-marker")!] = "true" }
        return headers
    }

    /// The event a delete sends: a created delete marker is `…:DeleteMarkerCreated`.
    static func deleteEventName(_ base: String, markerCreated: Bool) -> String {
        markerCreated ? base.replacingOccurrences(of: ":Delete", with: ":DeleteMarkerCreated") : base
    }
}
