@testable import PetrelQueues
import Testing

@Suite struct ReceivePlanTests {
    typealias C = ReceivePlan.Candidate
    static let now: Int64 = 10_000

    /// key, group, visibleAt, receiveCount
    static func c(_ key: Int64, _ group: String, _ visibleAt: Int64 = 0, _ receives: Int = 0) -> C {
        C(key: key, group: group, visibleAt: visibleAt, receiveCount: receives)
    }

    @Test(arguments: [
        // A group's messages come in order, the first group first.
        ([c(1, "a"), c(2, "a"), c(3, "b")], Set<String>(), 10, [Int64(1), 2, 3]),
        ([c(1, "a"), c(2, "b"), c(3, "a")], [], 2, [1, 3]),
        // A group with a message in flight gives nothing.
        ([c(1, "a", now + 5000, 1), c(2, "a"), c(3, "b")], [], 10, [3]),
        ([c(2, "a"), c(3, "b")], ["a"], 10, [3]),
        // A delayed head holds back its group.
        ([c(1, "a", now + 5000, 0), c(2, "a"), c(3, "b")], [], 10, [3]),
        // A message whose visibility expired is the group's head again.
        ([c(1, "a", now - 1, 2), c(2, "a")], [], 10, [1, 2]),
        ([], [], 10, []),
    ] as [([C], Set<String>, Int, [Int64])])
    func fifoGroups(candidates: [C], blocked: Set<String>, max: Int, expected: [Int64]) {
        #expect(ReceivePlan.fifo(candidates, blockedGroups: blocked, now: Self.now, max: max) == expected)
    }

    @Test(arguments: [(0, 3, false), (2, 3, false), (3, 3, true), (5, 3, true), (9, nil, false)] as [(Int, Int?, Bool)])
    func deadLetterAfterMaxReceives(count: Int, max: Int?, moves: Bool) {
        #expect(ReceivePlan.exceedsMaxReceives(receiveCount: count, maxReceiveCount: max) == moves)
    }

    @Test(arguments: [
        (Int64(0), Int64(1000), 30, true),
        (0, 1000, 43_200, false),          // 12 h counted from the receive
        (0, 1000, 43_199, true),
        (0, 0, -1, false),
    ])
    func visibilityLimit(receivedAt: Int64, now: Int64, seconds: Int, allowed: Bool) {
        #expect(ReceivePlan.visibilityChangeAllowed(receivedAt: receivedAt, now: now, seconds: seconds) == allowed)
    }

    @Test func deduplicationScope() {
        #expect(ReceivePlan.deduplicationKey(id: "d", group: "g", scope: "queue") == "d")
        #expect(ReceivePlan.deduplicationKey(id: "d", group: "g", scope: "messageGroup")
                != ReceivePlan.deduplicationKey(id: "d", group: "h", scope: "messageGroup"))
    }
}
