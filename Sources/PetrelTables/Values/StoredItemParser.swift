import Foundation
import PetrelCore

/// Reads a stored item — wire JSON this service wrote itself — straight into attribute values,
/// without an intermediate JSON tree and without re-validating numbers. Conditional writes,
/// updates and filters decode the stored item on every request, so this is a hot path.
extension JSONParser {
    static func parseStoredItem(_ data: Data) throws(AWSError) -> Item {
        let result = data.withUnsafeBytes { raw -> Result<Item, AWSError> in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            do throws(AWSError) {
                parser.skipWhitespace()
                let item = try parser.parseItemMembers()
                return .success(item)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func expect(_ byte: UInt8) throws(AWSError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw failure("Expected '\(Character(UnicodeScalar(byte)))'") }
        position += 1
    }

    private mutating func peek(_ byte: UInt8) -> Bool {
        skipWhitespace()
        return position < bytes.count && bytes[position] == byte
    }

    /// `{ "name": AttributeValue, … }`. Stored items are at most 32 levels deep; `depth` keeps
    /// even a damaged row from costing more stack than a valid one.
    mutating func parseItemMembers(depth: Int = 0) throws(AWSError) -> Item {
        guard depth <= AttributeValue.maxNesting + 1 else { throw Limits.nestingExceeded }
        try expect(UInt8(ascii: "{"))
        var item: Item = [:]
        if peek(UInt8(ascii: "}")) { position += 1; return item }
        repeat {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("Expected a member name") }
            let name = try parseString()
            try expect(UInt8(ascii: ":"))
            item[name] = try parseAttribute(depth: depth)
        } while try acceptComma(closing: UInt8(ascii: "}"))
        return item
    }

    /// After an element: true if a comma follows, false if the closing bracket does.
    private mutating func acceptComma(closing: UInt8) throws(AWSError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw failure("Unexpected end of input") }
        if bytes[position] == UInt8(ascii: ",") { position += 1; return true }
        if bytes[position] == closing { position += 1; return false }
        throw failure("Expected ',' or a closing bracket")
    }

    private mutating func stringList() throws(AWSError) -> [String] {
        try expect(UInt8(ascii: "["))
        var out: [String] = []
        if peek(UInt8(ascii: "]")) { position += 1; return out }
        repeat {
            guard peek(UInt8(ascii: "\"")) else { throw failure("Expected a string") }
            out.append(try parseString())
        } while try acceptComma(closing: UInt8(ascii: "]"))
        return out
    }

    private mutating func quoted() throws(AWSError) -> String {
        guard peek(UInt8(ascii: "\"")) else { throw failure("Expected a string") }
        return try parseString()
    }

    private func number(_ text: String) throws(AWSError) -> Number {
        guard let n = Number.parseUnchecked(text) else { throw AWSError.validation("A value provided cannot be converted into a number") }
        return n
    }

    /// `{ "T": value }`
    mutating func parseAttribute(depth: Int) throws(AWSError) -> AttributeValue {
        try expect(UInt8(ascii: "{"))
        let type = try quoted()
        try expect(UInt8(ascii: ":"))
        let value: AttributeValue
        switch type {
        case "S": value = .s(try quoted())
        case "N": value = .n(try number(try quoted()))
        case "B": value = .b(try AttributeValue.decodeBase64(try quoted()))
        case "BOOL":
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "t") { try expectLiteral("true"); value = .bool(true) }
            else { try expectLiteral("false"); value = .bool(false) }
        case "NULL":
            skipWhitespace()
            try expectLiteral("true")
            value = .null
        case "M": value = .m(try parseItemMembers(depth: depth + 1))
        case "L":
            try expect(UInt8(ascii: "["))
            var list: [AttributeValue] = []
            if peek(UInt8(ascii: "]")) { position += 1 } else {
                guard depth < AttributeValue.maxNesting + 1 else { throw Limits.nestingExceeded }
                repeat { list.append(try parseAttribute(depth: depth + 1)) } while try acceptComma(closing: UInt8(ascii: "]"))
            }
            value = .l(list)
        case "SS": value = .ss(try stringList())
        case "NS":
            var numbers: [Number] = []
            for text in try stringList() { numbers.append(try number(text)) }
            value = .ns(numbers)
        case "BS":
            var blobs: [[UInt8]] = []
            for text in try stringList() { blobs.append(try AttributeValue.decodeBase64(text)) }
            value = .bs(blobs)
        default:
            throw failure("Unknown attribute type \(type)")
        }
        try expect(UInt8(ascii: "}"))
        return value
    }
}
