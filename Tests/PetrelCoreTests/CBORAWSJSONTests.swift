import Foundation
import PetrelCore
import PetrelWire
import Testing

/// AWS CBOR 1.1 (Kinesis for the Java SDK and the KCL): the shapes that differ from JSON 1.1.
@Suite struct CBORAWSJSONTests {
    let blobs: Set<String> = ["Data"]
    let timestamps: Set<String> = ["ApproximateArrivalTimestamp", "Timestamp"]

    @Test func blobMembersBecomeByteStrings() throws {
        let output = JSONValue.object(["Records": .array([.object(["Data": .string(Data([0, 1, 0xff]).base64EncodedString()), "PartitionKey": .string("k")])])])
        let cbor = CBOR(awsJSON: output, blobs: blobs, timestamps: timestamps)
        #expect(cbor["Records"]?.array?.first?["Data"] == .bytes(Data([0, 1, 0xff])))
        // Other strings, even valid base64, stay text.
        #expect(cbor["Records"]?.array?.first?["PartitionKey"] == .text("k"))
    }

    @Test func timestampMembersBecomeTag1EpochMilliseconds() throws {
        let output = JSONValue.object(["ApproximateArrivalTimestamp": .number(1_700_000_000.123), "MillisBehindLatest": .number(5)])
        let cbor = CBOR(awsJSON: output, blobs: blobs, timestamps: timestamps)
        #expect(cbor["ApproximateArrivalTimestamp"] == .tagged(1, .unsigned(1_700_000_000_123)))
        #expect(cbor["MillisBehindLatest"] == .unsigned(5))
        // c1 1b … : tag 1 around a 64-bit unsigned integer, as Jackson's CBOR parser reads a long.
        #expect(Array(CBOR.tagged(1, .unsigned(1_700_000_000_123)).encoded().prefix(2)) == [0xc1, 0x1b])
    }

    @Test func requestsDecodeToTheJSONShapes() throws {
        let request = CBOR.object([
            ("StreamName", .text("s")), ("Data", .bytes(Data("hi".utf8))),
            ("Timestamp", .tagged(1, .unsigned(1_700_000_000_500))), ("Limit", .unsigned(10)), ("Flag", .bool(true)),
        ])
        let value = try CBOR.decode(request.encoded()).awsJSONValue()
        #expect(value["Data"] == .string(Data("hi".utf8).base64EncodedString()))
        #expect(value["Timestamp"] == .number(1_700_000_000.5))
        #expect(value["Limit"] == .number(10))
        #expect(value["Flag"] == .bool(true))
    }

    @Test func blobsAndTimestampsRoundTrip() throws {
        let data = Data((0..<256).map { UInt8($0) })
        let output = JSONValue.object(["Data": .string(data.base64EncodedString()), "Timestamp": .number(1_700_000_000.25)])
        let back = try CBOR.decode(CBOR(awsJSON: output, blobs: blobs, timestamps: timestamps).encoded()).awsJSONValue()
        #expect(back == output)
    }

    @Test(arguments: [
        CBOR.map([(.unsigned(1), .text("x"))]),             // a non-text key
        .object([("T", .tagged(1, .text("now")))]),       // a timestamp that is not a number
        .object([("B", .tagged(2, .bytes(Data([1]))))]),  // an unsupported tag (bignum)
    ])
    func rejectsShapesJSONCannotCarry(item: CBOR) {
        #expect(throws: CBORError.self) { try item.awsJSONValue() }
    }

    @Test func errorsAreCBORMapsWithTheErrorTypeHeader() throws {
        let response = WireProtocol.renderCBOR11(AWSError("ResourceNotFoundException", status: 400, "Stream s under account 1 not found."))
        #expect(response.status == 400)
        #expect(response.headers.contains { $0 == ("Content-Type", "application/x-amz-cbor-1.1") })
        #expect(response.headers.contains { $0 == ("x-amzn-ErrorType", "ResourceNotFoundException") })
        let body = try CBOR.decode(response.body)
        #expect(body["__type"] == .text("ResourceNotFoundException"))
        #expect(body["message"] == .text("Stream s under account 1 not found."))
    }

    @Test func deepNestingAndHugeLengthsAreErrorsNotCrashes() {
        let deep = Data(repeating: 0x81, count: 100_000) + Data([0x00])
        #expect(throws: CBORError.self) { try CBOR.decode(deep) }
        let indefinite = Data(repeating: 0x9f, count: 100_000)
        #expect(throws: CBORError.self) { try CBOR.decode(indefinite) }
        // A map declaring 2^64-1 pairs, a byte string declaring 4 GiB.
        #expect(throws: CBORError.self) { try CBOR.decode(Data([0xbb] + [UInt8](repeating: 0xff, count: 8))) }
        #expect(throws: CBORError.self) { try CBOR.decode(Data([0xa1, 0x61, 0x44, 0x5a, 0xff, 0xff, 0xff, 0xff, 0x00])) }
    }
}
