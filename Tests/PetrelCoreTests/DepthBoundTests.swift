import Foundation
import PetrelCore
import PetrelWire
import Testing

/// The shared decoders refuse input deeper than they can recurse through.
@Suite struct DepthBoundTests {
    @Test(arguments: [
        Data(repeating: 0x81, count: 100_000) + Data([0x00]),        // arrays of one element
        Data(repeating: 0x9f, count: 100_000),                       // indefinite arrays, never closed
        Data(repeating: 0xa1, count: 100_000) + Data([0x00]),        // maps {x: {x: …}}
        Data(repeating: 0xc1, count: 100_000) + Data([0x00]),        // tags on tags
        Data([0x7f]) + Data(repeating: 0x7f, count: 100_000),        // chunks of indefinite strings
    ])
    func deepCBORIsAnError(data: Data) {
        #expect(throws: CBORError.self) { try CBOR.decode(data) }
    }

    @Test func shallowCBORDecodes() throws {
        let value = try CBOR.decode(Data(repeating: 0x81, count: 100) + Data([0x00]))
        var depth = 0
        var current = value
        while case .array(let items) = current { depth += 1; current = items[0] }
        #expect(depth == 100)
    }

    @Test(arguments: [
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000),
    ])
    func deepJSONValueIsAnError(text: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }

    @Test func deepJSONValueIsNotEncoded() {
        var value = JSONValue.null
        for _ in 0..<100_000 { value = .array([value]) }
        #expect(throws: (any Error).self) { try JSONEncoder().encode(value) }
        // Free it iteratively: a 100,000-deep tree released recursively would overflow the stack.
        while case .array(let inner) = value { value = inner.first ?? .null }
    }

    @Test func moderateJSONValueRoundTrips() throws {
        let text = String(repeating: "[", count: 100) + "1" + String(repeating: "]", count: 100)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)) == value)
    }
}
