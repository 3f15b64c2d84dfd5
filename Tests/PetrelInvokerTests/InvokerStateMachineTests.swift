import Foundation
import PetrelFunctions
@testable import PetrelInvoker
import Synchronization
import Testing

/// Drives `InvokerStateMachine` with events and compares the actions it returns, step by step.
/// Actions are written as short strings (`launch i1`, `resume i1 r1`); the bookkeeping ones
/// (deadline watch, concurrency gauge) are checked in their own test.
@Suite struct InvokerStateMachineTests {
    typealias Machine = InvokerStateMachine

    enum Step: Sendable, CustomStringConvertible {
        /// An invocation `request` of function `function` (memory MB) arrives at `ms`.
        case invoke(String, function: String = "f", memory: Int = 128, ms: Int = 0)
        /// The instance's process is running; the expected action list holds "true"/"false".
        case launched(String)
        case next(String, ms: Int = 0)
        case answer(String, request: String, ms: Int = 0)
        case answerFailed(String, request: String)
        case initError(String)
        case initTimeout(String)
        case exit(String)
        case deadline(String)
        case retire(String, version: String? = nil)
        case provision(String, count: Int)
        case reap(ms: Int)
        /// The expected list starts with "waiting" when other idle instances are not frozen yet.
        case freeze(ms: Int)
        case fillPool
        case blankAsks(String)
        case prepared(String)
        case launchFailed(String)

