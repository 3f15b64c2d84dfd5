import Foundation
import PetrelCore

/// AWS's event-stream encoding (`application/vnd.amazon.eventstream`), which botocore and the SDKs
/// read for streaming responses such as Lambda's InvokeWithResponseStream: each message is
///
///     total length (u32) | headers length (u32) | prelude CRC32 (u32)
///     headers | payload | message CRC32 (u32)
///
/// big-endian, each header `name length (u8) | name | type (u8) | value`; Petrel writes string
/// headers only (type 7, a u16 length), which is all the response events need.
public struct EventStreamMessage: Sendable, Equatable {
    public var headers: [(name: String, value: String)]
    public var payload: Data

    public init(headers: [(name: String, value: String)], payload: Data) {
        self.headers = headers
        self.payload = payload
    }

    /// An event of a modelled event stream: `:message-type event`, its `:event-type` and `:content-type`.
    public static func event(_ type: String, contentType: String, payload: Data) -> EventStreamMessage {
        EventStreamMessage(headers: [(":event-type", type), (":content-type", contentType), (":message-type", "event")], payload: payload)
    }

    public static func == (a: EventStreamMessage, b: EventStreamMessage) -> Bool {
        a.payload == b.payload && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func encoded() -> Data {
        var headerBytes = Data()
        for (name, value) in headers {
            let nameBytes = Array(name.utf8.prefix(255))
            let valueBytes = Array(value.utf8.prefix(Int(UInt16.max)))
            headerBytes.append(UInt8(nameBytes.count))
            headerBytes.append(contentsOf: nameBytes)
            headerBytes.append(7)
            Self.append(UInt16(valueBytes.count), to: &headerBytes)
            headerBytes.append(contentsOf: valueBytes)
        }
        let total = 12 + headerBytes.count + payload.count + 4
        var message = Data(capacity: total)
        Self.append(UInt32(total), to: &message)
        Self.append(UInt32(headerBytes.count), to: &message)
        Self.append(CRCTables.crc32(of: message), to: &message)
        message.append(headerBytes)
        message.append(payload)
        Self.append(CRCTables.crc32(of: message), to: &message)
        return message
    }

    /// Reads one message from the front of `data`: the message and its length, nil when `data`
    /// does not yet hold a whole one. Throws on a bad length or checksum.
    public static func decode(_ data: Data) throws -> (EventStreamMessage, Int)? {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count == 12 else { return nil }
        let total = Int(read32(bytes, 0)), headersLength = Int(read32(bytes, 4))
        guard total >= 16, headersLength <= total - 16 else { throw EventStreamError("bad lengths (\(total), \(headersLength))") }
        guard CRCTables.crc32(of: Array(bytes[0..<8])) == read32(bytes, 8) else { throw EventStreamError("prelude checksum mismatch") }
        guard data.count >= total else { return nil }
        let message = [UInt8](data.prefix(total))
        guard CRCTables.crc32(of: Array(message[0..<(total - 4)])) == read32(message, total - 4) else {
            throw EventStreamError("message checksum mismatch")
        }
        var headers: [(String, String)] = []
        var at = 12
        let headersEnd = 12 + headersLength
        while at < headersEnd {
            let nameLength = Int(message[at]); at += 1
            guard at + nameLength + 3 <= headersEnd, message[at + nameLength] == 7 else { throw EventStreamError("unsupported header") }
            let name = String(decoding: message[at..<(at + nameLength)], as: UTF8.self); at += nameLength + 1
            let valueLength = Int(message[at]) << 8 | Int(message[at + 1]); at += 2
            guard at + valueLength <= headersEnd else { throw EventStreamError("header runs past the headers") }
            headers.append((name, String(decoding: message[at..<(at + valueLength)], as: UTF8.self))); at += valueLength
        }
        return (EventStreamMessage(headers: headers, payload: Data(message[headersEnd..<(total - 4)])), total)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}

public struct EventStreamError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "event stream: \(description)" }
}
