import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import PetrelCore

/// Why a request's body could not be read. Every case is the client's doing, so every case
/// answers 4xx in the protocol the client spoke, never 500.
enum RequestBodyError: Error {
    /// More bytes than the operation accepts.
    case tooLarge(limit: Int)
    /// Bytes the HTTP layer could not decode: a chunk size that is not hex, a wrong chunk size,
    /// a chunked body cut off.
    case malformed(String)

    /// The AWS error for this failure. `tooLarge` is the operation's own message, since each
    /// service words its limit differently.
    func awsError(tooLarge: (Int) -> AWSError) -> AWSError {
        switch self {
        case .tooLarge(let limit):
            return tooLarge(limit)
        case .malformed(let detail):
            return AWSError("SerializationException", status: 400,
                            "The request body could not be read: \(detail). Send a complete body with a correct Content-Length or chunked encoding.")
        }
    }
}

/// Reads request bodies. A client that stops sending mid-body is not watched here, per
/// request: the connection's idle timeout (`ConnectionLimits.idleTimeout`, which counts while a
/// body is being read) closes it, so the invoke and item paths pay for no watchdog task.
enum RequestBodyReader {
    /// The whole body, at most `limit` bytes, failing with a `RequestBodyError` that says why.
    static func collect(_ body: RequestBody, upTo limit: Int) async throws(RequestBodyError) -> ByteBuffer {
        do {
            var collected = ByteBuffer()
            for try await part in body {
                guard collected.readableBytes + part.readableBytes <= limit else { throw RequestBodyError.tooLarge(limit: limit) }
                var part = part
                collected.writeBuffer(&part)
            }
            return collected
        } catch let error as RequestBodyError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .tooLarge(limit: limit)
        } catch let error as HTTPParserError {
            throw .malformed(Self.describe(error))
        } catch {
            throw .malformed("the connection ended before the body was complete")
        }
    }

    private static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidChunkSize: "a chunk size is not a hexadecimal number"
        case .invalidEOFState: "the connection ended before the body was complete"
        case .lfExpected: "a chunk is not followed by CRLF"
        case .unexpectedContentLength: "Content-Length and Transfer-Encoding: chunked were both sent"
        default: "\(error)"
        }
    }
}

extension Request {
    /// The whole body, at most `limit` bytes; see `RequestBodyReader`.
    func readBody(upTo limit: Int) async throws(RequestBodyError) -> ByteBuffer {
        try await RequestBodyReader.collect(body, upTo: limit)
    }
}
