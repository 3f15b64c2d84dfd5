import Foundation
import PetrelCore
import PetrelWire
import Testing

@Suite struct EventStreamTests {
    @Test func crc32MatchesTheCheckValue() {
        #expect(CRCTables.crc32(of: Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// The empty message of AWS's event-stream test vectors: lengths 16 and 0, then both CRCs.
    @Test func anEmptyMessageIsSixteenBytes() throws {
        let encoded = EventStreamMessage(headers: [], payload: Data()).encoded()
        #expect([UInt8](encoded) == [0, 0, 0, 0x10, 0, 0, 0, 0, 0x05, 0xC2, 0x48, 0xEB, 0x7D, 0x98, 0xC8, 0xFF])
    }

    @Test func eventsRoundTripAndTwoMessagesSplitWhereTheyShould() throws {
        let chunk = EventStreamMessage.event("PayloadChunk", contentType: "application/octet-stream", payload: Data("héllo".utf8))
        let done = EventStreamMessage.event("InvokeComplete", contentType: "application/json", payload: Data("{}".utf8))
        let stream = chunk.encoded() + done.encoded()
        let (first, used) = try #require(try EventStreamMessage.decode(stream))
        #expect(first == chunk)
        #expect(first.headers.first { $0.name == ":event-type" }?.value == "PayloadChunk")
        let (second, rest) = try #require(try EventStreamMessage.decode(stream.dropFirst(used)))
        #expect(second == done && used + rest == stream.count)
        #expect(try EventStreamMessage.decode(stream.prefix(used - 1)) == nil)
    }

    @Test func aDamagedMessageIsRefused() {
        var bytes = [UInt8](EventStreamMessage.event("PayloadChunk", contentType: "text/plain", payload: Data("x".utf8)).encoded())
        bytes[bytes.count - 6] ^= 0xFF
        #expect(throws: EventStreamError.self) { try EventStreamMessage.decode(Data(bytes)) }
        bytes = [0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: EventStreamError.self) { try EventStreamMessage.decode(Data(bytes)) }
    }
}
