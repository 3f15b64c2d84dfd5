import Foundation
import Crypto

/// Decodes `Content-Encoding: aws-chunked` bodies (`x-amz-content-sha256:
/// STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`):
/// `hex-size[;chunk-signature=sig]\r\n data \r\n … 0[;chunk-signature=sig]\r\n trailers \r\n\r\n`.
/// Fed piece by piece as the body arrives; hands back the payload bytes.
public struct AwsChunkedDecoder: @unchecked Sendable {
    public struct Chunk: Sendable, Equatable {
        public var signature: String
        /// Hex SHA-256 of the chunk's data (what its signature signs).
        public var sha256: String
    }

    enum State: Sendable { case header, data(remaining: Int), dataEnd, trailers, done }

    private var state: State = .header
    private var line: [UInt8] = []
    private var signature: String?
    private var chunkHash: SHA256?
    public private(set) var chunks: [Chunk] = []
    /// Trailing headers, names lowercased (`x-amz-checksum-crc32`, `x-amz-trailer-signature`).
    public private(set) var trailers: [String: String] = [:]
    public private(set) var decodedLength: Int64 = 0

    public init() {}

    public var isFinished: Bool { if case .done = state { true } else { false } }

    public enum Failure: Error, Equatable { case malformed(String) }

    /// Feeds the next bytes of the body; returns the payload bytes they carried.
    public mutating func feed(_ input: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            switch state {
            case .header, .trailers, .dataEnd:
                let byte = input[index]
                index += 1
                guard byte == UInt8(ascii: "\n") else {
                    line.append(byte)
                    guard line.count < 8192 else { throw .malformed("a chunk header is too long") }
                    continue
                }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let text = String(decoding: line, as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                try endLine(text)
            case .data(let remaining):
                let take = min(remaining, input.count - index)
                let slice = UnsafeRawBufferPointer(rebasing: input[index..<index + take])
                output.append(contentsOf: slice)
                chunkHash?.update(bufferPointer: slice)
                index += take
                decodedLength += Int64(take)
                if take == remaining {
                    finishChunk()
                    state = .dataEnd
                } else {
                    state = .data(remaining: remaining - take)
                }
            case .done:
                // Bytes after the final CRLF: ignored, as S3 does.
                index = input.count
            }
        }
        return output
    }

    public mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var result: Result<[UInt8], Failure> = .success([])
        bytes.withUnsafeBytes { buffer in
            do throws(Failure) { result = .success(try feed(buffer)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    private mutating func finishChunk() {
        if let signature, let hash = chunkHash {
            chunks.append(Chunk(signature: signature, sha256: ETag.hex(hash.finalize())))
        }
        chunkHash = nil
    }

    private mutating func endLine(_ text: String) throws(Failure) {
        switch state {
        case .dataEnd:
            guard text.isEmpty else { throw .malformed("a chunk's data is longer than its size") }
            state = .header
        case .header:
            let parts = text.split(separator: ";", maxSplits: 1)
            guard let sizeText = parts.first, let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw .malformed("a chunk size is not a hexadecimal number")
            }
            signature = nil
            if parts.count == 2, parts[1].hasPrefix("chunk-signature=") {
                signature = String(parts[1].dropFirst("chunk-signature=".count))
            }
            chunkHash = signature == nil ? nil : SHA256()
            if size == 0 {
                finishChunk()
                state = .trailers
            } else {
                state = .data(remaining: size)
            }
        case .trailers:
            if text.isEmpty {
                state = .done
                return
            }
            guard let colon = text.firstIndex(of: ":") else { throw .malformed("a trailing header has no colon") }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            trailers[name] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        case .data, .done:
            break
        }
    }
}
