import Foundation
import PetrelCore
import PetrelWire
import Testing

/// The shared decoders refuse input deeper than they can recurse through.
@Suite struct DepthBoundTests {
    static let deepCBOR: [Data] = {
        let n = 100_000
        return [
            Data(repeating: 0x81, count: n) + Data([0x00]),  // arrays of one element
            Data(repeating: 0x9f, count: n),                 // indefinite arrays, never closed
            Data(repeating: 0xa1, count: n) + Data([0x00]),  // maps {x: {x: …}}
            Data(repeating: 0xc1, count: n) + Data([0x00]),  // tags on tags
            Data(repeating: 0x7f, count: n),                 // chunks of indefinite strings
        ]
    }()

    @Test(arguments: deepCBOR.indices)
    func deepCBORIsAnError(_ index: Int) {
        let data = Self.deepCBOR[index]
        #expect(throws: CBORError.self) { try CBOR.decode(data) }
    }

    @Test func shallowCBORDecodes() throws {
        let value = try CBOR.decode(Data(repeating: 0x81, count: 100) + Data([0x00]))
        var depth = 0
        var current = value
        while case .array(let items) = current { depth += 1; current = items[0] }
        #expect(depth == 100)
    }

    static let deepJSON: [String] = {
        var arrays = String(repeating: "[", count: 100_000)
        arrays.append(String(repeating: "]", count: 100_000))
        var objects = String(repeating: "{\"a\":", count: 100_000)
        objects.append("1")
        objects.append(String(repeating: "}", count: 100_000))
        return [arrays, objects]
    }()

    @Test(arguments: deepJSON.indices)
    func deepJSONValueIsAnError(_ index: Int) {
        let text = Self.deepJSON[index]
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }

    @Test func deepJSONValueIsNotEncoded() {
        var value = JSONValue.null
        for _ in 0..<100_000 { value = .array([value]) }
        #expect(throws: (any Error).self) { try JSONEncoder().encode(value) }
        // Free it iteratively: a 100,000-deep tree released recursively would overflow the stack.
        while case .array(let inner) = value { value = inner.first ?? .null }
    }

    @Test func jsonValueJustWithinTheBoundRoundTrips() throws {
        let levels = JSONValue.maxDepth - 2
        var text = String(repeating: "[", count: levels)
        text.append("1")
        text.append(String(repeating: "]", count: levels))
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)) == value)
    }
}
