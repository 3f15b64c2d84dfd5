import Foundation
import HTTPTypes
import Hummingbird
import PetrelObjects

extension ObjectRoutes {
    /// GetObjectAttributes (`GET /bucket/key?attributes`): the metadata asked for in
    /// `x-amz-object-attributes`, of the current object or of `versionId`, with
    /// `Last-Modified` and (in a versioned bucket) `x-amz-version-id` as headers.
    func getObjectAttributes(_ bucket: String, _ key: String, _ c: S3Context) throws -> Response {
        let attributes = c.request.headers[values: HTTPField.Name("x-amz-object-attributes")!]
        let request = try ObjectAttributesRequest.parse(attributes: attributes, maxParts: c.header("x-amz-max-parts"),
                                                        partNumberMarker: c.header("x-amz-part-number-marker"))
        // A delete marker: 404 NoSuchKey (current) or 405 MethodNotAllowed (by version id), as GetObject.
        let record = try objects.object(bucket, key, versionID: c.query["versionId"])
        var headers: HTTPFields = [.lastModified: HTTPDate.format(record.lastModified)]
        if let version = record.versionID { headers[HTTPField.Name("x-amz-version-id")!] = version }
        return S3Reply.xml(request.document(record), headers: headers)
    }
}
