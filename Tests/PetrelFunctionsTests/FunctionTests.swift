import Foundation
import PetrelCore
@testable import PetrelFunctions
import PetrelStore
import Testing
import ZIPFoundation

@Suite struct FunctionReferenceTests {
    @Test(arguments: [
        ("my-fn", nil, "my-fn", nil),
        ("my-fn:3", nil, "my-fn", "3"),
        ("my-fn", "$LATEST", "my-fn", "$LATEST"),
        ("123456789012:function:my-fn", nil, "my-fn", nil),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-fn", nil, "my-fn", nil),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod", nil, "my-fn", "prod"),
    ] as [(String, String?, String, String?)])
    func parses(raw: String, qualifier: String?, name: String, expectedQualifier: String?) throws {
        #expect(try FunctionReference.parse(raw, qualifier: qualifier) == FunctionReference(name: name, qualifier: expectedQualifier))
    }

    @Test(arguments: ["", "has space", "a:b:c:d:e", "arn:aws:s3:::bucket", String(repeating: "x", count: 65)])
    func rejects(raw: String) {
        #expect(throws: AWSError.self) { try FunctionReference.parse(raw) }
    }

    @Test func conflictingQualifiersAreRejected() {
        #expect(throws: AWSError.self) { try FunctionReference.parse("fn:1", qualifier: "2") }
    }
}

@Suite struct FunctionSettingsTests {
    func settings(_ change: (inout FunctionSettings) -> Void = { _ in }) -> FunctionSettings {
        var s = FunctionSettings(runtime: "nodejs20.x", handler: "index.handler", role: "arn:aws:iam::123456789012:role/service-role/x")
        change(&s)
        return s
    }

    @Test func acceptsAValidFunction() throws {
        try settings().validate()
        try settings { $0.runtime = "provided.al2023"; $0.handler = "" }.validate()
    }

    @Test(arguments: [
        ("runtime", "InvalidParameterValueException"), ("memory", "InvalidParameterValueException"),
        ("timeout", "InvalidParameterValueException"), ("role", "ValidationException"),
        ("handler", "InvalidParameterValueException"), ("env", "InvalidParameterValueException"),
        ("envsize", "InvalidParameterValueException"), ("layers", "InvalidParameterValueException"),
    ])
    func rejects(field: String, code: String) {
        let bad = settings { s in
            switch field {
            case "runtime": s.runtime = "cobol85"
            case "memory": s.memorySize = 10241
            case "timeout": s.timeout = 0
            case "role": s.role = "not-a-role"
            case "handler": s.handler = ""
            case "env": s.environment = ["1BAD": "x"]
            case "envsize": s.environment = ["BIG": String(repeating: "x", count: 5000)]
            default: s.layers = Array(repeating: "arn:aws:lambda:us-east-1:000000000000:layer:l:1", count: 6)
            }
        }
        #expect { try bad.validate() } throws: { ($0 as? AWSError)?.code == code }
    }
}

@Suite struct CodeStoreTests {
    @Test(arguments: [("index.js", true), ("a/b/../c.js", true), ("./x", true), ("../x", false),
                      ("/etc/passwd", false), ("a/../../x", false)])
    func safePaths(path: String, safe: Bool) {
        #expect(CodeStore.isSafeRelativePath(path) == safe)
    }

    static func zip(_ files: [String: String]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    @Test func storesOnceAndExtracts() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("code-\(UUID().uuidString)")
        let store = try CodeStore(root: root)
        let zip = try Self.zip(["index.js": "exports.handler = 1", "lib/util.js": "x"])
        let first = try store.store(zip: zip)
        let second = try store.store(zip: zip)
        #expect(first == second)
        #expect(first.size == zip.count)
        #expect(Data(base64Encoded: first.sha256Base64)?.count == 32)
        let extracted = store.directory(digest: first.digest).appendingPathComponent("lib/util.js")
        #expect(try String(contentsOf: extracted, encoding: .utf8) == "x")
    }

    @Test func aSecondNodeRunsCodeTheFirstStored() throws {
        let database = try Store.temporary(migrations: [CodeStore.registerMigrations]).database
        let temp = FileManager.default.temporaryDirectory
        let nodeA = try CodeStore(root: temp.appendingPathComponent("code-a-\(UUID().uuidString)"), database: database)
        let nodeB = try CodeStore(root: temp.appendingPathComponent("code-b-\(UUID().uuidString)"), database: database)
        // Bigger than one stored part, so the zip is split and put back together.
        let big = String(repeating: "0123456789abcdef", count: (CodeStore.partBytes / 16) * 2 + 5)
        let zip = try Self.zip(["index.js": "exports.handler = 2", "big.txt": big])
        let stored = try nodeA.store(zip: zip)
        #expect(!FileManager.default.fileExists(atPath: nodeB.directory(digest: stored.digest).path))
        #expect(try nodeB.zipData(digest: stored.digest) == zip)
        let folder = try nodeB.localDirectory(digest: stored.digest)
        #expect(try String(contentsOf: folder.appendingPathComponent("index.js"), encoding: .utf8) == "exports.handler = 2")
        #expect(try String(contentsOf: folder.appendingPathComponent("big.txt"), encoding: .utf8) == big)
        #expect(throws: AWSError.self) { try nodeB.localDirectory(digest: String(repeating: "0", count: 64)) }
    }

