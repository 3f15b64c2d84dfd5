import PetrelCore
import PetrelInvoker
import Testing

@Suite struct ReservedConcurrencyTests {
    @Test(arguments: [
        // (reserved, in flight, unreserved in flight, unreserved pool, decision)
        (Int?.some(2), 1, 0, 10, ReservedConcurrencyPolicy.Decision.admit),
        (2, 2, 0, 10, .throttleReserved),
        (0, 0, 0, 10, .throttleReserved),
        (nil, 5, 9, 10, .admit),
        (nil, 0, 10, 10, .throttleUnreserved),
    ])
    func admission(_ c: (Int?, Int, Int, Int, ReservedConcurrencyPolicy.Decision)) {
        #expect(ReservedConcurrencyPolicy.admit(reserved: c.0, inFlight: c.1, unreservedInFlight: c.2, unreservedPool: c.3) == c.4)
    }

    @Test func reservationsCapAFunctionAndShrinkThePool() throws {
        let gate = ReservedConcurrency(accountLimit: 4)
        gate.reserve("r", 2)
        try gate.enter("r")
        try gate.enter("r")
        #expect(throws: AWSError.self) { try gate.enter("r") }
        try gate.enter("a")
        try gate.enter("b")
        // 4 − 2 reserved: two unreserved invocations fill the pool.
        do {
            try gate.enter("c")
            Issue.record("admitted past the unreserved pool")
        } catch {
            #expect(error.extra["Reason"] == .string("ConcurrentInvocationLimitExceeded"))
        }
        gate.leave("r")
        try gate.enter("r")
        gate.leave("a")
        try gate.enter("c")
        #expect(gate.reservedByOthers(than: nil) == 2 && gate.reservedByOthers(than: "r") == 0)
        #expect(ReservedConcurrencyPolicy.minimumUnreserved(accountLimit: 1000) == 100)
    }
}
