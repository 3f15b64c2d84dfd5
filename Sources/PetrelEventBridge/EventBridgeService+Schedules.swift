import Foundation
import PetrelCore
import PetrelStore

extension EventBridgeService {
    /// The firing a schedule owes at `now`, if any: the latest due time after its last firing
    /// (or its creation) that is not in the future. A rule that missed several firings while
    /// the server was down fires once, for the latest of them. Pure.
    static func dueFiring(_ schedule: ScheduleExpression, created: Date, lastFired: Date?, now: Date,
                          minuteSeconds: Double) -> (due: Date?, next: Date?) {
        // Do not walk more than a day of missed firings.
        var cursor = max(lastFired ?? created, now.addingTimeInterval(-86_400))
        var due: Date?
        while let next = schedule.next(after: cursor, anchor: created, minuteSeconds: minuteSeconds) {
            if next > now { return (due, next) }
            due = next
            cursor = next
        }
        return (due, nil)
    }

    /// Fires schedules on time until cancelled: sleeps until the earliest next firing (at most
    /// a second, so new rules are picked up), records each firing in the same transaction that
    /// queues its Lambda invocations (a conditional update, so two servers of a cluster, or a
    /// restart, never fire one instant twice).
    public func runScheduler() async {
        while !Task.isCancelled {
            let now = Date()
            var wake = now.addingTimeInterval(1)
            do {
                let snapshot = try rules.snapshot { (try store.allRules(), try store.allTargets()) }
                for compiled in snapshot.scheduled where compiled.rule.state != "DISABLED" {
                    guard let schedule = compiled.schedule else { continue }
                    let (due, next) = Self.dueFiring(schedule, created: Date(timeIntervalSince1970: compiled.rule.created),
                                                     lastFired: compiled.rule.lastFired.map(Date.init(timeIntervalSince1970:)),
                                                     now: now, minuteSeconds: minuteSeconds)
                    if let due { try fire(compiled, at: due) }
                    if let next, next < wake { wake = next }
                }
            } catch {
                logger.error("EventBridge scheduler: \(error)")
            }
            let delay = max(0.001, wake.timeIntervalSinceNow)
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    func fire(_ compiled: RuleCache.Compiled, at due: Date) throws {
        let rule = compiled.rule
        let arn = ruleArn(rule.name, bus: rule.bus, region: rule.region)
        let event = Self.event(source: "aws.events", detailType: "Scheduled Event", detail: .object([:]), resources: [arn],
                               time: due, account: accountID, region: rule.region)
        let deliveries = compiled.targets.map {
            Delivery(target: $0, ruleArn: arn, ruleName: rule.name, bus: rule.bus, region: rule.region, event: event)
        }
        let stamp = due.timeIntervalSince1970
        try deliver(deliveries) { db in
            let claimed = try db.fetchAll(sql: """
                UPDATE eb_rules SET last_fired = ? WHERE region = ? AND bus = ? AND name = ? AND (last_fired IS NULL OR last_fired < ?)
                RETURNING name
                """, arguments: [stamp, rule.region, rule.bus, rule.name, stamp])
            return !claimed.isEmpty
        }
        rules.invalidate()
    }
}
