import Foundation
import NIOCore
import PostgresNIO

/// Between the seam's `SQLValue` and PostgreSQL's wire values.
enum PostgresValues {
    /// Arguments as typed binds: int8, float8, text, bytea; NULL untyped so it fits any column.
    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            }
        }
        return bindings
    }

    /// One result cell as the seam's value, leniently: every integer width, both float widths
    /// and numeric (what SUM and AVG of integers return) become numbers; bool becomes 0/1, as
    /// SQLite stores it; text-like types become text, bytea a blob; anything else its text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8, .oid:
                return .integer(try cell.decode(Int64.self))
            case .float4, .float8:
                return .real(try cell.decode(Double.self))
            case .numeric:
                return number(try cell.decode(Decimal.self))
            case .bool:
                return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .bytea:
                var buffer = try cell.decode(ByteBuffer.self)
                return .blob(buffer.readData(length: buffer.readableBytes) ?? Data())
            default:
                return .text(try cell.decode(String.self))
            }
        } catch {
            // Undecodable (a type this store never creates): its raw bytes, rather than a crash.
            var buffer = cell.bytes!
            return .blob(buffer.readData(length: buffer.readableBytes) ?? Data())
        }
    }

    /// A numeric as an integer when it is one and fits, else as a double.
    static func number(_ decimal: Decimal) -> SQLValue {
        let text = "\(decimal)"
        if let integer = Int64(text) { return .integer(integer) }
        return .real(Double(text) ?? NSDecimalNumber(decimal: decimal).doubleValue)
    }
}
