import Foundation
import PetrelFunctions
@testable import PetrelInvoker
import Testing

@Suite struct WarmPoolPolicyTests {
    let node128 = BlankKey(family: .node, memoryMB: 128)
    let python = BlankKey(family: .python, memoryMB: 0)

    @Test func parsesTheOption() throws {
        let policy = try WarmPoolPolicy.parse("nodejs=2, python3=1")
        #expect(policy.sizes == [.node: 2, .python: 1])
        #expect(try WarmPoolPolicy.parse("nodejs=0,python=0").isEnabled == false)
        #expect(throws: WarmPoolSpecError.self) { try WarmPoolPolicy.parse("ruby=2") }
        #expect(throws: WarmPoolSpecError.self) { try WarmPoolPolicy.parse("nodejs=-1") }
        #expect(throws: WarmPoolSpecError.self) { try WarmPoolPolicy.parse("nodejs") }
    }

    @Test func fillsEachKeyToItsSize() {
        let policy = WarmPoolPolicy(sizes: [.node: 2, .python: 1])
        #expect(policy.shortfall(present: [:]) == [node128: 2, python: 1])
        #expect(policy.shortfall(present: [node128: 1, python: 1]) == [node128: 1])
        #expect(policy.shortfall(present: [node128: 3, python: 1]) == [:])
    }

    @Test func learnsNodeSizesFromMisses() {
        var policy = WarmPoolPolicy(sizes: [.node: 1])
        for size in [1769, 512, 1024] { policy.missed(BlankKey(family: .node, memoryMB: size)) }
        #expect(policy.nodeMemorySizes == [1024, 512, 1769])
        #expect(policy.unwanted(present: [node128, BlankKey(family: .node, memoryMB: 512)]) == [node128])
        policy.missed(BlankKey(family: .node, memoryMB: 1769))
        #expect(policy.nodeMemorySizes == [1769, 1024, 512])
        // Python blanks serve every size: nothing to learn.
        policy.missed(python)
        #expect(policy.targets[python] == nil)
    }

    @Test func stopsAFamilyThatKeepsDying() {
        var policy = WarmPoolPolicy(sizes: [.node: 1, .python: 1])
        var stopped = policy.diedBeforeReady(.python)
        #expect(!stopped)
        policy.becameReady(.python)
        stopped = policy.diedBeforeReady(.python) || policy.diedBeforeReady(.python)
        #expect(!stopped)
        stopped = policy.diedBeforeReady(.python)
        #expect(stopped)
        #expect(policy.targets == [node128: 1])
    }

    @Test func whichFunctionsABlankServes() {
        #expect(BlankKey.serving(FunctionSettings(runtime: "nodejs20.x", handler: "i.h", role: "r", memorySize: 256)) ==
                BlankKey(family: .node, memoryMB: 256))
        #expect(BlankKey.serving(FunctionSettings(runtime: "python3.12", handler: "i.h", role: "r", memorySize: 2048)) == python)
        #expect(BlankKey.serving(FunctionSettings(runtime: "provided.al2023", handler: "", role: "r")) == nil)
        #expect(BlankKey.serving(FunctionSettings(runtime: "nodejs20.x", handler: "i.h", role: "r", ephemeralStorageMB: 1024)) == nil)
        // Settings an interpreter reads only at start need a process started with them.
        for name in ["NODE_OPTIONS", "LD_PRELOAD", "PYTHONUTF8", "LC_ALL"] {
            #expect(BlankKey.serving(FunctionSettings(runtime: "python3.12", handler: "i.h", role: "r", environment: [name: "x"])) == nil)
        }
        #expect(BlankKey.serving(FunctionSettings(runtime: "python3.12", handler: "i.h", role: "r", environment: ["PYTHONPATH": "/x", "FOO": "1"])) == python)
    }
}

@Suite struct CodeSlotTests {
    @Test func linksATreeWithoutCopying() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("petrel-slot-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let code = root + "/code"
        try FileManager.default.createDirectory(atPath: code + "/lib/deep", withIntermediateDirectories: true)
        try "exports.handler = 1".write(toFile: code + "/index.js", atomically: false, encoding: .utf8)
        try "x".write(toFile: code + "/lib/deep/x.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: code + "/alias.js", withDestinationPath: "index.js")
        let slot = CodeSlot(workDirectory: root + "/work")
        try slot.create()
        try slot.fill(code: code, layers: nil)
        #expect(try String(contentsOfFile: slot.task + "/lib/deep/x.txt", encoding: .utf8) == "x")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: slot.task + "/alias.js") == "index.js")
        let original = try FileManager.default.attributesOfItem(atPath: code + "/index.js")[.systemFileNumber] as? Int
        let linked = try FileManager.default.attributesOfItem(atPath: slot.task + "/index.js")[.systemFileNumber] as? Int
        #expect(original != nil && original == linked)
        #expect(try FileManager.default.contentsOfDirectory(atPath: slot.opt).isEmpty)
    }
}
