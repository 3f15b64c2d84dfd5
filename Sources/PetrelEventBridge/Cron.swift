import Foundation

/// AWS's six-field cron (minutes hours day-of-month month day-of-week year), UTC. One of
/// day-of-month and day-of-week must be `?`. Day-of-month takes `L` (last day), `NW` (nearest
/// weekday) and `LW`; day-of-week (1 = Sunday, or SUN–SAT) takes `NL` (last such weekday of the
/// month) and `N#k` (the k-th). Ranges, lists, `*` and `/` steps as usual.
public struct Cron: Sendable, Equatable {
    var minutes: Set<Int>
    var hours: Set<Int>
    var months: Set<Int>
    var years: Set<Int>
    var days: DayRule

    enum DayRule: Sendable, Equatable {
        case monthDays(Set<Int>)
        case lastDayOfMonth(offset: Int)
        case nearestWeekday(Int)
        case lastWeekday
        case weekDays(Set<Int>)
        case lastWeekdayOfMonth(Int)
        case nthWeekday(Int, Int)
        case any
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(ScheduleError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map { String($0).uppercased() }
        guard fields.count == 6 else { throw ScheduleError() }
        minutes = try Self.set(fields[0], 0...59)
        hours = try Self.set(fields[1], 0...23)
        months = try Self.set(fields[3], 1...12, names: Self.monthNames)
        years = try Self.set(fields[5], 1970...2199)
        let dom = fields[2], dow = fields[4]
        // Exactly one of the two day fields is `?`.
        guard (dom == "?") != (dow == "?") else { throw ScheduleError() }
        if dom != "?" {
            if dom == "L" {
                days = .lastDayOfMonth(offset: 0)
            } else if dom.hasPrefix("L-"), let n = Int(dom.dropFirst(2)), (0...30).contains(n) {
                days = .lastDayOfMonth(offset: n)
            } else if dom == "LW" {
                days = .lastWeekday
            } else if dom.hasSuffix("W"), let n = Int(dom.dropLast()), (1...31).contains(n) {
                days = .nearestWeekday(n)
            } else if dom == "*" {
                days = .any
            } else {
                days = .monthDays(try Self.set(dom, 1...31))
            }
        } else if dow == "*" {
            days = .any
        } else if dow.hasSuffix("L") {
            let day = try Self.value(String(dow.dropLast()), 1...7, names: Self.dayNames)
            days = .lastWeekdayOfMonth(day)
        } else if dow.contains("#") {
            let parts = dow.split(separator: "#")
            guard parts.count == 2, let k = Int(parts[1]), (1...5).contains(k) else { throw ScheduleError() }
            days = .nthWeekday(try Self.value(String(parts[0]), 1...7, names: Self.dayNames), k)
        } else {
            days = .weekDays(try Self.set(dow, 1...7, names: Self.dayNames))
        }
    }

    static func value(_ text: String, _ range: ClosedRange<Int>, names: [String] = []) throws(ScheduleError) -> Int {
        if let i = names.firstIndex(of: text) { return range.lowerBound + i }
        guard let n = Int(text), range.contains(n) else { throw ScheduleError() }
        return n
    }

    static func set(_ field: String, _ range: ClosedRange<Int>, names: [String] = []) throws(ScheduleError) -> Set<Int> {
        var out = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !part.isEmpty else { throw ScheduleError() }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw ScheduleError() }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw ScheduleError() }
                step = s
            }
            let base = pieces[0]
            var low: Int, high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if base.contains("-") {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count == 2 else { throw ScheduleError() }
                low = try value(ends[0], range, names: names)
                high = try value(ends[1], range, names: names)
            } else {
                low = try value(base, range, names: names)
                high = pieces.count == 2 ? range.upperBound : low
            }
            if low <= high {
                for v in stride(from: low, through: high, by: step) { out.insert(v) }
            } else {
                // A range that wraps (FRI-MON, NOV-FEB).
                let span = range.upperBound - range.lowerBound + 1
                var v = low, walked = 0
                while walked <= (high + span - low) {
                    out.insert((v - range.lowerBound) % span + range.lowerBound)
                    v += step
                    walked += step
                }
            }
        }
        return out
    }

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// The first whole minute strictly after `date` that matches; nil when none does before 2200.
    public func next(after date: Date) -> Date? {
        let calendar = Self.utc
        let start = date.addingTimeInterval(60 - date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        var parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        var firstDay = true
        var day = calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day))!
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 230) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if c.year! > 2199 { return nil }
            if years.contains(c.year!), months.contains(c.month!), dayMatches(c, calendar: calendar, day: day) {
                let fromHour = firstDay ? parts.hour! : 0
                for h in sortedHours where h >= fromHour {
                    let fromMinute = firstDay && h == parts.hour! ? parts.minute! : 0
                    if let m = sortedMinutes.first(where: { $0 >= fromMinute }) {
                        return day.addingTimeInterval(Double(h * 3600 + m * 60))
                    }
                }
            }
            firstDay = false
            parts.hour = 0
            day = day.addingTimeInterval(86_400)
        }
        return nil
    }

    func dayMatches(_ c: DateComponents, calendar: Calendar, day: Date) -> Bool {
        let dom = c.day!, weekday = c.weekday!
        let monthLength = calendar.range(of: .day, in: .month, for: day)!.count
        switch days {
        case .any: return true
        case .monthDays(let set): return set.contains(dom)
        case .lastDayOfMonth(let offset): return dom == monthLength - offset
        case .weekDays(let set): return set.contains(weekday)
        case .lastWeekdayOfMonth(let wanted): return weekday == wanted && dom + 7 > monthLength
        case .nthWeekday(let wanted, let k): return weekday == wanted && (dom - 1) / 7 + 1 == k
        case .nearestWeekday(let target):
            return dom == Self.nearestWeekday(to: min(target, monthLength), monthLength: monthLength,
                                              weekdayOf: { weekday - (dom - $0) })
        case .lastWeekday:
            return dom == Self.nearestWeekday(to: monthLength, monthLength: monthLength, weekdayOf: { weekday - (dom - $0) })
        }
    }

    /// The weekday (Mon–Fri) nearest to `target` within the month: Saturday moves to Friday
    /// (or Monday when that leaves the month), Sunday to Monday (or Friday).
    static func nearestWeekday(to target: Int, monthLength: Int, weekdayOf: (Int) -> Int) -> Int {
        let w = ((weekdayOf(target) - 1) % 7 + 7) % 7 + 1 // 1 = Sunday
        switch w {
        case 7: return target > 1 ? target - 1 : target + 2
        case 1: return target < monthLength ? target + 1 : target - 2
        default: return target
        }
    }
}
