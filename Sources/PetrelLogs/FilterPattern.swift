/// CloudWatch Logs' term filter patterns: `ERROR`, `ERROR timeout` (both), `"exact phrase"`,
/// `?ERROR ?WARN` (either), `ERROR -retry` (without). Matching is case-sensitive, as on AWS.
public struct FilterPattern: Sendable, Equatable {
    public var required: [String] = []
    public var optional: [String] = []
    public var excluded: [String] = []

    public init(_ text: String) throws {
        let trimmed = String(text.drop(while: { $0 == " " || $0 == "\t" }))
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            throw FilterPatternError.unsupported(trimmed)
        }
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            while index < trimmed.endIndex, trimmed[index] == " " { index = trimmed.index(after: index) }
            guard index < trimmed.endIndex else { break }
            var kind: Character = " "
            if trimmed[index] == "?" || trimmed[index] == "-" {
                kind = trimmed[index]
                index = trimmed.index(after: index)
            }
            var term = ""
            if index < trimmed.endIndex, trimmed[index] == "\"" {
                index = trimmed.index(after: index)
                while index < trimmed.endIndex, trimmed[index] != "\"" {
                    term.append(trimmed[index])
                    index = trimmed.index(after: index)
                }
                if index < trimmed.endIndex { index = trimmed.index(after: index) }
            } else {
                while index < trimmed.endIndex, trimmed[index] != " " {
                    term.append(trimmed[index])
                    index = trimmed.index(after: index)
                }
            }
            guard !term.isEmpty else { continue }
            switch kind {
            case "?": optional.append(term)
            case "-": excluded.append(term)
            default: required.append(term)
            }
        }
    }

    public func matches(_ message: String) -> Bool {
        if excluded.contains(where: { message.contains($0) }) { return false }
        if !required.allSatisfy({ message.contains($0) }) { return false }
        if !optional.isEmpty, !optional.contains(where: { message.contains($0) }) { return false }
        return true
    }
}

public enum FilterPatternError: Error, CustomStringConvertible {
    case unsupported(String)
    public var description: String {
        switch self {
        case .unsupported(let p): "JSON and space-delimited filter patterns are not supported yet: \(p). Use terms, \"phrases\", ?either and -without."
        }
    }
}

