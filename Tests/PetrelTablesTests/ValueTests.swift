import Foundation
import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct ValueTests {
    static func parse(_ text: String) throws -> AttributeValue {
        try AttributeValue(wire: JSONParser.parse(Data(text.utf8)))
    }

    @Test(arguments: [
        ("{\"S\":\"hé\\u00e9\\n\"}", AttributeValue.s("héé\n")),
        ("{\"N\":\"1.50\"}", .n(Number.parseUnchecked("1.5")!)),
        ("{\"B\":\"AQID\"}", .b([1, 2, 3])),
        ("{\"BOOL\":false}", .bool(false)),
        ("{\"NULL\":true}", .null),
        ("{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", .l([.s("a"), .n(Number(1))])),
        ("{\"M\":{\"k\":{\"SS\":[\"x\",\"y\"]}}}", .m(["k": .ss(["x", "y"])])),
        ("{\"NS\":[\"1\",\"2.0\"]}", .ns([Number(1), Number(2)])),
    ])
    func parsesWireValues(text: String, expected: AttributeValue) throws {
        #expect(try Self.parse(text) == expected)
    }

    @Test(arguments: [
        ("{}", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        ("{\"S\":\"a\",\"N\":\"1\"}", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
        ("{\"SS\":[]}", "One or more parameter values were invalid: An string set  may not be empty"),
        ("{\"NS\":[\"1\",\"1.0\"]}", "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."),
        ("{\"NULL\":false}", "One or more parameter values were invalid: Null attribute value types must have the value of true"),
        ("{\"N\":\"x\"}", "A value provided cannot be converted into a number"),
    ])
    func rejectsInvalidValues(text: String, message: String) {
        #expect(throws: AWSError.validation(message)) { try Self.parse(text) }
    }

    @Test func rejectsDeepNesting() throws {
        let deep = String(repeating: "{\"L\":[", count: 34) + String(repeating: "]}", count: 34)
        #expect(throws: AWSError.validation("Nesting Levels have exceeded supported limits")) { try Self.parse(deep) }
        let fine = String(repeating: "{\"L\":[", count: 32) + String(repeating: "]}", count: 32)
        #expect(throws: Never.self) { try Self.parse(fine) }
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"unterminated"])
    func rejectsMalformedJSON(text: String) {
        #expect(throws: AWSError.self) { try JSONParser.parse(Data(text.utf8)) }
        #expect((try? JSONParser.parse(Data(text.utf8))) == nil)
    }

    @Test func roundTripsThroughWire() throws {
        let item: Item = ["a": .m(["b": .l([.n(Number(1)), .s("q\"uote"), .b([0, 255])])]), "c": .bs([[1], [2]])]
        let bytes = item.wireBytes
        #expect(try ItemStore.decode(Data(bytes)) == item)
    }

    @Test func keyBytesOrderLikeDynamoDB() {
        // Strings compare by UTF-8 bytes: "Z" < "a" < "é".
        #expect(ConditionEvaluator.compareBytes(PrimaryKey.sortBytes(.s("Z")), PrimaryKey.sortBytes(.s("a"))) < 0)
        #expect(ConditionEvaluator.compareBytes(PrimaryKey.sortBytes(.s("a")), PrimaryKey.sortBytes(.s("é"))) < 0)
        #expect(ConditionEvaluator.compareBytes(PrimaryKey.sortBytes(.b([0x7F])), PrimaryKey.sortBytes(.b([0x80]))) < 0)
        #expect(TableService.prefixSuccessor([0x61, 0xFF]) == [0x62])
        #expect(TableService.prefixSuccessor([0xFF]) == nil)
    }

    @Test func itemSizeCountsNamesAndValues() {
        #expect((["ab": AttributeValue.s("xyz")] as Item).itemSize == 5)
        #expect((["n": AttributeValue.n(Number(12345))] as Item).itemSize == 1 + 4)
    }
}
