import Foundation
import Testing
@testable import PetrelObjects

@Suite struct BucketNameTests {
    @Test(arguments: [
        ("my-bucket", true), ("a.b.c", true), ("abc", true), ("ab", false), (String(repeating: "a", count: 64), false),
        ("My-Bucket", false), ("-bucket", false), ("bucket-", false), ("a..b", false), ("192.168.5.4", false),
        ("xn--bucket", false), ("bucket-s3alias", false), ("under_score", false), ("a.-b", false), ("1.2.3.bucket", true),
    ])
    func validity(name: String, valid: Bool) {
        #expect(BucketName.isValid(name) == valid)
    }
}

@Suite struct AddressingTests {
    @Test(arguments: [
        ("127.0.0.1:4566", "/bucket/key/with%20space", "bucket", "key/with space"),
        ("127.0.0.1:4566", "/bucket", "bucket", nil),
        ("127.0.0.1:4566", "/bucket/", "bucket", nil),
        ("127.0.0.1:4566", "/", nil, nil),
        ("my.bucket.s3.localhost:4566", "/a/b", "my.bucket", "a/b"),
        ("bucket.s3.us-west-2.localhost", "/k", "bucket", "k"),
        ("s3.localhost:4566", "/bucket/k%2Bplus+sign", "bucket", "k+plus+sign"),
        ("bucket.s3.localhost", "/", "bucket", nil),
        ("localhost:4566", "/b/%E2%9C%93", "b", "✓"),
    ] as [(String, String, String?, String?)])
    func parse(host: String, path: String, bucket: String?, key: String?) {
        #expect(ObjectAddress.parse(host: host, rawPath: path) == ObjectAddress(bucket: bucket, key: key))
    }

    @Test(arguments: [("bucket.s3.localhost:4566", true), ("s3.localhost", true), ("127.0.0.1:4566", false), ("localhost", false)])
    func s3Host(host: String, expected: Bool) {
        #expect(ObjectAddress.isS3Host(host) == expected)
    }
}

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-9", 100, ByteRange.partial(first: 0, last: 9)),
        ("bytes=90-", 100, .partial(first: 90, last: 99)),
        ("bytes=-10", 100, .partial(first: 90, last: 99)),
        ("bytes=-200", 100, .partial(first: 0, last: 99)),
        ("bytes=50-500", 100, .partial(first: 50, last: 99)),
        ("bytes=100-", 100, .unsatisfiable),
        ("bytes=100-200", 100, .unsatisfiable),
        ("bytes=-0", 100, .unsatisfiable),
        ("bytes=9-3", 100, .whole),
        ("bytes=0-1,5-6", 100, .whole),
        ("items=0-1", 100, .whole),
        (nil, 100, .whole),
        ("bytes=0-", 0, .unsatisfiable),
    ] as [(String?, Int64, ByteRange)])
    func parse(header: String?, size: Int64, expected: ByteRange) {
        #expect(ByteRange.parse(header, size: size) == expected)
    }
}

@Suite struct ConditionTests {
    static let modified = Date(timeIntervalSince1970: 1_700_000_000.25)
    static let before = Date(timeIntervalSince1970: 1_699_999_000)
    static let after = Date(timeIntervalSince1970: 1_700_001_000)

