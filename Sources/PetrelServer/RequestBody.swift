import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import PetrelCore
import Synchronization

/// Why a request's body could not be read. Every case is the client's doing, so every case
/// answers 4xx in the protocol the client spoke, never 500.
enum RequestBodyError: Error {
    /// More bytes than the operation accepts.
    case tooLarge(limit: Int)
    /// Bytes the HTTP layer could not decode: a chunk size that is not hex, a wrong chunk size,
    /// a chunked body cut off, a Content-Length the body never reaches.
    case malformed(String)
    /// The client stopped sending for `RequestBodyReader.inactivityTimeout`.
    case timedOut

    /// The AWS error for this failure. `tooLarge` is the operation's own message, since each
    /// service words its limit differently.
    func awsError(tooLarge: (Int) -> AWSError) -> AWSError {
        switch self {
        case .tooLarge(let limit):
            return tooLarge(limit)
        case .malformed(let detail):
            return AWSError("SerializationException", status: 400,
                            "The request body could not be read: \(detail). Send a complete body with a correct Content-Length or chunked encoding.")
        case .timedOut:
            return AWSError("RequestTimeout", status: 408,
                            "Your socket connection to the server was not read from or written to within the timeout period (\(Int(RequestBodyReader.inactivityTimeout.components.seconds)) s).")
        }
    }
}

enum RequestBodyReader {
    /// How long a client may pause while sending a body (S3 uses 20 s for the same rule). A
    /// client that sends one byte a second is served; one that stops is answered and let go.
    static let inactivityTimeout: Duration = .seconds(20)

    /// The whole body, at most `limit` bytes, failing with a `RequestBodyError` that says why.
    static func collect(_ body: RequestBody, upTo limit: Int) async throws(RequestBodyError) -> ByteBuffer {
        let lastProgress = LastProgress()
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var collected = ByteBuffer()
                    for try await part in body {
                        guard collected.readableBytes + part.readableBytes <= limit else {
                            throw RequestBodyError.tooLarge(limit: limit)
                        }
                        var part = part
                        collected.writeBuffer(&part)
                        lastProgress.instant.withLock { $0 = .now }
                    }
                    return collected
                }
                group.addTask {
                    while true {
                        let since = lastProgress.instant.withLock { $0 }
                        let deadline = since.advanced(by: inactivityTimeout)
                        if ContinuousClock.now >= deadline { throw RequestBodyError.timedOut }
                        try await Task.sleep(until: min(deadline, ContinuousClock.now.advanced(by: .seconds(1))), clock: .continuous)
                    }
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let buffer = result { return buffer }
                }
                throw RequestBodyError.malformed("the body ended early")
            }
        } catch let error as RequestBodyError {
            throw error
        } catch let error as NIOTooManyBytesError {
            _ = error
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

/// When the body last made progress, shared by the reader and its watchdog.
private final class LastProgress: Sendable {
    let instant = Mutex(ContinuousClock.now)
}

extension Request {
    /// The whole body, at most `limit` bytes; see `RequestBodyReader`.
    func readBody(upTo limit: Int) async throws(RequestBodyError) -> ByteBuffer {
        try await RequestBodyReader.collect(body, upTo: limit)
    }
}