    @Test func rejectsGarbageAndEscapes() throws {
        let store = try CodeStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("code-\(UUID().uuidString)"))
        #expect { try store.store(zip: Data("not a zip".utf8)) } throws: { ($0 as? AWSError)?.code == "InvalidParameterValueException" }
        let evil = try Self.zip(["../evil.js": "x"])
        #expect { try store.store(zip: evil) } throws: { ($0 as? AWSError)?.message.contains("outside") == true }
    }
}

@Suite struct FunctionRegistryTests {
    func registry() throws -> FunctionRegistry {
        let store = try Store.temporary(migrations: [FunctionRegistry.registerMigrations])
        return FunctionRegistry(store: store, code: try CodeStore(root: store.directory.appendingPathComponent("code")))
    }

    let settings = FunctionSettings(runtime: "nodejs20.x", handler: "index.handler", role: "arn:aws:iam::000000000000:role/r")

    @Test func createGetUpdatePublishDelete() throws {
        let registry = try registry()
        let account = Account()
        let created = try registry.create(name: "f", settings: settings, zip: try CodeStoreTests.zip(["index.js": "1"]),
                                          publish: false, tags: ["team": "a"], account: account)
        #expect(try registry.get(FunctionReference(name: "f"), account: account) == created)
        #expect(try registry.tags(of: "f") == ["team": "a"])
        #expect { try registry.create(name: "f", settings: settings, zip: try CodeStoreTests.zip(["index.js": "1"]),
                                      publish: false, tags: [:], account: account) } throws: { ($0 as? AWSError)?.code == "ResourceConflictException" }

        let updated = try registry.updateConfiguration(name: "f", expectedRevision: created.revisionId, account: account) { $0.timeout = 30 }
        #expect(updated.settings.timeout == 30 && updated.revisionId != created.revisionId)
        #expect { try registry.updateConfiguration(name: "f", expectedRevision: created.revisionId, account: account) { _ in } }
            throws: { ($0 as? AWSError)?.status == 412 }

        let v1 = try registry.publishVersion(name: "f", expectedCodeSha256: nil, expectedRevision: nil, account: account)
        #expect(v1.version == "1")
        #expect(try registry.publishVersion(name: "f", expectedCodeSha256: nil, expectedRevision: nil, account: account).version == "1")
        #expect(try registry.versions(of: "f", account: account).map(\.version) == ["$LATEST", "1"])

        try registry.delete(FunctionReference(name: "f"), account: account)
        #expect { try registry.get(FunctionReference(name: "f"), account: account) } throws: { ($0 as? AWSError)?.status == 404 }
    }

    @Test func listPagesByName() throws {
        let registry = try registry()
        for name in ["c", "a", "b"] {
            _ = try registry.create(name: name, settings: settings, zip: try CodeStoreTests.zip(["index.js": name]),
                                    publish: false, tags: [:], account: Account())
        }
        let first = try registry.list(after: nil, limit: 2)
        #expect(first.records.map(\.name) == ["a", "b"] && first.nextMarker == "b")
        let second = try registry.list(after: first.nextMarker, limit: 2)
        #expect(second.records.map(\.name) == ["c"] && second.nextMarker == nil)
    }
}

@Suite struct AliasRulesTests {
    @Test(arguments: [("live", true), ("$LATEST", false), ("7", false), ("v2", true), ("", false)])
    func qualifiersThatNameAliases(qualifier: String, isAlias: Bool) {
        #expect(AliasRules.isAlias(qualifier) == isAlias)
    }

    @Test(arguments: ["live", "blue-green_2", String(repeating: "a", count: 128)])
    func acceptsAliasNames(name: String) throws {
        try AliasRules.validateName(name)
    }

    @Test(arguments: ["123", "bad name", "ünïcode", "", String(repeating: "a", count: 129), "$LATEST"])
    func refusesAliasNames(name: String) {
        #expect(throws: AWSError.self) { try AliasRules.validateName(name) }
    }

    @Test(arguments: [
        ([:], "1", nil),
        (["2": 0.5], "1", nil),
        (["2": 0.5, "3": 0.1], "1", "cannot be greater than 1"),
        (["1": 0.5], "1", "already included"),
        (["2": 1.5], "1", "less than or equal to 1.0"),
        (["x": 0.5], "1", "[0-9]+"),
        (["2": 0.5], "$LATEST", "$LATEST"),
    ] as [([String: Double], String, String?)])
    func routingRules(weights: [String: Double], primary: String, expected: String?) {
        do {
            try AliasRules.validateRouting(weights, primary: primary)
            #expect(expected == nil)
        } catch {
            #expect(expected.map { error.message.contains($0) } == true, "\(error.message)")
        }
    }

    @Test(arguments: [(0.0, "2"), (0.299, "2"), (0.3, "1"), (0.99, "1")])
    func rollsChooseTheVersion(roll: Double, version: String) {
        let alias = FunctionAlias(functionName: "f", name: "canary", functionVersion: "1", description: "",
                                  additionalVersionWeights: ["2": 0.3], revisionId: "r")
        #expect(AliasRules.choose(alias, roll: roll) == version)
    }
}
