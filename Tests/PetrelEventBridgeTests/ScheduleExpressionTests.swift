import Foundation
import PetrelEventBridge
import Testing

@Suite struct ScheduleExpressionTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func text(_ date: Date?) -> String? { date.map { ISO8601DateFormatter().string(from: $0) } }

    @Test(arguments: [
        "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(3 days)",
        "cron(0 12 * * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)", "cron(0 0 L * ? *)", "cron(0 0 15W * ? *)",
        "cron(5,35 14 * * ? *)", "cron(0 10 * JAN,JUL ? *)",
    ])
    func accepted(expression: String) throws {
        _ = try ScheduleExpression(expression)
    }

    @Test(arguments: [
        "rate(0 minutes)", "rate(1 minutes)", "rate(2 minute)", "rate(5 seconds)", "rate(five minutes)", "rate(5)",
        "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(0 12 * *)", "cron(60 12 * * ? *)", "cron(0 24 * * ? *)",
        "cron(0 12 32 * ? *)", "cron(0 12 ? * 8 *)", "cron(0 12 ? 13 * *)", "cron(0 12 * * ? 1969)", "every 5 minutes", "",
    ])
    func refused(expression: String) {
        #expect(throws: ScheduleError.self) { try ScheduleExpression(expression) }
    }

    @Test(arguments: [
        // expression, after, next
        ("cron(0 12 * * ? *)", "2026-03-01T11:59:30Z", "2026-03-01T12:00:00Z"),
        ("cron(0 12 * * ? *)", "2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z"),
        ("cron(0/15 * * * ? *)", "2026-03-01T10:07:00Z", "2026-03-01T10:15:00Z"),
        ("cron(0 18 ? * MON-FRI *)", "2026-03-06T18:00:00Z", "2026-03-09T18:00:00Z"), // Fri → Mon
        ("cron(0 8 1 * ? *)", "2026-01-15T00:00:00Z", "2026-02-01T08:00:00Z"),
        ("cron(0 0 L * ? *)", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z"),
        ("cron(0 0 L * ? *)", "2028-02-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("cron(15 10 ? * 6L 2026-2030)", "2026-03-01T00:00:00Z", "2026-03-27T10:15:00Z"), // last Friday of March 2026
        ("cron(0 9 ? * 2#1 *)", "2026-03-03T00:00:00Z", "2026-04-06T09:00:00Z"), // first Monday
        ("cron(0 0 15W * ? *)", "2026-02-01T00:00:00Z", "2026-02-16T00:00:00Z"), // 15 Feb 2026 is a Sunday
        ("cron(0 0 1W * ? *)", "2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z"), // 1 Mar 2026 is a Sunday → Monday 2nd
        ("cron(0 10 * JAN,JUL ? *)", "2026-02-01T00:00:00Z", "2026-07-01T10:00:00Z"),
        ("cron(0 12 * * ? 2025)", "2026-01-01T00:00:00Z", nil),
    ] as [(String, String, String?)])
    func nextCronFiring(expression: String, after: String, expected: String?) throws {
        let schedule = try ScheduleExpression(expression)
        #expect(Self.text(schedule.next(after: Self.date(after), anchor: Self.date(after))) == expected)
    }

    @Test func ratesCountFromTheRulesCreation() throws {
        let schedule = try ScheduleExpression("rate(5 minutes)")
        let created = Self.date("2026-03-01T10:02:30Z")
        #expect(Self.text(schedule.next(after: created, anchor: created)) == "2026-03-01T10:07:30Z")
        #expect(Self.text(schedule.next(after: Self.date("2026-03-01T10:07:30Z"), anchor: created)) == "2026-03-01T10:12:30Z")
        #expect(Self.text(schedule.next(after: created, anchor: created, minuteSeconds: 1)) == "2026-03-01T10:02:35Z")
    }
}
