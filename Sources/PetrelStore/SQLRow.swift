import Foundation

/// The arguments bound to a statement's `?` placeholders, in order.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(_ values: [SQLValue] = []) { self.values = values }

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    public mutating func append(_ value: (any SQLValueConvertible)?) {
        values.append(value?.sqlValue ?? .null)
    }

    public mutating func append(contentsOf other: SQLArguments) { values += other.values }

    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) { lhs.values += rhs.values }

    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments { SQLArguments(lhs.values + rhs.values) }
}

/// One result row. Columns are read by name (`row["name"] as String?`) or position, with the
/// lenient conversions `SQLValueConvertible` describes. Reading NULL or an unconvertible value
/// into a non-optional type is a programming error, as it is in GRDB.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func index(of column: String) -> Int? {
        if let i = columns.firstIndex(of: column) { return i }
        let lower = column.lowercased()
        return columns.firstIndex { $0.lowercased() == lower }
    }

    /// The raw value of a column (NULL when the row has no such column).
    public func value(_ column: String) -> SQLValue {
        index(of: column).map { values[$0] } ?? .null
    }

    public subscript<T: SQLValueConvertible>(_ column: String) -> T {
        let value = value(column)
        guard let converted = T.fromSQL(value) else {
            fatalError("column \(column) holds \(value), not a \(T.self)")
        }
        return converted
    }

    public subscript<T: SQLValueConvertible>(_ position: Int) -> T {
        let value = values[position]
        guard let converted = T.fromSQL(value) else {
            fatalError("column \(position) holds \(value), not a \(T.self)")
        }
        return converted
    }
}
