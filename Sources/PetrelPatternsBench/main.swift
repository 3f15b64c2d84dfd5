import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PetrelCore
import PetrelPatterns

// `swift run -c release petrel-patterns-bench`: what matching one event against 1,000 rules
// costs, with each rule naming its own source (what a bus indexes) and with none indexable
// (every pattern evaluated). CPU time of this thread, so a busy machine does not inflate it.

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
    var bySource: [String: [Int]] = [:]
    var rest: [Int] = []
    for (i, r) in rules.enumerated() {
        if let sources = r.exactStrings(at: "source") { for s in sources { bySource[s, default: []].append(i) } } else { rest.append(i) }
    }
    let events = (0..<2000).map(event)
    var matched = 0
    let started = cpuSeconds()
    for e in events {
        let candidates = rest + (bySource[e["source"]?.stringValue ?? ""] ?? [])
        for i in candidates where rules[i].matches(e) { matched += 1 }
    }
    let perEvent = (cpuSeconds() - started) / Double(events.count) * 1e6
    print("\(label): \(String(format: "%.1f", perEvent)) µs per event (1,000 rules, \(matched) matches over \(events.count) events)")
}

measure("indexed by source", indexed: true)
measure("every rule evaluated", indexed: false)
