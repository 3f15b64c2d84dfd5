import Foundation
import Hummingbird
import NIOCore
import PetrelObjects

/// A request body streamed into a new blob: plain or `aws-chunked`, with its MD5 and the
/// additional checksum computed on the way and checked against what the client declared.
struct ReceivedBody {
    var blob: WrittenBlob
    var etag: String
    var checksumAlgorithm: ChecksumAlgorithm?
    var checksum: String?
}

extension ObjectRoutes {
    /// S3's limit on one PutObject or UploadPart.
    static let maxSinglePut: Int64 = 5 * 1024 * 1024 * 1024

    func receiveBody(_ c: S3Context, defaultAlgorithm: ChecksumAlgorithm? = nil) async throws -> ReceivedBody {
        let contentSHA = c.header("x-amz-content-sha256")
        let chunked = contentSHA?.hasPrefix("STREAMING-") == true
            || c.header("content-encoding")?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "aws-chunked" } == true
        // The algorithm: a checksum header, a declared trailer, or the SDK's algorithm header.
        var declaredValue: String?
        var algorithm: ChecksumAlgorithm?
        for candidate in ChecksumAlgorithm.allCases {
            if let value = c.header(candidate.headerName) {
                algorithm = candidate
                declaredValue = value
            }
        }
        let trailer = c.header("x-amz-trailer").flatMap { ChecksumAlgorithm(header: $0.trimmingCharacters(in: .whitespaces)) }
        algorithm = algorithm ?? trailer
            ?? ChecksumAlgorithm(name: c.header("x-amz-sdk-checksum-algorithm") ?? c.header("x-amz-checksum-algorithm"))
            ?? defaultAlgorithm
        var digests = BodyDigests(checksum: algorithm)
        var payloadSHA: Checksummer? = contentSHA.map { $0.count == 64 && !chunked } == true ? Checksummer(.sha256) : nil
        var decoder = chunked ? AwsChunkedDecoder() : nil
        let writer = objects.blobWriter()
        do {
            for try await buffer in c.request.body {
                try buffer.withUnsafeReadableBytes { raw throws in
                    if decoder != nil {
                        let decoded: [UInt8]
                        do { decoded = try decoder!.feed(raw) } catch {
                            throw S3Error("IncompleteBody", status: 400, "The request body is not valid aws-chunked encoding: \(error)")
                        }
                        decoded.withUnsafeBytes { digests.update($0) }
                        try writer.append(decoded)
                    } else {
                        digests.update(raw)
                        payloadSHA?.update(raw)
                        try writer.append(raw)
                    }
                }
                if digests.size > Self.maxSinglePut {
                    throw S3Error("EntityTooLarge", status: 400, "Your proposed upload exceeds the maximum allowed size",
                                  fields: [("MaxSizeAllowed", String(Self.maxSinglePut))])
                }
            }
            if let decoder {
                if let signing = c.signing, contentSHA?.hasPrefix("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == true {
                    guard decoder.isFinished || !decoder.chunks.isEmpty else {
                        throw S3Error("IncompleteBody", status: 400, "The aws-chunked body ended early.")
                    }
                    try signing.verifyChunks(decoder.chunks)
                }
                if let trailer, declaredValue == nil { declaredValue = decoder.trailers[trailer.headerName] }
                if let expected = c.header("x-amz-decoded-content-length").flatMap(Int64.init), expected != decoder.decodedLength {
                    throw S3Error("IncompleteBody", status: 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
                }
            } else if let expected = c.header("content-length").flatMap(Int64.init), expected != digests.size {
                throw S3Error("IncompleteBody", status: 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
            }
            if let contentMD5 = c.header("content-md5") {
                guard let raw = Data(base64Encoded: contentMD5), raw.count == 16 else { throw S3Error.invalidDigest() }
                if Array(raw) != digests.md5Raw() {
                    throw S3Error.badDigest("The Content-MD5 you specified did not match what we received.")
                }
            }
            var checksum: String?
            if let hasher = digests.checksum {
                checksum = hasher.finalize()
                if let declaredValue, declaredValue != checksum {
                    throw S3Error.badDigest("The \(hasher.algorithm.rawValue) you specified did not match the calculated checksum.")
                }
            }
            if let payloadSHA, let contentSHA, ETag.hex(payloadSHA.rawDigest()) != contentSHA.lowercased() {
                throw S3Error("XAmzContentSHA256Mismatch", status: 400, "The provided 'x-amz-content-sha256' header does not match what was computed.")
            }
            let blob = try writer.finish()
            return ReceivedBody(blob: blob, etag: digests.etag(), checksumAlgorithm: algorithm, checksum: checksum)
        } catch {
            writer.discard()
            throw error
        }
    }
}
