import Testing
@testable import PetrelCluster

/// The lease state machine, in memory.
struct LeaseRulesTests {
    let duration: Int64 = 15_000

    @Test func aFreeLeaseIsTakenWithTheFirstToken() {
        let decision = LeaseRules.acquire("s", current: nil, node: "a", now: 1_000, durationMs: duration)
        #expect(decision == .acquired(LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 1)))
    }

    @Test func aHeldLeaseIsRefusedUntilItExpires() {
        let held = LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 3)
        #expect(LeaseRules.acquire("s", current: held, node: "b", now: 15_999, durationMs: duration)
                == .heldElsewhere(holder: "a", expiresAt: 16_000))
        #expect(LeaseRules.acquire("s", current: held, node: "b", now: 16_000, durationMs: duration)
                == .acquired(LeaseRecord(name: "s", holder: "b", expiresAt: 31_000, token: 4)))
    }

    @Test func everyAcquisitionRaisesTheTokenEvenBySameNode() {
        let held = LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 3)
        guard case .acquired(let again) = LeaseRules.acquire("s", current: held, node: "a", now: 2_000, durationMs: duration) else {
            Issue.record("a restarted node with the same id should take its own lease")
            return
        }
        #expect(again.token == 4)
        let released = LeaseRecord(name: "s", holder: nil, expiresAt: 2_000, token: 4)
        #expect(LeaseRules.acquire("s", current: released, node: "b", now: 2_001, durationMs: duration)
                == .acquired(LeaseRecord(name: "s", holder: "b", expiresAt: 17_001, token: 5)))
    }

    @Test func renewalExtendsOnlyALiveHoldWithItsToken() {
        let held = LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 3)
        let hold = LeaseHold(name: "s", node: "a", token: 3)
        #expect(LeaseRules.renew(current: held, hold: hold, now: 10_000, durationMs: duration)
                == .renewed(LeaseRecord(name: "s", holder: "a", expiresAt: 25_000, token: 3)))
        // Expired (even if nobody took it), taken by another node, or re-acquired: lost.
        #expect(LeaseRules.renew(current: held, hold: hold, now: 16_000, durationMs: duration) == .lost)
        #expect(LeaseRules.renew(current: LeaseRecord(name: "s", holder: "b", expiresAt: 30_000, token: 4), hold: hold,
                                 now: 17_000, durationMs: duration) == .lost)
        #expect(LeaseRules.renew(current: LeaseRecord(name: "s", holder: "a", expiresAt: 30_000, token: 4), hold: hold,
                                 now: 17_000, durationMs: duration) == .lost)
        #expect(LeaseRules.renew(current: nil, hold: hold, now: 1, durationMs: duration) == .lost)
    }

    @Test func releaseFreesOnlyTheHoldersOwnLease() {
        let held = LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 3)
        #expect(LeaseRules.release(current: held, hold: LeaseHold(name: "s", node: "a", token: 3), now: 5_000)
                == LeaseRecord(name: "s", holder: nil, expiresAt: 5_000, token: 3))
        #expect(LeaseRules.release(current: held, hold: LeaseHold(name: "s", node: "a", token: 2), now: 5_000) == nil)
        #expect(LeaseRules.release(current: held, hold: LeaseHold(name: "s", node: "b", token: 3), now: 5_000) == nil)
    }

    @Test func fencingAcceptsOnlyTheCurrentHolderAndToken() {
        let held = LeaseRecord(name: "s", holder: "a", expiresAt: 16_000, token: 3)
        #expect(LeaseRules.isHeld(held, by: LeaseHold(name: "s", node: "a", token: 3), now: 15_999))
        #expect(!LeaseRules.isHeld(held, by: LeaseHold(name: "s", node: "a", token: 3), now: 16_000))
        #expect(!LeaseRules.isHeld(held, by: LeaseHold(name: "s", node: "a", token: 2), now: 1))
        #expect(!LeaseRules.isHeld(held, by: LeaseHold(name: "s", node: "b", token: 3), now: 1))
        #expect(!LeaseRules.isHeld(nil, by: LeaseHold(name: "s", node: "a", token: 3), now: 1))
    }
}