    @Test(arguments: [
        (Conditions(), Conditions.Outcome.proceed),
        (Conditions(ifMatch: "\"abc\""), .proceed),
        (Conditions(ifMatch: "abc\""), .proceed), (Conditions(ifMatch: "\"abc"), .proceed),  // one quote missing
        (Conditions(ifMatch: "\"zzz\""), .preconditionFailed("If-Match")),
        (Conditions(ifMatch: "*"), .proceed),
        (Conditions(ifMatch: "\"x\", \"abc\""), .proceed),
        (Conditions(ifNoneMatch: "\"abc\""), .notModified),
        (Conditions(ifNoneMatch: "W/\"abc\""), .notModified),
        (Conditions(ifNoneMatch: "\"zzz\""), .proceed),
        (Conditions(ifModifiedSince: before), .proceed),
        (Conditions(ifModifiedSince: after), .notModified),
        (Conditions(ifModifiedSince: Date(timeIntervalSince1970: 1_700_000_000)), .notModified),
        (Conditions(ifUnmodifiedSince: before), .preconditionFailed("If-Unmodified-Since")),
        (Conditions(ifUnmodifiedSince: after), .proceed),
        // If-Match true wins over a failing If-Unmodified-Since; If-None-Match false wins over If-Modified-Since.
        (Conditions(ifMatch: "abc", ifUnmodifiedSince: before), .proceed),
        (Conditions(ifNoneMatch: "zzz", ifModifiedSince: after), .proceed),
        (Conditions(ifMatch: "zzz", ifNoneMatch: "abc"), .preconditionFailed("If-Match")),
    ])
    func evaluate(conditions: Conditions, expected: Conditions.Outcome) {
        #expect(conditions.evaluate(etag: "\"abc\"", lastModified: Self.modified) == expected)
    }

    @Test func httpDates() {
        let date = HTTPDate.parse("Tue, 14 Nov 2023 22:13:20 GMT")
        #expect(date == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 1_700_000_000)) == "Tue, 14 Nov 2023 22:13:20 GMT")
        #expect(HTTPDate.iso8601(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.500Z")
    }
}

@Suite struct ChecksumTests {
    @Test(arguments: [
        (ChecksumAlgorithm.crc32, "123456789", "y/Q5Jg=="),
        (.crc32, "hello world", "DUoRhQ=="),
        (.crc32c, "123456789", "4waSgw=="),
        (.crc64nvme, "123456789", "rosUhgp5mIg="),
        (.sha1, "123456789", "98O8HYCOBHMq32eZZczDTKeuNEE="),
        (.sha256, "123456789", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="),
    ])
    func knownValues(algorithm: ChecksumAlgorithm, input: String, expected: String) {
        #expect(algorithm.digest(Array(input.utf8)) == expected)
    }

    @Test(arguments: ChecksumAlgorithm.allCases)
    func incrementalEqualsWhole(algorithm: ChecksumAlgorithm) {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = Checksummer(algorithm)
        for piece in stride(from: 0, to: bytes.count, by: 997) { hasher.update(Array(bytes[piece..<min(piece + 997, bytes.count)])) }
        #expect(hasher.finalize() == algorithm.digest(bytes))
    }

    @Test func etags() {
        #expect(ETag.of([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(ETag.multipart(["\"0cc175b9c0f1b6a831c399e269772661\"", "92eb5ffee6ae2fec3ad71c777531578f"])
                == "96e024ba2074fe77e8e965ba43a704be-2")
        #expect(ETag.multipart(["not-hex"]) == nil)
    }
}

@Suite struct AwsChunkedTests {
    @Test(arguments: [1, 3, 7, 1000])
    func unsignedTrailer(pieceSize: Int) throws {
        let body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
        var decoder = AwsChunkedDecoder()
        var output: [UInt8] = []
        let bytes = Array(body.utf8)
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            output += try decoder.feed(Array(bytes[start..<min(start + pieceSize, bytes.count)]))
        }
        #expect(String(decoding: output, as: UTF8.self) == "hello world")
        #expect(decoder.trailers["x-amz-checksum-crc32"] == "DUoRhQ==")
        #expect(decoder.isFinished)
        #expect(decoder.decodedLength == 11)
    }

    @Test func signedChunksRecordSignatures() throws {
        let body = "3;chunk-signature=aaa\r\nabc\r\n0;chunk-signature=bbb\r\n\r\n"
        var decoder = AwsChunkedDecoder()
        let output = try decoder.feed(Array(body.utf8))
        #expect(output == Array("abc".utf8))
        #expect(decoder.chunks.map(\.signature) == ["aaa", "bbb"])
        #expect(decoder.chunks[1].sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test(arguments: ["zz\r\nabc\r\n", "2\r\nabc\r\n"])
    func malformed(body: String) {
        var decoder = AwsChunkedDecoder()
        #expect(throws: AwsChunkedDecoder.Failure.self) { _ = try decoder.feed(Array(body.utf8)) }
    }
}

