import Foundation
import NIOHTTP1
@testable import PetrelInvoker
import Testing

@Suite struct SchedulingPolicyTests {
    typealias P = SchedulingPolicy.Placement

    @Test(arguments: [
        // idle, queued, starting, executions, limit -> placement
        (["a", "b"], 0, 0, 5, 10, P.dispatch(instanceID: "b")),     // most recently idle first
        ([], 0, 0, 0, 10, P.queueAndStart),                          // cold start
        ([], 1, 2, 3, 10, P.queue),                                  // a starting instance will take it
        ([], 2, 2, 4, 10, P.queueAndStart),                          // every starting instance is spoken for
        ([], 0, 0, 10, 10, P.throttle),                              // the account is at its limit
        (["a"], 0, 0, 10, 10, P.dispatch(instanceID: "a")),          // a warm instance never throttles
    ])
    func placement(idle: [String], queued: Int, starting: Int, executions: Int, limit: Int, expected: P) {
        #expect(SchedulingPolicy.place(idle: idle, queued: queued, starting: starting,
                                       concurrentExecutions: executions, limit: limit) == expected)
    }

    @Test(arguments: [
        // idle, queued, starting, memoryFits -> placement
        ([String](), 0, 0, false, P.throttle),        // no room for a new instance: 429, not an unbounded queue
        ([], 1, 2, false, P.queue),                   // an instance already starting takes it
        (["a"], 0, 0, false, P.dispatch(instanceID: "a")),  // a warm instance needs no memory
        ([], 0, 0, true, P.queueAndStart),
    ])
    func memoryBudget(idle: [String], queued: Int, starting: Int, fits: Bool, expected: P) {
        #expect(SchedulingPolicy.place(idle: idle, queued: queued, starting: starting, concurrentExecutions: 0, limit: 100,
                                       memoryFits: fits) == expected)
    }

    @Test(arguments: [
        // need, reserved, evictable, budget -> fits
        (128, 0, 0, 1024, true),
        (128, 1024, 0, 1024, false),
        (128, 1024, 128, 1024, true),       // evicting another function's idle instance makes room
        (1024, 900, 0, 2048, true),
        (10240, 0, 0, 2048, false),         // larger than the whole budget
    ])
    func memoryFits(need: Int, reserved: Int, evictable: Int, budget: Int, expected: Bool) {
        #expect(SchedulingPolicy.memoryFits(needMB: need, reservedMB: reserved, evictableMB: evictable, budgetMB: budget) == expected)
    }

    @Test func evictionOnlyAtTheInstanceCap() {
        #expect(SchedulingPolicy.mustEvict(totalInstances: 10, limit: 10))
        #expect(!SchedulingPolicy.mustEvict(totalInstances: 9, limit: 10))
    }

    @Test func expiredIdleInstances() {
        let now = ContinuousClock.now
        let idle = [(id: "old", since: now - .seconds(301)), (id: "fresh", since: now - .seconds(10))]
        #expect(SchedulingPolicy.expired(idleSince: idle, now: now, keepAlive: .seconds(300)) == ["old"])
    }

    @Test(arguments: [
        (Duration.microseconds(1), 1), (.microseconds(999), 1), (.milliseconds(1), 1),
        (.microseconds(1001), 2), (.milliseconds(1500), 1500), (.seconds(3) + .nanoseconds(1), 3001),
    ])
    func billedDurationRoundsUpToTheMillisecond(duration: Duration, expected: Int) {
        #expect(SchedulingPolicy.billedMilliseconds(duration) == expected)
    }
}

@Suite struct RuntimeAPIRouteTests {
    @Test(arguments: [
        (HTTPMethod.GET, "/2018-06-01/runtime/invocation/next", RuntimeAPIRoute.next),
        (.POST, "/2018-06-01/runtime/invocation/abc-123/response", .response(requestID: "abc-123")),
        (.POST, "/2018-06-01/runtime/invocation/abc-123/error", .error(requestID: "abc-123")),
        (.POST, "/2018-06-01/runtime/init/error", .initError),
        (.POST, "/2018-06-01/runtime/invocation/next", .unknown),
        (.GET, "/2018-06-01/runtime/invocation/abc/response", .unknown),
        (.GET, "/2020-01-01/extension/register", .unknown),
        (.GET, "/2018-06-01/runtime/petrel/assignment", .assignment),
    ])
    func routes(method: HTTPMethod, uri: String, expected: RuntimeAPIRoute) {
        #expect(RuntimeAPIRoute.parse(method: method, uri: uri) == expected)
    }

    @Test func onlyAnswersAskForTheNextInvocation() {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
        head.headers.add(name: "Petrel-Then-Next", value: "1")
        #expect(RuntimeAPIServer.thenNext(.response(requestID: "a"), head))
        #expect(RuntimeAPIServer.thenNext(.error(requestID: "a"), head))
        #expect(!RuntimeAPIServer.thenNext(.initError, head))
        #expect(!RuntimeAPIServer.thenNext(.response(requestID: "a"), HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")))
    }
}

@Suite struct ReportLinesTests {
    @Test func reportLineIsWordedAsAWS() {
        let line = ReportLines.report(requestID: "r1", duration: .microseconds(12_345), billedMilliseconds: 13,
                                      memorySizeMB: 128, maxMemoryUsedMB: 42, initDuration: .milliseconds(150))
        #expect(line == "REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB\tInit Duration: 150.00 ms\t")
        #expect(ReportLines.start(requestID: "r1", version: "$LATEST") == "START RequestId: r1 Version: $LATEST")
        #expect(ReportLines.end(requestID: "r1") == "END RequestId: r1")
    }

    @Test func timeoutLine() {
        let line = ReportLines.timedOut(requestID: "r1", seconds: 3, at: Date(timeIntervalSince1970: 1_440_937_696.789))
        #expect(line == "2015-08-30T12:28:16.789Z r1 Task timed out after 3.00 seconds")
    }
}

@Suite struct OutputReaderTests {
    @Test func splitsLinesAndKeepsThePartialRest() {
        let (lines, rest) = OutputReader.split(Data("a\nbb\nccc".utf8))
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["a", "bb"])
        #expect(String(decoding: rest, as: UTF8.self) == "ccc")
    }

    @Test func takesTheRuntimesTimestamp() {
        #expect(OutputReader.leadingTimestamp("2015-08-30T12:28:16.789Z\tid\tINFO\thello") == 1_440_937_696_789)
        #expect(OutputReader.leadingTimestamp("plain output") == nil)
        #expect(OutputReader.leadingTimestamp("2015-08-30 12:28:16.789Z x") == nil)
    }

    @Test func readsOnlyWhatIsNewAndFlushesPartialLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        let reader = OutputReader(path: path)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.write(Data("one\ntwo".utf8))
        #expect(reader.read(flush: false).map(\.message) == ["one"])
        handle.write(Data(" halves\nthree\n".utf8))
        #expect(reader.read().map(\.message) == ["two halves", "three"])
        #expect(reader.read().isEmpty)
        try handle.close()
    }
}
