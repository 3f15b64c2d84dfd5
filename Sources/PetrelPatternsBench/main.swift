import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PetrelCore
import PetrelPatterns

// `swift run -c release petrel-patterns-bench`: what matching one event against 1,000 rules
// costs with a `PatternIndex`, beside the floor of evaluating every rule's pattern, in the same
// run; with each rule naming its own source and with none naming one. CPU time of this thread,
// so a busy machine does not inflate it.

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func event(_ i: Int) -> JSONValue {
    func s(_ text: String) -> JSONValue { .string(text) }
    return .object([
        "version": s("0"), "id": s(UUID().uuidString), "detail-type": s("Order Placed"), "source": s("app.\(i % 1000)"),
        "account": s("000000000000"), "time": s("2026-03-01T10:00:00Z"), "region": s("us-east-1"), "resources": .array([]),
        "detail": .object(["total": .number(Double(i % 500)), "state": s("open"),
                           "customer": .object(["tier": s("gold"), "ip": s("10.0.0.7")])]),
    ])
}

func rule(_ i: Int, indexed: Bool) -> EventPattern {
    let source = indexed ? #""source":["app.\#(i)"],"# : ""
    let text = #"{\#(source)"detail-type":[{"prefix":"Order"}],"detail":{"total":[{"numeric":[">",\#(i % 400)]}],"state":[{"anything-but":"closed"}],"customer":{"tier":[{"equals-ignore-case":"GOLD"}],"ip":[{"cidr":"10.0.0.0/24"}]}}}"#
    return try! EventPattern(json: text)
}

func measure(_ label: String, indexed: Bool) {
    let rules = (0..<1000).map { rule($0, indexed: indexed) }
    let events = (0..<2000).map(event)

    // The floor: every rule's pattern evaluated by the matcher.
    var floorMatches = 0
    var started = cpuSeconds()
    for e in events { for r in rules where r.matches(e) { floorMatches += 1 } }
    let floor = (cpuSeconds() - started) / Double(events.count) * 1e6

    started = cpuSeconds()
    let index = PatternIndex(rules)
    let buildMs = (cpuSeconds() - started) * 1e3
    var indexMatches = 0
    started = cpuSeconds()
    for e in events { indexMatches += index.matches(e).count }
    let perEvent = (cpuSeconds() - started) / Double(events.count) * 1e6
    // The index this replaced: rules by the exact `source` they name, the rest evaluated.
    var bySource: [String: [Int]] = [:]
    var rest: [Int] = []
    for (i, r) in rules.enumerated() {
        if let sources = r.exactStrings(at: "source") { for s in sources { bySource[s, default: []].append(i) } } else { rest.append(i) }
    }
    var sourceMatches = 0
    started = cpuSeconds()
    for e in events {
        for i in rest + (bySource[e["source"]?.stringValue ?? ""] ?? []) where rules[i].matches(e) { sourceMatches += 1 }
    }
    let bySourceCost = (cpuSeconds() - started) / Double(events.count) * 1e6
    precondition(sourceMatches == floorMatches)
    precondition(indexMatches == floorMatches, "index found \(indexMatches) matches, the matcher \(floorMatches)")
    print("\(label): index \(String(format: "%.1f", perEvent)) µs per event, by source only \(String(format: "%.1f", bySourceCost)) µs, "
        + "every rule evaluated \(String(format: "%.1f", floor)) µs "
        + "(1,000 rules, \(indexMatches) matches over \(events.count) events, index built in \(String(format: "%.1f", buildMs)) ms)")
}

measure("each rule names its source", indexed: true)
measure("no rule names a source", indexed: false)