        var description: String {
            switch self {
            case .invoke(let r, let f, _, let ms): "invoke \(r) of \(f) at \(ms) ms"
            case .launched(let i): "launched \(i)"
            case .next(let i, let ms): "next \(i) at \(ms) ms"
            case .answer(let i, let r, _): "answer \(i) \(r)"
            case .answerFailed(let i, let r): "error \(i) \(r)"
            case .initError(let i): "init error \(i)"
            case .initTimeout(let i): "init timeout \(i)"
            case .exit(let i): "exit \(i)"
            case .deadline(let r): "deadline \(r)"
            case .retire(let f, _): "retire \(f)"
            case .provision(let f, let n): "provision \(f) \(n)"
            case .reap(let ms): "reap at \(ms) ms"
            case .freeze(let ms): "freeze at \(ms) ms"
            case .fillPool: "fill the warm pool"
            case .blankAsks(let i): "blank \(i) asks"
            case .prepared(let i): "assignment of \(i) prepared"
            case .launchFailed(let i): "launch failed \(i)"
            }
        }
    }

    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var limit = 1000
        var memoryBudgetMB = Int.max
        var warmPool = WarmPoolPolicy()
        var scalingRate: ScalingRate? = nil
        var steps: [(Step, [String])]
        var testDescription: String { name }
    }

    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> String { "i" + String(value.withLock { $0 += 1; return $0 }) }
    }

    /// The machine plus the test's bookkeeping: invocations by request id, a clock.
    struct Harness {
        var machine: Machine
        var invocations: [String: Invocation] = [:]
        let start = ContinuousClock.now
        let wallStart = Date(timeIntervalSince1970: 1_700_000_000)

        init(_ scenario: Scenario) {
            let counter = Counter()
            machine = Machine(limits: .init(concurrencyLimit: scenario.limit, memoryBudgetMB: scenario.memoryBudgetMB,
                                            keepAlive: .seconds(300), freezeDelay: .milliseconds(20), initTimeoutSeconds: 10,
                                            scalingRate: scenario.scalingRate),
                              warmPool: scenario.warmPool,
                              blankKey: { function in BlankKey.serving(function.settings) },
                              newID: { counter.next() })
        }

        func at(_ ms: Int) -> Moment {
            Moment(instant: start + .milliseconds(ms), wall: wallStart.addingTimeInterval(Double(ms) / 1000))
        }

        static func function(_ name: String, memory: Int = 128, version: String = "$LATEST") -> FunctionRecord {
            FunctionRecord(name: name, version: version,
                           settings: FunctionSettings(runtime: "nodejs20.x", handler: "index.handler", role: "r", memorySize: memory),
                           codeSha256: "", codeDigest: "d", codeSize: 1, lastModified: 0, revisionId: "rev-\(name)")
        }

        mutating func run(_ step: Step) -> [String] {
            switch step {
            case .invoke(let request, let name, let memory, let ms):
                let invocation = Invocation(InvocationRequest(function: Self.function(name, memory: memory), payload: Data(),
                                                              requestID: request, invokedFunctionArn: "arn"))
                invocations[request] = invocation
                let (admission, actions) = machine.invocationArrived(invocation, at: at(ms))
                switch admission {
                case .accepted: return describe(actions)
                case .throttled: return ["429"] + describe(actions)
                case .scalingRateExceeded(let seconds): return ["429 scaling rate, retry in \(seconds) s"] + describe(actions)
                }
            case .launched(let id):
                return [String(machine.launched(id))]
            case .next(let id, let ms):
                return describe(machine.runtimeAskedForWork(id, at: at(ms)))
            case .answer(let id, let request, let ms):
                return machine.runtimeAnswered(id, requestID: request, outcome: .success(Data("ok".utf8)), at: at(ms)).map(describe) ?? ["invalid"]
            case .answerFailed(let id, let request):
                return machine.runtimeAnswered(id, requestID: request, outcome: .functionError(Data()), at: at(0)).map(describe) ?? ["invalid"]
            case .initError(let id):
                return machine.initFailed(id, document: Data(), errorType: "Runtime.ImportModuleError", at: at(0)).map(describe) ?? ["refused"]
            case .initTimeout(let id):
                return describe(machine.initTimedOut(id))
            case .exit(let id):
                return describe(machine.instanceExited(id, status: "signal: killed", at: at(0)))
            case .deadline(let request):
                return describe(machine.deadlineReached(invocations[request]!, at: at(3000)))
            case .retire(let name, let version):
                return describe(machine.retire(functionName: name, version: version))
            case .provision(let name, let count):
                return describe(machine.provision(Self.function(name), count: count, at: at(0)))
            case .reap(let ms):
                return describe(machine.reapIdle(at: at(ms)))
            case .freeze(let ms):
                let (waiting, actions) = machine.freezeIdle(at: at(ms))
                return (waiting ? ["waiting"] : []) + describe(actions)
            case .fillPool:
                return describe(machine.fillWarmPool())
            case .blankAsks(let id):
                return describe(machine.blankAskedForAssignment(id))
            case .prepared(let id):
                return describe(machine.assignmentPrepared(id))
            case .launchFailed(let id):
                return describe(machine.launchFailed(id, reason: "no", at: at(0)))
            }
        }

        func describe(_ actions: [Machine.Action]) -> [String] {
            actions.compactMap { action -> String? in
                switch action {
                case .resume(let id, let dispatch): "resume \(id) \(dispatch.invocation.id)"
                case .release(let id): "release \(id)"
                case .launch(let id, _): "launch \(id)"
                case .launchBlank(let id, _): "blank \(id)"
                case .assign(let id, let function): "assign \(id) \(function.name)"
                case .kill(let id): "kill \(id)"
                case .freeze(let id, let sequence): "freeze \(id) \(sequence)"
                case .complete(let c): "complete \(c.instanceID) \(c.invocation.id) \(Self.name(c.outcome))"
                    + (c.initDuration != nil ? " init" : "")
                case .initialised(let id): "initialised \(id)"
                case .flushOutput(let id): "flush \(id)"
                case .startFailed(let f): "startFailed \(f.instanceID) [\(f.failed.map(\.id).joined(separator: ","))]"
                case .deliverAssignment(let id): "deliver \(id)"
                case .releaseAssignment(let id): "releaseAssignment \(id)"
                case .throttled: nil  // the "429" admission says it
                case .error: "error"
                case .watch, .unwatch, .concurrency: nil
                }
            }
        }

        static func name(_ outcome: InvocationOutcome) -> String {
            switch outcome {
            case .success: "success"
            case .functionError: "functionError"
            case .timedOut: "timedOut"
            case .exited: "exited"
            }
        }
    }

    /// A warm instance i1 of f: started, initialised, answered r0 and back in GET /next.
    static let warm: [(Step, [String])] = [
        (.invoke("r0"), ["launch i1"]),
        (.launched("i1"), ["true"]),
        (.next("i1"), ["initialised i1", "resume i1 r0"]),
        (.answer("i1", request: "r0"), ["complete i1 r0 success init"]),
        (.next("i1"), []),
    ]

    static let scenarios: [Scenario] = [
        Scenario(name: "cold start, then a warm invocation reuses the idle instance", steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.answer("i1", request: "r1"), ["complete i1 r1 success"]),
            (.answer("i1", request: "r1"), ["invalid"]),
        ]),
        Scenario(name: "an invocation queues behind an instance returning to GET /next instead of cold-starting", steps: [
            (.invoke("r0"), ["launch i1"]),
            (.launched("i1"), ["true"]),
            (.next("i1"), ["initialised i1", "resume i1 r0"]),
            (.answer("i1", request: "r0"), ["complete i1 r0 success init"]),
            (.invoke("r1"), []),
            (.invoke("r2"), ["launch i2"]),
            (.next("i1"), ["resume i1 r1"]),
        ]),
        Scenario(name: "a second concurrent invocation starts a second instance; a starting one covers the queue", steps: [
            (.invoke("r1"), ["launch i1"]),
            (.invoke("r2"), ["launch i2"]),
            (.next("i2"), ["initialised i2", "resume i2 r1"]),
            (.next("i1"), ["initialised i1", "resume i1 r2"]),
        ]),
        Scenario(name: "init failure with three queued fails only the invocations no other instance covers", steps: [
            (.invoke("r1"), ["launch i1"]),
            (.invoke("r2"), ["launch i2"]),
            (.invoke("r3"), ["launch i3"]),
            (.initError("i1"), ["startFailed i1 [r1]", "kill i1", "release i1"]),
            (.exit("i1"), ["flush i1", "release i1"]),
            (.initError("i2"), ["startFailed i2 [r2]", "kill i2", "release i2"]),
            (.next("i3"), ["initialised i3", "resume i3 r3"]),
            (.initError("i3"), ["refused"]),
        ]),
        Scenario(name: "an instance that exits during init fails its invocation; a queued one gets a new instance", steps: [
            (.invoke("r1"), ["launch i1"]),
            (.exit("i1"), ["startFailed i1 [r1]", "release i1"]),
            (.invoke("r2"), ["launch i2"]),
            (.initTimeout("i2"), ["startFailed i2 [r2]", "kill i2", "release i2"]),
            (.initTimeout("i2"), []),
        ]),
        Scenario(name: "a launch that fails fails the invocation at once", steps: [
            (.invoke("r1"), ["launch i1"]),
            (.launchFailed("i1"), ["error", "startFailed i1 [r1]"]),
            (.launched("i1"), ["false"]),
        ]),
        Scenario(name: "retire while busy: the instance finishes, then stops instead of idling", steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.retire("f"), []),
            (.answer("i1", request: "r1"), ["complete i1 r1 success"]),
            (.next("i1"), ["kill i1", "release i1"]),
            (.exit("i1"), ["flush i1", "release i1"]),
            (.invoke("r2"), ["launch i2"]),
        ]),
        Scenario(name: "retire kills idle instances at once", steps: warm + [
            (.retire("f"), ["kill i1", "release i1"]),
            (.retire("f"), []),
        ]),
        Scenario(name: "retire of another version leaves the instance", steps: warm + [
            (.retire("f", version: "1"), []),
            (.invoke("r1"), ["resume i1 r1"]),
        ]),
        Scenario(name: "timeout: the caller is told, the instance is killed, the next invocation cold-starts", steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.deadline("r1"), ["complete i1 r1 timedOut", "kill i1", "release i1"]),
            (.deadline("r1"), []),
            (.answer("i1", request: "r1"), ["invalid"]),
            (.invoke("r2"), ["launch i2"]),
            (.exit("i1"), ["flush i1", "release i1"]),
        ]),
        Scenario(name: "an instance that dies while busy fails its invocation", steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.exit("i1"), ["complete i1 r1 exited", "release i1"]),
        ]),
        Scenario(name: "an instance asking for work without answering fails the current invocation", steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.next("i1"), ["complete i1 r1 functionError"]),
            (.invoke("r2"), ["resume i1 r2"]),
        ]),
        Scenario(name: "provisioned concurrency starts instances and replaces one that exits", steps: [
            (.provision("f", count: 2), ["launch i1", "launch i2"]),
            (.provision("f", count: 2), []),
            (.next("i1"), ["initialised i1"]),
            (.exit("i1"), ["flush i1", "release i1", "launch i3"]),
            (.invoke("r1"), []),
            (.next("i2"), ["initialised i2", "resume i2 r1"]),
        ]),
        Scenario(name: "provisioned instances outlive the keep-alive, others are reaped", steps: [
            (.provision("f", count: 1), ["launch i1"]),
            (.next("i1"), ["initialised i1"]),
            (.invoke("r1", function: "g"), ["launch i2"]),
            (.next("i2"), ["initialised i2", "resume i2 r1"]),
            (.answer("i2", request: "r1"), ["complete i2 r1 success init"]),
            (.next("i2"), []),
            (.reap(ms: 1000), []),
            (.reap(ms: 301_000), ["kill i2", "release i2"]),
            (.provision("f", count: 0), []),
            (.reap(ms: 302_000), ["kill i1", "release i1"]),
        ]),
        Scenario(name: "freeze after the idle delay, once; a never-used instance keeps running", steps: warm + [
            (.freeze(ms: 10), ["waiting"]),
            (.freeze(ms: 25), ["freeze i1 1"]),
            (.freeze(ms: 50), []),
            (.invoke("r1", ms: 60), ["resume i1 r1"]),
            (.answer("i1", request: "r1", ms: 61), ["complete i1 r1 success"]),
            (.next("i1", ms: 61), []),
            (.freeze(ms: 90), ["freeze i1 2"]),
            (.provision("g", count: 1), ["launch i2"]),
            (.next("i2", ms: 0), ["initialised i2"]),
            (.freeze(ms: 200), []),
        ]),
        Scenario(name: "throttled at the account's concurrency limit; a warm instance still takes work", limit: 1, steps: [
            (.invoke("r1"), ["launch i1"]),
            (.invoke("r2"), ["429"]),
            (.next("i1"), ["initialised i1", "resume i1 r1"]),
            (.answer("i1", request: "r1"), ["complete i1 r1 success init"]),
            (.next("i1"), []),
            (.invoke("r3"), ["resume i1 r3"]),
        ]),
        Scenario(name: "memory budget: throttled when full; an idle instance of another function is evicted",
                 memoryBudgetMB: 256, steps: warm + [
            (.invoke("r1", function: "g", memory: 256), ["kill i1", "release i1", "launch i2"]),
            (.invoke("r2", function: "h", memory: 128), ["429"]),
        ]),
        Scenario(name: "scaling rate: a burst past it is throttled until the bucket refills (2 per 10 s: one every 5 s)",
                 scalingRate: ScalingRate(burst: 2, window: .seconds(10)), steps: [
            (.invoke("r0", ms: 0), ["launch i1"]),
            (.invoke("r1", ms: 0), ["launch i2"]),
            (.invoke("r2", ms: 0), ["429 scaling rate, retry in 5 s"]),
            (.invoke("r3", ms: 2_500), ["429 scaling rate, retry in 3 s"]),
            (.invoke("r4", ms: 5_000), ["launch i3"]),
        ]),
        Scenario(name: "scaling rate: warm instances and invocations queued behind a starting one need no new instance",
                 scalingRate: ScalingRate(burst: 1, window: .seconds(10)), steps: warm + [
            (.invoke("r1"), ["resume i1 r1"]),
            (.invoke("r2"), ["429 scaling rate, retry in 10 s"]),
            (.answer("i1", request: "r1"), ["complete i1 r1 success"]),
            (.invoke("r3"), []),  // queued: i1 is on its way back to GET /next
            (.next("i1"), ["resume i1 r3"]),
        ]),
        Scenario(name: "warm pool: a cold start takes a ready blank and the pool refills",
                 warmPool: WarmPoolPolicy(sizes: [.node: 1]), steps: [
            (.fillPool, ["blank i1"]),
            (.invoke("r0"), ["launch i2"]),  // the blank is not launched yet: a plain start
            (.launched("i1"), ["true"]),
            (.blankAsks("i1"), []),
            (.invoke("r1"), ["assign i1 f", "blank i3"]),
            (.prepared("i1"), ["deliver i1"]),
            (.next("i1"), ["initialised i1", "resume i1 r0"]),
            (.next("i2"), ["initialised i2", "resume i2 r1"]),
        ]),
        Scenario(name: "warm pool: an assignment prepared before the blank parks waits for it; an exited blank is replaced",
                 warmPool: WarmPoolPolicy(sizes: [.node: 1]), steps: [
            (.fillPool, ["blank i1"]),
            (.launched("i1"), ["true"]),
            (.invoke("r1"), ["assign i1 f", "blank i2"]),
            (.prepared("i1"), []),
            (.blankAsks("i1"), ["deliver i1"]),
            (.blankAsks("i1"), ["releaseAssignment i1"]),
            (.launched("i2"), ["true"]),
            (.exit("i2"), ["blank i3"]),
        ]),
    ]

    @Test(arguments: scenarios)
    func transitions(_ scenario: Scenario) {
        var harness = Harness(scenario)
        for (index, (step, expected)) in scenario.steps.enumerated() {
            let actual = harness.run(step)
            #expect(actual == expected, "step \(index + 1): \(step)")
        }
    }

    @Test func bookkeeping() {
        var harness = Harness(Scenario(name: "", steps: []))
        let invocation = Invocation(InvocationRequest(function: Harness.function("f"), payload: Data(), requestID: "r1",
                                                      invokedFunctionArn: "arn"))
        _ = harness.machine.invocationArrived(invocation, at: harness.at(0))
        #expect(harness.machine.instanceCounts() == ["starting": 1, "queued": 1])
        let dispatched = harness.machine.runtimeAskedForWork("i1", at: harness.at(40))
        var watched: ContinuousClock.Instant?
        var running: [Int] = []
        for action in dispatched {
            if case .watch(_, let deadline) = action { watched = deadline }
            if case .concurrency(_, let count) = action { running.append(count) }
        }
        #expect(watched == harness.at(40).instant + .seconds(3))
        #expect(harness.machine.instanceCounts() == ["busy": 1, "queued": 0])
        let answered = harness.machine.runtimeAnswered("i1", requestID: "r1", outcome: .success(Data()), at: harness.at(45)) ?? []
        var completion: Machine.Completion?
        for action in answered {
            if case .concurrency(_, let count) = action { running.append(count) }
            if case .complete(let c) = action { completion = c }
        }
        #expect(answered.contains { if case .unwatch = $0 { true } else { false } })
        #expect(running == [1, 0])
        #expect(completion?.duration == .milliseconds(5))
        #expect(completion?.initDuration == .milliseconds(40))
        #expect(completion?.includesInitOutput == true)
        #expect(harness.machine.executions == 0)
    }
}
