/// Rewrites the portable SQL dialect (see docs/cluster.md) into PostgreSQL's: `?` placeholders
/// become `$1…$n`, SQLite's column types become PostgreSQL's 64-bit ones, and a script of several
/// statements is split into single statements (the extended protocol takes one at a time).
///
/// A small scanner, not a parser: it knows string literals, quoted identifiers and comments, so a
/// `?` or a `;` inside them is left alone, and it rewrites whole words only. Pure, so the tests
/// run it on tables of statements.
public enum PostgresTranslation {
    /// The statement PostgreSQL runs for one portable statement, and how many parameters it has.
    public static func statement(_ sql: String) -> (sql: String, parameterCount: Int) {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var parameters = 0
        var words: [Substring] = []   // the last few words, for multi-word rewrites
        let scalars = Array(sql.unicodeScalars)
        var index = 0

        func append(_ text: some StringProtocol) { output += text }

        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "'", "\"":
                // A literal or quoted identifier: copied as is up to its closing quote ('' and "" escape).
                let quote = scalar
                var end = index + 1
                while end < scalars.count {
                    if scalars[end] == quote {
                        if end + 1 < scalars.count, scalars[end + 1] == quote { end += 2; continue }
                        break
                    }
                    end += 1
                }
                end = min(end + 1, scalars.count)
                output.unicodeScalars.append(contentsOf: scalars[index..<end])
                words.removeAll()
                index = end
            case "-" where index + 1 < scalars.count && scalars[index + 1] == "-":
                var end = index
                while end < scalars.count, scalars[end] != "\n" { end += 1 }
                output.unicodeScalars.append(contentsOf: scalars[index..<end])
                index = end
            case "/" where index + 1 < scalars.count && scalars[index + 1] == "*":
                var end = index + 2
                while end + 1 < scalars.count, !(scalars[end] == "*" && scalars[end + 1] == "/") { end += 1 }
                end = min(end + 2, scalars.count)
                output.unicodeScalars.append(contentsOf: scalars[index..<end])
                index = end
            case "?":
                // `?` or SQLite's numbered `?NNN`.
                var end = index + 1
                while end < scalars.count, scalars[end].properties.numericType != nil, scalars[end].isASCII { end += 1 }
                let placeholder: String
                if end > index + 1 {
                    let number = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
                    placeholder = "$" + number
                    parameters = max(parameters, Int(number) ?? 0)
                } else {
                    parameters += 1
                    placeholder = "$\(parameters)"
                }
                // `? IS NULL`: PostgreSQL cannot type a NULL argument from that alone (42P18),
                // and any argument can be cast to text to be tested.
                append(isNullTest(scalars, from: end) ? "CAST(\(placeholder) AS TEXT)" : placeholder)
                words.removeAll()
                index = end
            case _ where isWordStart(scalar):
                var end = index + 1
                while end < scalars.count, isWordPart(scalars[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(scalars[index..<end]))
                index = end
                words.append(Substring(word))
                if words.count > 4 { words.removeFirst() }
                append(rewrite(word: word, after: words, output: &output))
            default:
                if !scalar.properties.isWhitespace { words.removeAll() }
                output.unicodeScalars.append(scalar)
                index += 1
            }
        }
        return (output, parameters)
    }

    /// The statements of a script (a migration), each on its own, without empty ones.
    public static func split(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var meaningful = false
        let scalars = Array(script.unicodeScalars)
        var index = 0
        var depth = 0   // parentheses: a `;` inside a CREATE TRIGGER's BEGIN…END is not handled (none are portable)
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "'", "\"":
                var end = index + 1
                while end < scalars.count {
                    if scalars[end] == scalar {
                        if end + 1 < scalars.count, scalars[end + 1] == scalar { end += 2; continue }
                        break
                    }
                    end += 1
                }
                end = min(end + 1, scalars.count)
                current.unicodeScalars.append(contentsOf: scalars[index..<end])
                meaningful = true
                index = end
            case "-" where index + 1 < scalars.count && scalars[index + 1] == "-":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "/" where index + 1 < scalars.count && scalars[index + 1] == "*":
                index += 2
                while index + 1 < scalars.count, !(scalars[index] == "*" && scalars[index + 1] == "/") { index += 1 }
                index = min(index + 2, scalars.count)
            case ";" where depth == 0:
                if meaningful { statements.append(current.trimmingWhitespace()) }
                current = ""
                meaningful = false
                index += 1
            default:
                if scalar == "(" { depth += 1 }
                if scalar == ")" { depth = max(0, depth - 1) }
                if !scalar.properties.isWhitespace { meaningful = true }
                current.unicodeScalars.append(scalar)
                index += 1
            }
        }
        if meaningful { statements.append(current.trimmingWhitespace()) }
        return statements
    }

    /// One word of the portable dialect in PostgreSQL's words. `words` ends with this word;
    /// `output` may be trimmed back for a rewrite that spans several words.
    private static func rewrite(word: String, after words: [Substring], output: inout String) -> String {
        switch word.uppercased() {
        case "INTEGER", "INT":
            return "BIGINT"
        case "REAL":
            return "DOUBLE PRECISION"
        case "BLOB":
            return "BYTEA"
        case "NOCASE":
            // `COLLATE NOCASE`: a case-insensitive collation of the database's own (created
            // before the migrations run, see PostgresMigrator), so unique names stay case-blind.
            return "petrel_nocase"
        case "ROWID":
            // `WITHOUT ROWID` (a SQLite storage option): PostgreSQL tables have no rowid anyway.
            if words.count >= 2, words[words.count - 2].uppercased() == "WITHOUT",
               let range = output.range(of: "WITHOUT", options: [.backwards, .caseInsensitive]) {
                output.removeSubrange(range.lowerBound...)
                while output.last?.isWhitespace == true { output.removeLast() }
                return ""
            }
            return word
        case "AUTOINCREMENT":
            // `INTEGER PRIMARY KEY AUTOINCREMENT` → `BIGSERIAL PRIMARY KEY`: the BIGINT already
            // written becomes BIGSERIAL, and AUTOINCREMENT itself goes.
            let upper = words.suffix(4).map { $0.uppercased() }
            if upper.count == 4, upper[0] == "INTEGER" || upper[0] == "INT", upper[1] == "PRIMARY", upper[2] == "KEY",
               let range = output.range(of: "BIGINT", options: .backwards) {
                output.replaceSubrange(range, with: "BIGSERIAL")
                while output.last?.isWhitespace == true { output.removeLast() }
                return ""
            }
            return word
        default:
            return word
        }
    }

    /// Whether `IS NULL` or `IS NOT NULL` follows at `start` (after white space).
    private static func isNullTest(_ scalars: [Unicode.Scalar], from start: Int) -> Bool {
        var index = start
        func skipSpace() -> Bool {
            let before = index
            while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
            return index > before
        }
        func word(_ expected: String) -> Bool {
            var end = index
            while end < scalars.count, isWordPart(scalars[end]) { end += 1 }
            guard String(String.UnicodeScalarView(scalars[index..<end])).uppercased() == expected else { return false }
            index = end
            return true
        }
        guard skipSpace(), word("IS"), skipSpace() else { return false }
        if word("NOT") { guard skipSpace() else { return false } }
        return word("NULL")
    }

    private static func isWordStart(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
    }

    private static func isWordPart(_ scalar: Unicode.Scalar) -> Bool {
        isWordStart(scalar) || (scalar >= "0" && scalar <= "9") || scalar == "$"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var view = Substring(self)
        while view.first?.isWhitespace == true { view.removeFirst() }
        while view.last?.isWhitespace == true { view.removeLast() }
        return String(view)
    }
}
