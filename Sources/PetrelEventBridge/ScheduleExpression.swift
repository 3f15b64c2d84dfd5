import Foundation

/// A rule's `ScheduleExpression`: `rate(5 minutes)` or `cron(0 12 * * ? *)`, in UTC, with
/// AWS's syntax and validation. Pure: `next(after:)` is the next firing strictly after a time.
public enum ScheduleExpression: Sendable, Equatable {
    case rate(seconds: Int)
    case cron(Cron)

    public static let invalid = "Parameter ScheduleExpression is not valid."

    public init(_ text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("rate("), trimmed.hasSuffix(")") {
            let inner = trimmed.dropFirst(5).dropLast().split(separator: " ", omittingEmptySubsequences: true)
            guard inner.count == 2, let value = Int(inner[0]), value > 0 else { throw ScheduleError() }
            let unit = String(inner[1])
            let seconds: Int
            switch unit {
            case "minute", "minutes": seconds = 60
            case "hour", "hours": seconds = 3600
            case "day", "days": seconds = 86_400
            default: throw ScheduleError()
            }
            // AWS wants the singular for 1 and the plural otherwise.
            guard (value == 1) == !unit.hasSuffix("s") else { throw ScheduleError() }
            self = .rate(seconds: value * seconds)
        } else if trimmed.hasPrefix("cron("), trimmed.hasSuffix(")") {
            self = .cron(try Cron(String(trimmed.dropFirst(5).dropLast())))
        } else {
            throw ScheduleError()
        }
    }

    /// The next firing after `date`. Rates count from `anchor` (the rule's creation);
    /// `minuteSeconds` shortens a minute for tests (rates only).
    public func next(after date: Date, anchor: Date, minuteSeconds: Double = 60) -> Date? {
        switch self {
        case .rate(let seconds):
            let interval = Double(seconds) * minuteSeconds / 60
            let elapsed = date.timeIntervalSince(anchor)
            let periods = elapsed < 0 ? 0 : (elapsed / interval).rounded(.down)
            return anchor.addingTimeInterval((periods + 1) * interval)
        case .cron(let cron):
            return cron.next(after: date)
        }
    }
}

public struct ScheduleError: Error, Sendable {
    public var message: String { ScheduleExpression.invalid }
}
