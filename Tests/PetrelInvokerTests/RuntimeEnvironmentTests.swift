import Foundation
import PetrelCore
import PetrelFunctions
@testable import PetrelInvoker
import PetrelSandbox
import Testing

@Suite struct RuntimeEnvironmentTests {
    func inputs(runtime: String, memory: Int = 256, env: [String: String] = [:]) -> RuntimeEnvironment.Inputs {
        let settings = FunctionSettings(runtime: runtime, handler: "index.handler", role: "arn:aws:iam::000000000000:role/r",
                                        memorySize: memory, environment: env)
        let record = FunctionRecord(name: "fn", version: "$LATEST", settings: settings, codeSha256: "x", codeDigest: "d",
                                    codeSize: 1, lastModified: 0, revisionId: "r")
        return .init(function: record, layout: InstanceLayout(taskRoot: "/var/task", runtimeRoot: "/var/runtime", tmp: "/tmp"),
                     runtimeAPI: "127.0.0.1:9001", logStreamName: "2015/08/30/[$LATEST]abc", account: Account(),
                     endpoint: "http://127.0.0.1:4566", interpreter: runtime.hasPrefix("node") ? "/usr/bin/node" : "/usr/bin/python3")
    }

    @Test func aBlankRuntimeKnowsWhereItIsAndNothingOfAFunction() {
        let layout = InstanceLayout(taskRoot: "/var/task", runtimeRoot: "/var/runtime", tmp: "/tmp")
        let blank = RuntimeEnvironment.blankVariables(family: .python, layout: layout, runtimeAPI: "127.0.0.1:9001",
                                                      endpoint: "http://127.0.0.1:4566")
        #expect(blank["PETREL_PREWARMED"] == "1")
        #expect(blank["AWS_LAMBDA_FUNCTION_NAME"] == nil && blank["_HANDLER"] == nil)
        #expect(blank["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566")  // the network relay is set up from it
        // What the interpreter reads at start is what the function's environment will say.
        let function = RuntimeEnvironment.variables(inputs(runtime: "python3.12"))
        for name in ["LANG", "LD_LIBRARY_PATH", "TZ", "PATH", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"] {
            #expect(blank[name] == function[name], "\(name)")
        }
        #expect(RuntimeEnvironment.interpreterArguments(family: .node, memoryMB: 256, interpreter: "/n",
                                                        runtimeRoot: "/var/runtime")
                == RuntimeEnvironment.arguments(inputs(runtime: "nodejs20.x", memory: 256)).map { $0 == "/usr/bin/node" ? "/n" : $0 })
    }

    @Test func theAssignmentIsTheEnvironmentAsJSON() throws {
        let environment = ["PLAIN": "value", "QUOTES": #"say "hi" \ back"#, "CONTROL": "a\nb\tc\u{1}", "UNICODE": "é☃"]
        let body = RuntimeEnvironment.assignment(environment)
        let parsed = try #require(try JSONSerialization.jsonObject(with: body) as? [String: [String: String]])
        #expect(parsed == ["environment": environment])
        #expect(String(decoding: body, as: UTF8.self).hasPrefix(#"{"environment":{"CONTROL":"a\nb\tc\u0001","PLAIN""#))
    }

    @Test func lambdaVariablesAreSetAndWinOverTheFunctions() {
        let env = RuntimeEnvironment.variables(inputs(runtime: "nodejs20.x", env: ["MINE": "1", "LAMBDA_TASK_ROOT": "/evil"]))
        #expect(env["MINE"] == "1")
        #expect(env["LAMBDA_TASK_ROOT"] == "/var/task")
        #expect(env["AWS_LAMBDA_FUNCTION_NAME"] == "fn")
        #expect(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256")
        #expect(env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001")
        #expect(env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn")
        #expect(env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x")
        #expect(env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566")
        #expect(env["TZ"] == ":UTC")
        #expect(env["_HANDLER"] == "index.handler")
        #expect(env["NODE_PATH"]?.contains("/usr/share/nodejs") == true)
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
                    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_RUNTIME_DIR"] {
            #expect(env[key] != nil, "missing \(key)")
        }
    }

    @Test func nodeHeapIsSizedFromMemory() {
        let args = RuntimeEnvironment.arguments(inputs(runtime: "nodejs20.x", memory: 1024))
        #expect(args.first == "/usr/bin/node")
        #expect(args.contains("--max-old-space-size=870"))
        #expect(args.last == "/var/runtime/nodejs/bootstrap.js")
    }

    @Test func customRuntimesStartTheirBootstrap() {
        #expect(RuntimeEnvironment.arguments(inputs(runtime: "provided.al2023")) == ["/var/task/bootstrap"])
    }

    @Test func logStreamNamesFollowAWS() {
        let name = RuntimeEnvironment.logStreamName(version: "$LATEST", instanceID: "abc", date: Date(timeIntervalSince1970: 1_440_937_696))
        #expect(name == "2015/08/30/[$LATEST]abc")
    }
}
