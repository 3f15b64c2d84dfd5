import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `petrel usage`: what this month's invocations would have cost on AWS, and which function is
/// responsible. Asks the running server (`GET /_petrel/usage`).
struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Requests and GB-seconds of a month against the free tier, priced as AWS would bill them, per function or day.")

    @Option(help: "The server's endpoint.") var endpoint = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566"
    @Option(help: "The month, YYYY-MM (default: this month, UTC).") var month: String?
    @Option(help: "Rows per function or per day.") var by: Grouping = .function
    @Option(name: .customLong("what-if"), help: "Price each function's measured durations at this memory size (MB).") var whatIf = 512
    @Flag(help: "Print the rows as CSV.") var csv = false
    @Flag(help: "Print the server's whole answer as JSON.") var json = false

    enum Grouping: String, ExpressibleByArgument {
        case function, day
    }

    func validate() throws {
        if let month, month.range(of: #"^\d{4}-\d{2}$"#, options: .regularExpression) == nil {
            throw ValidationError("--month must be YYYY-MM, not \(month)")
        }
        guard (128...10_240).contains(whatIf) else { throw ValidationError("--what-if must be 128 to 10240 (MB)") }
    }

    func run() async throws {
        let query = [URLQueryItem(name: "whatIfMemory", value: String(whatIf))] + (month.map { [URLQueryItem(name: "month", value: $0)] } ?? [])
        let data = try await ServerReport.fetch(endpoint, path: "/_petrel/usage", query: query)
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let report = try ServerReport.object(data, from: endpoint)
        if let message = report["message"] as? String ?? report["Message"] as? String { throw ValidationError(message) }
        if csv {
            printCSV(report)
        } else {
            printSummary(report)
        }
    }

    func printCSV(_ report: [String: Any]) {
        switch by {
        case .function:
            print("function,requests,billed_ms,gb_seconds,cost_usd,what_if_memory_mb,what_if_cost_usd")
            for row in report["functions"] as? [[String: Any]] ?? [] {
                let whatIf = row["whatIf"] as? [String: Any] ?? [:]
                print([csvField(row["function"] as? String ?? ""), "\(int(row["requests"]))", "\(int(row["billedMilliseconds"]))",
                       number(row["gbSeconds"], 6), number(row["cost"], 10), "\(int(whatIf["memoryMB"]))", number(whatIf["cost"], 10)]
                    .joined(separator: ","))
            }
        case .day:
            print("day,requests,billed_ms,gb_seconds,cost_usd")
            for row in report["days"] as? [[String: Any]] ?? [] {
                print([row["day"] as? String ?? "", "\(int(row["requests"]))", "\(int(row["billedMilliseconds"]))",
                       number(row["gbSeconds"], 6), number(row["cost"], 10)].joined(separator: ","))
            }
        }
    }

    func printSummary(_ report: [String: Any]) {
        let totals = report["totals"] as? [String: Any] ?? [:]
        let free = report["freeTier"] as? [String: Any] ?? [:]
        let used = report["freeTierUsed"] as? [String: Any] ?? [:]
        let cost = report["cost"] as? [String: Any] ?? [:]
        let complete = report["complete"] as? Bool ?? false
        print("Lambda usage for \(report["month"] ?? "?") (\(report["region"] ?? "?") prices, \(complete ? "whole month" : "as of \(report["asOf"] ?? "?")"))")
        print("  requests    \(int(totals["requests"])) of \(int(free["requests"])) free (\(number(used["requestsPercent"], 2))%)")
        print("  GB-seconds  \(number(totals["gbSeconds"], 3)) of \(int(free["gbSeconds"])) free (\(number(used["gbSecondsPercent"], 2))%)")
        if double(totals["provisionedAllocationGBSeconds"]) > 0 || double(totals["provisionedExecutionGBSeconds"]) > 0 {
            print("  provisioned concurrency  \(number(totals["provisionedAllocationGBSeconds"], 3)) GB-s configured, \(number(totals["provisionedExecutionGBSeconds"], 3)) GB-s run")
        }
        print("  cost        $\(number(cost["total"], 6)) (requests $\(number(cost["requests"], 6)), duration $\(number(cost["duration"], 6)), provisioned $\(number(cost["provisioned"], 6)), storage $\(number(cost["ephemeralStorage"], 6)); free tier saved $\(number(cost["freeTierCredit"], 6)))")
        if let projection = report["projection"] as? [String: Any] {
            print("  projected to month end: \(int(projection["requests"])) requests, \(number(projection["gbSeconds"], 3)) GB-s, $\(number(projection["cost"], 6))")
        }
        switch by {
        case .function:
            let rows = report["functions"] as? [[String: Any]] ?? []
            guard !rows.isEmpty else { print("\nNo invocations metered this month."); return }
            print("\nPer function, costliest first (list price, before the free tier):")
            print(pad("FUNCTION", 28) + pad("REQUESTS", 11) + pad("GB-S", 14) + pad("AVG BILLED", 12) + pad("MEMORY", 10) + pad("COST $", 14) + "WHAT-IF")
            for row in rows {
                let whatIf = row["whatIf"] as? [String: Any] ?? [:]
                let memory = (row["memorySizes"] as? [Int] ?? []).map(String.init).joined(separator: "/")
                print(pad(row["function"] as? String ?? "?", 28) + pad("\(int(row["requests"]))", 11) + pad(number(row["gbSeconds"], 3), 14)
                      + pad(number(row["averageBilledMilliseconds"], 1) + " ms", 12) + pad(memory + " MB", 10) + pad(number(row["cost"], 8), 14)
                      + "at \(int(whatIf["memoryMB"])) MB: $\(number(whatIf["cost"], 8))")
            }
            if let top = rows.first {
                print("\nCostliest: \(top["function"] ?? "?") (\(number(double(top["costShare"]) * 100, 1))% of the list cost)")
            }
        case .day:
            print("\nPer day:")
            print(pad("DAY", 14) + pad("REQUESTS", 11) + pad("GB-S", 14) + "COST $")
            for row in report["days"] as? [[String: Any]] ?? [] {
                print(pad(row["day"] as? String ?? "?", 14) + pad("\(int(row["requests"]))", 11) + pad(number(row["gbSeconds"], 3), 14) + number(row["cost"], 8))
            }
        }
    }

    func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? 0 }
    func double(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? 0 }
    func number(_ value: Any?, _ decimals: Int) -> String { String(format: "%.\(decimals)f", double(value)) }
    func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0) }
    func csvField(_ text: String) -> String { text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text }
}
