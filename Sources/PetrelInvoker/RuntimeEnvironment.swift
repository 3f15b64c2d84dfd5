import Foundation
import PetrelCore
import PetrelFunctions
import PetrelSandbox

/// The argv and environment of an instance, as AWS sets them up. Pure: tested directly.
enum RuntimeEnvironment {
    struct Inputs {
        var function: FunctionRecord
        var layout: InstanceLayout
        var runtimeAPI: String
        var logStreamName: String
        var account: Account
        var endpoint: String
        /// The executable of the function's interpreter (unused for custom runtimes).
        var interpreter: String
        /// A custom runtime's `bootstrap` comes from a layer (/opt/bootstrap) when the code has none.
        var bootstrapInLayers = false
    }

    static func arguments(_ inputs: Inputs) -> [String] {
        let settings = inputs.function.settings
        if settings.family == .provided {
            return [inputs.bootstrapInLayers ? "/opt/bootstrap" : "\(inputs.layout.taskRoot)/bootstrap"]
        }
        return interpreterArguments(family: settings.family, memoryMB: settings.memorySize,
                                    interpreter: inputs.interpreter, runtimeRoot: inputs.layout.runtimeRoot)
    }

    /// The argv of a Node or Python runtime, the same for a function's instance and for a
    /// pre-warmed blank one (whose heap is sized for `memoryMB` before it knows its function).
    static func interpreterArguments(family: RuntimeFamily, memoryMB: Int, interpreter: String,
                                     runtimeRoot: String) -> [String] {
        switch family {
        case .node:
            // As AWS's bootstrap: leave room beside the V8 heap for buffers and the runtime.
            let heap = max(64, memoryMB * 85 / 100)
            return [interpreter, "--max-old-space-size=\(heap)", "--max-semi-space-size=\(max(1, memoryMB / 256))",
                    "\(runtimeRoot)/nodejs/bootstrap.js"]
        case .python:
            return [interpreter, "-u", "\(runtimeRoot)/python/bootstrap.py"]
        case .provided:
            return []
        }
    }

    static func variables(_ inputs: Inputs) -> [String: String] {
        let f = inputs.function
        let s = f.settings
        var env = s.environment
        let region = inputs.account.region
        var fixed: [String: String] = [
            "AWS_LAMBDA_FUNCTION_NAME": f.name,
            "AWS_LAMBDA_FUNCTION_VERSION": f.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(s.memorySize),
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(f.name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": inputs.logStreamName,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": s.handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_\(s.runtime)",
            "AWS_ACCESS_KEY_ID": "ASIAPETREL\(String(f.name.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 }, radix: 16, uppercase: true))",
            "AWS_SECRET_ACCESS_KEY": "petrel-function-secret",
            "AWS_SESSION_TOKEN": "petrel:function/\(f.name)",
            "AWS_ENDPOINT_URL": inputs.endpoint,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        ]
        fixed.merge(sandboxVariables(runtime: s.runtime, layout: inputs.layout, runtimeAPI: inputs.runtimeAPI)) { $1 }
        env.merge(fixed) { _, platform in platform }
        return env
    }

    /// The environment of a pre-warmed blank runtime: what every instance of its language has,
    /// nothing of a function. It learns the rest from the Runtime API when it is assigned.
    /// Petrel's endpoint is there too: the sandbox's network (with `--function-network none`,
    /// the relay to it) is set up from the environment at launch.
    static func blankVariables(family: RuntimeFamily, layout: InstanceLayout, runtimeAPI: String,
                               endpoint: String) -> [String: String] {
        var env = sandboxVariables(runtime: family == .node ? "nodejs" : "python3", layout: layout, runtimeAPI: runtimeAPI)
        env["AWS_ENDPOINT_URL"] = endpoint
        env["PETREL_PREWARMED"] = "1"
        return env
    }

    /// The answer to a blank runtime's `GET /runtime/petrel/assignment`:
    /// `{"environment":{…}}`, keys sorted. Written by hand: Foundation's JSONSerialization
    /// takes most of a millisecond for it, on a cold start's path.
    static func assignment(_ environment: [String: String]) -> Data {
        var text = #"{"environment":{"#
        for (index, name) in environment.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += jsonString(name) + ":" + jsonString(environment[name]!)
        }
        return Data((text + "}}").utf8)
    }

    /// A JSON string literal (pure).
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Variables that depend only on where things are inside the instance.
    static func sandboxVariables(runtime: String, layout: InstanceLayout, runtimeAPI: String) -> [String: String] {
        [
            "LAMBDA_TASK_ROOT": layout.taskRoot,
            "LAMBDA_RUNTIME_DIR": layout.runtimeRoot,
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
            "NODE_PATH": "/opt/nodejs/\(nodeMajor(runtime))/node_modules:/opt/nodejs/node_modules:\(layout.runtimeRoot)/nodejs/node_modules:/usr/share/nodejs:/usr/lib/nodejs",
            "PYTHONPATH": "\(layout.runtimeRoot)/python:/opt/python:/opt/python/lib/\(pythonVersion(runtime))/site-packages:\(InterpreterDiscovery.pythonSDK)",
            "HOME": layout.tmp,
            "TMPDIR": layout.tmp,
        ]
    }

    /// `nodejs20.x` → `node20`, the folder AWS's layers use for version-specific modules.
    static func nodeMajor(_ runtime: String) -> String {
        "node" + runtime.dropFirst("nodejs".count).prefix { $0.isNumber }
    }

    /// `python3.12` → `python3.12`; other runtimes name no Python version.
    static func pythonVersion(_ runtime: String) -> String {
        runtime.hasPrefix("python") ? runtime : "python3"
    }

    /// `2015/08/30/[$LATEST]0123456789abcdef0123456789abcdef`
    static func logStreamName(version: String, instanceID: String, date: Date) -> String {
        let day = ReportLines.isoTimestamp(date).prefix(10).replacingOccurrences(of: "-", with: "/")
        return "\(day)/[\(version)]\(instanceID)"
    }
}
