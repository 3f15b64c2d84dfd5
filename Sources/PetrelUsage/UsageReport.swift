import Foundation

/// A month's usage and cost, as `petrel usage` and `GET /_petrel/usage` show it. Pure: built
/// from the month's hourly lines, the price table and the time now.
public struct UsageReport: Encodable, Sendable {
    public struct Totals: Encodable, Sendable {
        public var requests: Int
        public var billedMilliseconds: Int
        public var gbSeconds: Double
        public var provisionedExecutionGBSeconds: Double
        public var provisionedAllocationGBSeconds: Double
        public var ephemeralGBSeconds: Double
    }

    public struct Cost: Encodable, Sendable {
        public var requests: Double
        public var duration: Double
        public var provisioned: Double
        public var ephemeralStorage: Double
        public var freeTierCredit: Double
        public var total: Double

        init(_ bill: Bill) {
            requests = bill.requestCost
            duration = bill.durationCost
            provisioned = bill.provisionedCost
            ephemeralStorage = bill.ephemeralCost
            freeTierCredit = bill.freeTierCredit
            total = bill.total
        }
    }

    public struct FreeTierUse: Encodable, Sendable {
        public var requests: Double
        public var gbSeconds: Double
        public var requestsPercent: Double
        public var gbSecondsPercent: Double
    }

    public struct Projection: Encodable, Sendable {
        /// The month's elapsed share the usage so far covers.
        public var elapsedFraction: Double
        public var requests: Double
        public var gbSeconds: Double
        public var cost: Double
    }

    public struct WhatIf: Encodable, Sendable {
        public var memoryMB: Int
        public var cost: Double
    }

    public struct FunctionUsage: Encodable, Sendable {
        public var function: String
        public var requests: Int
        public var billedMilliseconds: Int
        public var gbSeconds: Double
        public var memorySizes: [Int]
        public var architectures: [String]
        public var versions: [String]
        /// The function's usage at list price (no free tier, first tier): its share of the bill.
        public var cost: Double
        public var costShare: Double
        public var averageBilledMilliseconds: Double
        /// The same invocations at another memory size, with their measured billed durations.
        public var whatIf: WhatIf?
    }

    public struct DayUsage: Encodable, Sendable {
        public var day: String
        public var requests: Int
        public var billedMilliseconds: Int
        public var gbSeconds: Double
        public var cost: Double
    }

    public var month: String
    public var asOf: String
    public var complete: Bool
    public var region: String
    public var currency: String
    public var freeTier: PriceTable.FreeTier
    public var totals: Totals
    public var freeTierUsed: FreeTierUse
    public var cost: Cost
    public var listCost: Double
    public var projection: Projection?
    /// Costliest first.
    public var functions: [FunctionUsage]
    public var days: [DayUsage]

    public static func build(month: BillingMonth, lines: [(hour: Int64, line: UsageLine)], prices: PriceTable,
                             now: Date, whatIfMemoryMB: Int?) -> UsageReport {
        let all = lines.map(\.line)
        let bill = Bill.compute(all, prices: prices)
        let listCost = Bill.listCost(all, prices: prices)
        let totals = Totals(requests: bill.requests, billedMilliseconds: all.reduce(0) { $0 + ($1.kind == .provisionedAllocation ? 0 : $1.billedMilliseconds) },
                            gbSeconds: bill.gbSeconds, provisionedExecutionGBSeconds: bill.provisionedExecutionGBSeconds,
                            provisionedAllocationGBSeconds: bill.provisionedAllocationGBSeconds, ephemeralGBSeconds: bill.ephemeralGBSeconds)
        let onDemandRequests = Double(all.filter { $0.kind == .onDemand }.reduce(0) { $0 + $1.requests })
        let freeUse = FreeTierUse(
            requests: min(onDemandRequests, prices.freeTier.requests), gbSeconds: min(bill.gbSeconds, prices.freeTier.gbSeconds),
            requestsPercent: prices.freeTier.requests > 0 ? onDemandRequests / prices.freeTier.requests * 100 : 0,
            gbSecondsPercent: prices.freeTier.gbSeconds > 0 ? bill.gbSeconds / prices.freeTier.gbSeconds * 100 : 0)

        let length = month.end.timeIntervalSince(month.start)
        let elapsed = now.timeIntervalSince(month.start)
        var projection: Projection?
        if elapsed > 0, elapsed < length {
            // Usage so far, continued at the same rate to the month's end.
            let factor = length / max(elapsed, 3600)
            let scaled = all.map { line -> UsageLine in
                var line = line
                line.requests = Int((Double(line.requests) * factor).rounded())
                line.billedMilliseconds = Int((Double(line.billedMilliseconds) * factor).rounded())
                return line
            }
            let projected = Bill.compute(scaled, prices: prices)
            projection = Projection(elapsedFraction: elapsed / length, requests: Double(projected.requests),
                                    gbSeconds: projected.gbSeconds, cost: projected.total)
        }

        var byFunction: [String: [UsageLine]] = [:]
        for line in all { byFunction[line.function, default: []].append(line) }
        let functions = byFunction.map { name, lines -> FunctionUsage in
            let cost = Bill.listCost(lines, prices: prices)
            let executions = lines.filter { $0.kind != .provisionedAllocation }
            let requests = executions.reduce(0) { $0 + $1.requests }
            let billed = executions.reduce(0) { $0 + $1.billedMilliseconds }
            let whatIf = whatIfMemoryMB.map { memory in
                WhatIf(memoryMB: memory, cost: Bill.listCost(lines.map { var l = $0; l.memoryMB = memory; return l }, prices: prices))
            }
            return FunctionUsage(function: name, requests: requests, billedMilliseconds: billed,
                                 gbSeconds: executions.reduce(0) { $0 + $1.gbSeconds },
                                 memorySizes: Array(Set(lines.map(\.memoryMB))).sorted(),
                                 architectures: Array(Set(lines.map(\.architecture))).sorted(),
                                 versions: Array(Set(lines.map(\.version))).sorted(),
                                 cost: cost, costShare: listCost > 0 ? cost / listCost : 0,
                                 averageBilledMilliseconds: requests > 0 ? Double(billed) / Double(requests) : 0, whatIf: whatIf)
        }.sorted { $0.cost != $1.cost ? $0.cost > $1.cost : $0.function < $1.function }

        var byDay: [Int64: [UsageLine]] = [:]
        for (hour, line) in lines { byDay[hour / 24, default: []].append(line) }
        let days = byDay.keys.sorted().map { day -> DayUsage in
            let lines = byDay[day]!
            let executions = lines.filter { $0.kind != .provisionedAllocation }
            return DayUsage(day: BillingMonth.dayName(Int(day)), requests: executions.reduce(0) { $0 + $1.requests },
                            billedMilliseconds: executions.reduce(0) { $0 + $1.billedMilliseconds },
                            gbSeconds: lines.filter { $0.kind == .onDemand }.reduce(0) { $0 + $1.gbSeconds },
                            cost: Bill.listCost(lines, prices: prices))
        }

        let asOf = ISO8601DateFormatter().string(from: min(now, month.end))
        return UsageReport(month: month.description, asOf: asOf, complete: elapsed >= length, region: prices.region,
                           currency: prices.currency, freeTier: prices.freeTier, totals: totals, freeTierUsed: freeUse,
                           cost: Cost(bill), listCost: listCost, projection: projection, functions: functions, days: days)
    }
}
