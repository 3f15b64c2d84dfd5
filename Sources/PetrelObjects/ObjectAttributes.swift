import Foundation

/// GetObjectAttributes: what the request asks for (`x-amz-object-attributes`, `x-amz-max-parts`,
/// `x-amz-part-number-marker`) and the document S3 answers. Pure.
public struct ObjectAttributesRequest: Sendable, Equatable {
    public enum Name: String, Sendable, CaseIterable {
        case etag = "ETag", checksum = "Checksum", objectParts = "ObjectParts", storageClass = "StorageClass", objectSize = "ObjectSize"
    }

    public var names: Set<Name>
    public var maxParts = 1000
    public var partNumberMarker = 0

    public init(names: Set<Name>, maxParts: Int = 1000, partNumberMarker: Int = 0) {
        self.names = names
        self.maxParts = maxParts
        self.partNumberMarker = partNumberMarker
    }

    /// The request's headers as sent (a list header is comma-separated). As S3: no attribute is
    /// `InvalidRequest`, an unknown one `InvalidArgument`; a max-parts or marker that is not a
    /// number in range is ignored.
    public static func parse(attributes: [String], maxParts: String?, partNumberMarker: String?) throws(S3Error) -> Self {
        var names: Set<Name> = []
        for header in attributes {
            for item in header.split(separator: ",") {
                let text = item.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                guard let name = Name(rawValue: text) else {
                    throw S3Error.invalidArgument("Invalid attribute name specified.", name: "x-amz-object-attributes", value: text)
                }
                names.insert(name)
            }
        }
        guard !names.isEmpty else {
            throw S3Error("InvalidRequest", status: 400,
                          "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
        }
        var request = ObjectAttributesRequest(names: names)
        if let max = maxParts.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), max >= 0 { request.maxParts = min(max, 1000) }
        if let marker = partNumberMarker.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), marker >= 0 { request.partNumberMarker = marker }
        return request
    }

    /// The `GetObjectAttributesResponse` document for `record` (the members asked for, in the
    /// model's order). The ETag is unquoted; a composite checksum loses its `-N` (the parts'
    /// count is in `ObjectParts`). `ObjectParts` is a multipart object's: its `PartsCount`, and
    /// the page of parts only when the parts have checksums, as S3.
    public func document(_ record: ObjectRecord) -> String {
        var xml = XMLText()
        xml.open("GetObjectAttributesResponse", namespace: true)
        if names.contains(.etag) { xml.element("ETag", record.etag) }
        if names.contains(.checksum), let algorithm = record.checksumAlgorithm, let value = record.checksum {
            let (bare, composite) = Self.splitComposite(value)
            xml.open("Checksum")
            xml.element(algorithm.xmlName, bare)
            xml.element("ChecksumType", composite ? "COMPOSITE" : "FULL_OBJECT")
            xml.close("Checksum")
        }
        if names.contains(.objectParts), let count = record.partsCount {
            xml.open("ObjectParts")
            xml.element("PartsCount", count)
            if let algorithm = record.checksumAlgorithm, let checksums = record.partChecksums, checksums.count == count {
                let sizes = record.partSizes ?? []
                let numbers = Array((1...max(count, 1)).prefix(count))
                let after = numbers.filter { $0 > partNumberMarker }
                let page = Array(after.prefix(maxParts))
                xml.element("PartNumberMarker", partNumberMarker)
                if let last = page.last { xml.element("NextPartNumberMarker", last) }
                xml.element("MaxParts", maxParts)
                xml.element("IsTruncated", after.count > page.count)
                for number in page {
                    xml.open("Part")
                    xml.element(algorithm.xmlName, checksums[number - 1])
                    xml.element("PartNumber", number)
                    if number - 1 < sizes.count { xml.element("Size", sizes[number - 1]) }
                    xml.close("Part")
                }
            }
            xml.close("ObjectParts")
        }
        if names.contains(.storageClass) { xml.element("StorageClass", record.storageClass) }
        if names.contains(.objectSize) { xml.element("ObjectSize", record.size) }
        xml.close("GetObjectAttributesResponse")
        return xml.document
    }

    /// `value-N` → (value, true); a full-object checksum → (itself, false).
    static func splitComposite(_ value: String) -> (String, Bool) {
        guard let dash = value.lastIndex(of: "-"), value[value.index(after: dash)...].allSatisfy(\.isNumber),
              value.index(after: dash) < value.endIndex else { return (value, false) }
        return (String(value[..<dash]), true)
    }
}
