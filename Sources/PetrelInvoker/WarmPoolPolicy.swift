import Foundation
import PetrelFunctions

/// What a blank (pre-warmed) instance was started as: its language, the interpreter it runs
/// on and, for Node, the memory size its V8 heap flags were computed for (they cannot change
/// once Node runs).
public struct BlankKey: Hashable, Sendable, CustomStringConvertible {
    public var family: RuntimeFamily
    /// Node: the MemorySize the heap is sized for. Python: 0 (any size fits).
    public var memoryMB: Int
    /// The interpreter's executable ("" in tests: the family's default).
    public var interpreter: String = ""

    public var description: String {
        let version = interpreter.split(separator: "/").last.map { "[\($0)]" } ?? ""
        return (family == .node ? "nodejs/\(memoryMB)MB" : family.rawValue) + version
    }

    /// The key of the blanks a function can start from; nil when it must start from scratch:
    /// custom runtimes, and /tmp sizes other than the default (bubblewrap sizes /tmp at start).
    /// `interpreter` is the executable the function's runtime resolves to.
    static func serving(_ settings: FunctionSettings, interpreter: String = "") -> BlankKey? {
        guard settings.ephemeralStorageMB == WarmPoolPolicy.defaultEphemeralStorageMB,
              !settings.environment.keys.contains(where: readAtProcessStart) else { return nil }
        switch settings.family {
        case .node: return BlankKey(family: .node, memoryMB: settings.memorySize, interpreter: interpreter)
        case .python: return BlankKey(family: .python, memoryMB: 0, interpreter: interpreter)
        case .provided: return nil
        }
    }

    /// Variables an interpreter or the C library reads only when the process starts: a
    /// function that sets one needs a process started with it.
    static func readAtProcessStart(_ name: String) -> Bool {
        let exact: Set<String> = ["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "NODE_ICU_DATA", "NODE_PRESERVE_SYMLINKS",
                                  "LANG", "LD_LIBRARY_PATH", "LD_PRELOAD", "GLIBC_TUNABLES"]
        if exact.contains(name) { return true }
        if name.hasPrefix("LC_") || name.hasPrefix("MALLOC_") { return true }
        return name.hasPrefix("PYTHON") && name != "PYTHONPATH" && name != "PYTHONBREAKPOINT"
    }

    /// The memory limit the blank's cgroup starts with, until a function's replaces it.
    var launchMemoryMB: Int { max(memoryMB, 128) }
}

/// Which blank instances to keep ready (pure, so its choices are unit-tested).
///
/// Each runtime family keeps `sizes[family]` blanks of each key it serves. Python blanks
/// serve any memory size; Node blanks serve one size each; both serve one interpreter
/// (python3.12 and python3.13 run on different ones). So the pool keeps blanks for the keys
/// cold starts recently asked for: the family's default interpreter (and for Node AWS's
/// default 128 MB) at first, then the most recent few.
public struct WarmPoolPolicy: Sendable, Equatable {
    public static let defaultEphemeralStorageMB = 512
    /// How many keys (Node sizes, interpreters) a family serves at once.
    static let nodeSizesKept = 3
    /// After this many blanks of one family die before ever becoming ready, the pool stops
    /// starting that family (a broken interpreter must not become a fork loop).
    static let failuresBeforeGivingUp = 3

    public var sizes: [RuntimeFamily: Int]
    /// The keys served per family, most recently wanted first.
    private(set) var served: [RuntimeFamily: [BlankKey]] = [
        .node: [BlankKey(family: .node, memoryMB: 128)], .python: [BlankKey(family: .python, memoryMB: 0)],
    ]
    /// Node memory sizes served, most recently wanted first.
    var nodeMemorySizes: [Int] { (served[.node] ?? []).map(\.memoryMB) }
    private(set) var consecutiveFailures: [RuntimeFamily: Int] = [:]

    public init(sizes: [RuntimeFamily: Int] = [:]) {
        self.sizes = sizes.filter { $0.key != .provided && $0.value > 0 }
    }

    public var isEnabled: Bool { !sizes.isEmpty }

    /// Serves each family's default interpreter at first (the one its runtimes' blanks start on
    /// until cold starts ask for others).
    mutating func useDefaultInterpreters(_ defaults: [RuntimeFamily: String]) {
        for family in served.keys where defaults[family] == nil { served[family] = [] }  // none installed
        for (family, interpreter) in defaults {
            served[family] = (served[family] ?? []).map { key in
                var key = key
                if key.interpreter.isEmpty { key.interpreter = interpreter }
                return key
            }
        }
    }

    /// The keys the pool fills, each with its target count.
    var targets: [BlankKey: Int] {
        var targets: [BlankKey: Int] = [:]
        for (family, count) in sizes where (consecutiveFailures[family] ?? 0) < Self.failuresBeforeGivingUp {
            for key in served[family] ?? [] { targets[key] = count }
        }
        return targets
    }

    /// How many blanks of each key to start, given how many exist (ready or starting).
    func shortfall(present: [BlankKey: Int]) -> [BlankKey: Int] {
        targets.reduce(into: [:]) { result, entry in
            let missing = entry.value - (present[entry.key] ?? 0)
            if missing > 0 { result[entry.key] = missing }
        }
    }

    /// Keys that exist but the pool no longer serves: their blanks are stopped.
    func unwanted(present: some Sequence<BlankKey>) -> Set<BlankKey> {
        let wanted = Set(targets.keys)
        return Set(present).subtracting(wanted)
    }

    /// A cold start found no blank for `key`: serve that key (Node size, interpreter) from now on.
    mutating func missed(_ key: BlankKey) {
        guard key.family != .provided, sizes[key.family] != nil else { return }
        var keys = served[key.family] ?? []
        keys.removeAll { $0 == key }
        keys.insert(key, at: 0)
        served[key.family] = Array(keys.prefix(Self.nodeSizesKept))
    }

    /// A blank reached the Runtime API: its family works.
    mutating func becameReady(_ family: RuntimeFamily) {
        consecutiveFailures[family] = 0
    }

    /// A blank died before it was ready. Returns true when this stops the family's pool.
    mutating func diedBeforeReady(_ family: RuntimeFamily) -> Bool {
        let failures = (consecutiveFailures[family] ?? 0) + 1
        consecutiveFailures[family] = failures
        return failures == Self.failuresBeforeGivingUp
    }

    /// Parses `nodejs=2,python=1` (the `--warm-pool` option); `python3` and `node` are accepted too.
    public static func parse(_ text: String) throws -> WarmPoolPolicy {
        var sizes: [RuntimeFamily: Int] = [:]
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let count = Int(pieces[1]), count >= 0 else { throw WarmPoolSpecError(text: text) }
            switch pieces[0].lowercased() {
            case "nodejs", "node": sizes[.node] = count
            case "python", "python3": sizes[.python] = count
            default: throw WarmPoolSpecError(text: text)
            }
        }
        return WarmPoolPolicy(sizes: sizes)
    }
}

public struct WarmPoolSpecError: Error, CustomStringConvertible {
    var text: String
    public var description: String {
        "Invalid warm pool '\(text)': expected runtime=count pairs such as nodejs=2,python=2 (0 turns a runtime's pool off)."
    }
}