@Suite struct ChunkSignatureTests {
    /// AWS's worked example ("Transferring payload in multiple chunks", Amazon S3 API reference):
    /// 65,536 and 1,024 bytes of `a`, then the final empty chunk.
    static let key = ChunkSignatures.signingKey(secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", date: "20130524",
                                                region: "us-east-1", service: "s3")
    static let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    static let signatures = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                             "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                             "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]

    static func body(signatures: [String]) -> [UInt8] {
        var body = Array("10000;chunk-signature=\(signatures[0])\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 65536)
        body += Array("\r\n400;chunk-signature=\(signatures[1])\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1024)
        body += Array("\r\n0;chunk-signature=\(signatures[2])\r\n\r\n".utf8)
        return body
    }

    @Test func awsExampleVerifies() throws {
        var decoder = AwsChunkedDecoder()
        let payload = try decoder.feed(Self.body(signatures: Self.signatures))
        #expect(payload.count == 66560)
        #expect(ChunkSignatures.verify(decoder.chunks, seed: Self.seed, key: Self.key, amzDate: "20130524T000000Z",
                                       scope: "20130524/us-east-1/s3/aws4_request"))
    }

    @Test(arguments: [0, 1, 2])
    func anyTamperedSignatureFails(index: Int) throws {
        var signatures = Self.signatures
        signatures[index] = String(repeating: "0", count: 64)
        var decoder = AwsChunkedDecoder()
        _ = try decoder.feed(Self.body(signatures: signatures))
        #expect(!ChunkSignatures.verify(decoder.chunks, seed: Self.seed, key: Self.key, amzDate: "20130524T000000Z",
                                        scope: "20130524/us-east-1/s3/aws4_request"))
    }
}

@Suite struct SigV2Tests {
    /// AWS's documented examples (Amazon S3 Developer Guide, "Signing and authenticating REST requests").
    @Test func documentedGetObject() {
        let toSign = SigV2.stringToSign(method: "GET", contentMD5: "", contentType: "", dateOrExpires: "Tue, 27 Mar 2007 19:36:42 +0000",
                                        amzHeaders: [], resource: SigV2.resource(virtualHostBucket: "awsexamplebucket1",
                                                                                 rawPath: "/photos/puppy.jpg", query: []))
        #expect(toSign == "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg")
        #expect(SigV2.signature(secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", stringToSign: toSign) == "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")
    }

    @Test(arguments: [
        ("/b/k", [("uploadId", "abc"), ("partNumber", "2"), ("X-Amz-Foo", "x")], "/b/k?partNumber=2&uploadId=abc"),
        ("/b/", [("acl", "")], "/b/?acl"),
        ("/b/k", [("response-content-type", "text/plain"), ("Expires", "1")], "/b/k?response-content-type=text/plain"),
    ] as [(String, [(String, String)], String)])
    func resources(path: String, query: [(String, String)], expected: String) {
        #expect(SigV2.resource(virtualHostBucket: nil, rawPath: path, query: query) == expected)
    }
}

@Suite struct DateFormatTests {
    /// The hand-rolled formatting agrees with Foundation's across eras, leap days and weekdays.
    @Test(arguments: [0.0, 951_782_400, 1_700_000_000.5, 1_709_164_800.999, 4_102_444_800, -86_400])
    func agreesWithFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let http = DateFormatter()
        http.locale = Locale(identifier: "en_US_POSIX")
        http.timeZone = TimeZone(identifier: "GMT")
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(HTTPDate.format(date) == http.string(from: date))
        http.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        #expect(HTTPDate.iso8601(date) == http.string(from: date))
    }
}
