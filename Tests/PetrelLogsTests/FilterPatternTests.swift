import PetrelLogs
import PetrelStore
import Testing

@Suite struct FilterPatternTests {
    @Test(arguments: [
        ("ERROR", "an ERROR happened", true),
        ("ERROR", "an error happened", false),
        ("ERROR timeout", "ERROR: timeout after 3s", true),
        ("ERROR timeout", "ERROR: refused", false),
        ("\"Task timed out\"", "x Task timed out after 3.00 seconds", true),
        ("\"Task timed out\"", "Task has timed out", false),
        ("?ERROR ?WARN", "WARN disk", true),
        ("?ERROR ?WARN", "INFO ok", false),
        ("ERROR -retry", "ERROR final", true),
        ("ERROR -retry", "ERROR will retry", false),
        ("", "anything", true),
    ])
    func matches(pattern: String, message: String, expected: Bool) throws {
        #expect(try FilterPattern(pattern).matches(message) == expected)
    }

    @Test func jsonPatternsAreRefusedWithAHint() {
        #expect(throws: FilterPatternError.self) { try FilterPattern("{ $.level = \"error\" }") }
    }
}

@Suite struct LogStoreTests {
    @Test func appendedEventsAreReadBackInOrderAfterFlush() throws {
        let store = try PetrelStore.Store.temporary(migrations: [LogStore.registerMigrations])
        let logs = LogStore(store: store)
        logs.append(group: "/aws/lambda/f", stream: "s", events: (0..<5).map { LogEvent(timestamp: 100 + Int64($0), message: "m\($0)") })
        let head = try logs.events(group: "/aws/lambda/f", stream: "s", startTime: nil, endTime: nil, afterID: nil,
                                   beforeID: nil, fromHead: true, limit: 2)
        #expect(head.map(\.message) == ["m0", "m1"])
        let next = try logs.events(group: "/aws/lambda/f", stream: "s", startTime: nil, endTime: nil, afterID: head.last!.id,
                                   beforeID: nil, fromHead: true, limit: 10)
        #expect(next.map(\.message) == ["m2", "m3", "m4"])
        let tail = try logs.events(group: "/aws/lambda/f", stream: "s", startTime: nil, endTime: nil, afterID: nil,
                                   beforeID: nil, fromHead: false, limit: 2)
        #expect(tail.map(\.message) == ["m3", "m4"])
        let streams = try logs.streams(group: "/aws/lambda/f", prefix: nil, byLastEventTime: true, descending: true, offset: 0, limit: 10)
        #expect(streams.streams.first?.lastEventTimestamp == 104)
    }

    @Test func filterFindsMatchesAcrossStreams() throws {
        let store = try PetrelStore.Store.temporary(migrations: [LogStore.registerMigrations])
        let logs = LogStore(store: store)
        logs.append(group: "g", stream: "a", events: [LogEvent(timestamp: 1, message: "needle one"), LogEvent(timestamp: 2, message: "hay")])
        logs.append(group: "g", stream: "b", events: [LogEvent(timestamp: 3, message: "needle two")])
        let found = try logs.filter(group: "g", streamNames: nil, streamPrefix: nil, startTime: nil, endTime: nil,
                                    pattern: try FilterPattern("needle"), afterID: nil, limit: 10)
        #expect(found.events.map(\.streamName) == ["a", "b"])
        #expect(found.next == nil)
    }
}
