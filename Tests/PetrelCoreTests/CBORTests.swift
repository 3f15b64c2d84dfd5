import Foundation
import PetrelWire
import Testing

@Suite struct CBORTests {
    @Test(arguments: [
        ("00", CBOR.unsigned(0)), ("17", .unsigned(23)), ("1818", .unsigned(24)), ("1903e8", .unsigned(1000)),
        ("20", .negative(-1)), ("3863", .negative(-100)), ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null),
        ("6161", .text("a")), ("4401020304", .bytes(Data([1, 2, 3, 4]))), ("83010203", .array([.unsigned(1), .unsigned(2), .unsigned(3)])),
        ("fb3ff199999999999a", .double(1.1)), ("f93c00", .double(1.0)), ("fa47c35000", .double(100000.0)),
        ("c11a514b67b0", .tagged(1, .unsigned(1_363_896_240))),
        ("7f657374726561646d696e67ff", .text("streaming")), ("9f018202039f0405ffff", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
    ])
    func decodesRFC8949Examples(hex: String, expected: CBOR) throws {
        #expect(try CBOR.decode(Self.data(hex)) == expected)
    }

    @Test func mapsRoundTrip() throws {
        let value = CBOR.object([("Label", .text("Invocations")), ("Datapoints", .array([.object([("Sum", .double(5)), ("Timestamp", .timestamp(1.7e9))])]))])
        let decoded = try CBOR.decode(value.encoded())
        #expect(decoded == value)
        #expect(decoded["Label"]?.string == "Invocations")
        #expect(decoded["Datapoints"]?.array?.first?["Timestamp"]?.double == 1.7e9)
    }

    @Test(arguments: ["", "18", "62ff", "5b00000000000000ff", "1c"])
    func rejectsMalformedInput(hex: String) {
        #expect(throws: CBORError.self) { try CBOR.decode(Self.data(hex)) }
    }

    static func data(_ hex: String) -> Data {
        var bytes = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return Data(bytes)
    }
}
