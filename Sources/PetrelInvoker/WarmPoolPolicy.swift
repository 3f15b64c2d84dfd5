import Foundation
import PetrelFunctions

/// What a blank (pre-warmed) instance was started as: its language and, for Node, the memory
/// size its V8 heap flags were computed for (they cannot change once Node runs).
public struct BlankKey: Hashable, Sendable, CustomStringConvertible {
    public var family: RuntimeFamily
    /// Node: the MemorySize the heap is sized for. Python: 0 (any size fits).
    public var memoryMB: Int

    public var description: String { family == .node ? "nodejs/\(memoryMB)MB" : family.rawValue }

    /// The key of the blanks a function can start from; nil when it must start from scratch:
    /// custom runtimes, and /tmp sizes other than the default (bubblewrap sizes /tmp at start).
    static func serving(_ settings: FunctionSettings) -> BlankKey? {
        guard settings.ephemeralStorageMB == WarmPoolPolicy.defaultEphemeralStorageMB,
              !settings.environment.keys.contains(where: readAtProcessStart) else { return nil }
        switch settings.family {
        case .node: return BlankKey(family: .node, memoryMB: settings.memorySize)
        case .python: return BlankKey(family: .python, memoryMB: 0)
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
/// Each runtime family keeps `sizes[family]` blanks. Python blanks serve any memory size;
/// Node blanks serve one size each, so the pool keeps Node blanks for the sizes cold starts
/// recently asked for: AWS's default 128 MB at first, then the most recent few.
public struct WarmPoolPolicy: Sendable, Equatable {
    public static let defaultEphemeralStorageMB = 512
    /// How many Node memory sizes the pool serves at once.
    static let nodeSizesKept = 3
    /// After this many blanks of one family die before ever becoming ready, the pool stops
    /// starting that family (a broken interpreter must not become a fork loop).
    static let failuresBeforeGivingUp = 3

    public var sizes: [RuntimeFamily: Int]
    /// Node memory sizes served, most recently wanted first.
    private(set) var nodeMemorySizes: [Int] = [128]
    private(set) var consecutiveFailures: [RuntimeFamily: Int] = [:]

    public init(sizes: [RuntimeFamily: Int] = [:]) {
        self.sizes = sizes.filter { $0.key != .provided && $0.value > 0 }
    }

    public var isEnabled: Bool { !sizes.isEmpty }

    /// The keys the pool fills, each with its target count.
    var targets: [BlankKey: Int] {
        var targets: [BlankKey: Int] = [:]
        for (family, count) in sizes where (consecutiveFailures[family] ?? 0) < Self.failuresBeforeGivingUp {
            switch family {
            case .node: for size in nodeMemorySizes { targets[BlankKey(family: .node, memoryMB: size)] = count }
            case .python: targets[BlankKey(family: .python, memoryMB: 0)] = count
            case .provided: break
            }
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

    /// A cold start found no blank for `key`: serve that Node size from now on.
    mutating func missed(_ key: BlankKey) {
        guard key.family == .node, sizes[.node] != nil else { return }
        nodeMemorySizes.removeAll { $0 == key.memoryMB }
        nodeMemorySizes.insert(key.memoryMB, at: 0)
        nodeMemorySizes = Array(nodeMemorySizes.prefix(Self.nodeSizesKept))
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
