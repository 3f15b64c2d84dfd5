import Foundation
import Testing
@testable import PetrelObjects

/// GetObjectAttributes' request parsing and document (pure).
@Suite struct ObjectAttributesTests {
    @Test func parsesTheAttributeListAsS3() throws {
        let request = try ObjectAttributesRequest.parse(attributes: ["ETag, ObjectSize", "StorageClass"], maxParts: "2", partNumberMarker: "1")
        #expect(request.names == [.etag, .objectSize, .storageClass])
        #expect(request.maxParts == 2 && request.partNumberMarker == 1)
        // Invalid numbers are ignored, as S3 ignores them; max-parts is at most 1,000.
        let lenient = try ObjectAttributesRequest.parse(attributes: ["ObjectParts"], maxParts: "many", partNumberMarker: "-3")
        #expect(lenient.maxParts == 1000 && lenient.partNumberMarker == 0)
        #expect(try ObjectAttributesRequest.parse(attributes: ["ObjectParts"], maxParts: "5000", partNumberMarker: nil).maxParts == 1000)
        #expect(throws: S3Error("InvalidRequest", status: 400,
                                "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")) {
            try ObjectAttributesRequest.parse(attributes: [" , "], maxParts: nil, partNumberMarker: nil)
        }
        #expect(throws: S3Error.invalidArgument("Invalid attribute name specified.", name: "x-amz-object-attributes", value: "Size")) {
            try ObjectAttributesRequest.parse(attributes: ["ETag,Size"], maxParts: nil, partNumberMarker: nil)
        }
    }

    func record(parts: Int?, checksums: [String]?) -> ObjectRecord {
        var record = ObjectRecord(bucket: "b", key: "k", size: 11, etag: "abc-3", lastModified: Date(), contentType: "x",
                                  checksumAlgorithm: .crc32, checksum: parts == nil ? "AAAAAA==" : "BBBBBB==-3", partsCount: parts,
                                  storageClass: "STANDARD_IA", blobID: "")
        record.partSizes = parts.map { Array(repeating: 5, count: $0 - 1) + [1] }.map { $0.map(Int64.init) }
        record.partChecksums = checksums
        return record
    }

    @Test func documentHasOnlyWhatWasAskedInTheModelsOrder() throws {
        let all = ObjectAttributesRequest(names: Set(ObjectAttributesRequest.Name.allCases))
        let single = all.document(record(parts: nil, checksums: nil))
        #expect(single.contains("<ETag>abc-3</ETag><Checksum><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType></Checksum><StorageClass>STANDARD_IA</StorageClass><ObjectSize>11</ObjectSize>"))
        #expect(!single.contains("ObjectParts"))
        let sizeOnly = ObjectAttributesRequest(names: [.objectSize]).document(record(parts: nil, checksums: nil))
        #expect(sizeOnly.contains("<ObjectSize>11</ObjectSize>") && !sizeOnly.contains("ETag") && !sizeOnly.contains("StorageClass"))
    }

    @Test func compositeChecksumLosesItsSuffixAndPartsArePaged() throws {
        let checksums = ["AQ==", "Ag==", "Aw=="]
        let request = ObjectAttributesRequest(names: [.checksum, .objectParts], maxParts: 1, partNumberMarker: 1)
        let document = request.document(record(parts: 3, checksums: checksums))
        #expect(document.contains("<Checksum><ChecksumCRC32>BBBBBB==</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></Checksum>"))
        #expect(document.contains("<ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated><Part><ChecksumCRC32>Ag==</ChecksumCRC32><PartNumber>2</PartNumber><Size>5</Size></Part></ObjectParts>"))
        // Without part checksums S3 gives only the count.
        let bare = request.document(record(parts: 3, checksums: nil))
        #expect(bare.contains("<ObjectParts><PartsCount>3</PartsCount></ObjectParts>"))
    }
}
