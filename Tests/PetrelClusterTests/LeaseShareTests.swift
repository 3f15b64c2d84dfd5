import Testing
@testable import PetrelCluster

/// The fair-share rule that spreads a group of leases (event-source mappings) over the nodes.
struct LeaseShareTests {
    @Test(arguments: [
        // (total, live nodes, share)
        (0, 1, 0), (1, 1, 1), (5, 1, 5), (1, 2, 1), (2, 2, 1), (3, 2, 2), (4, 3, 2), (6, 3, 2), (7, 3, 3),
        (3, 0, 3),  // no live node read (this one not yet registered): counted as one
    ])
    func theShareIsTheCeilingOfLeasesPerLiveNode(_ row: (Int, Int, Int)) {
        #expect(LeaseShare.fairShare(total: row.0, liveNodes: row.1) == row.2)
    }

    @Test(arguments: [
        // (held, total, live nodes, may take, should shed)
        (0, 4, 2, true, false), (1, 4, 2, true, false), (2, 4, 2, false, false), (3, 4, 2, false, true),
        (4, 4, 1, false, false), (4, 4, 2, false, true), (0, 1, 2, true, false), (1, 1, 2, false, false),
    ])
    func aNodeTakesUpToItsShareAndShedsAboveIt(_ row: (Int, Int, Int, Bool, Bool)) {
        #expect(LeaseShare.mayTake(held: row.0, total: row.1, liveNodes: row.2) == row.3)
        #expect(LeaseShare.shouldShed(held: row.0, total: row.1, liveNodes: row.2) == row.4)
    }

    @Test func aGroupReservesOnlyItsShareAndShedsOneAtATime() {
        let group = LeaseGroup(name: "esm")
        for name in ["a", "b", "c", "d"] { group.join(name) }
        // Alone: all four.
        #expect(["a", "b", "c", "d"].allSatisfy { group.reserve($0, liveNodes: 1) })
        // A second node is alive: the share is 2, so two of the four (and no more) are let go.
        let shed = ["a", "b", "c", "d"].filter { group.shed($0, liveNodes: 2) }
        #expect(shed == ["a", "b"])
        #expect(group.held == ["c", "d"])
        // And not taken back while the other node lives.
        #expect(!group.reserve("a", liveNodes: 2))
        #expect(group.reserve("a", liveNodes: 1))
        // Leaving the group frees its place.
        group.leave("a")
        #expect(group.members == ["b", "c", "d"])
        #expect(group.held == ["c", "d"])
    }
}
