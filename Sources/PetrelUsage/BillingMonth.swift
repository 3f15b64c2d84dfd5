import Foundation
import PetrelCore

/// A calendar month in UTC, as AWS bills.
public struct BillingMonth: Sendable, Equatable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              (1970...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    public init(containing date: Date) {
        let civil = CivilDate.fromDays(Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        year = civil.year
        month = civil.month
    }

    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }

    public var start: Date { Date(timeIntervalSince1970: Double(Self.days(year, month, 1)) * 86_400) }
    public var end: Date {
        month == 12 ? Date(timeIntervalSince1970: Double(Self.days(year + 1, 1, 1)) * 86_400)
                    : Date(timeIntervalSince1970: Double(Self.days(year, month + 1, 1)) * 86_400)
    }

    /// `2026-12-02` for a day counted from 1970-01-01.
    public static func dayName(_ days: Int) -> String {
        let civil = CivilDate.fromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(civil.year)-\(two(civil.month))-\(two(civil.day))"
    }

    /// Days from 1970-01-01 (Howard Hinnant's days-from-civil, the inverse of CivilDate.fromDays).
    static func days(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
