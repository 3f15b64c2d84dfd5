/// A `wildcard` pattern: `*` matches any run of characters (none included), `\*` a literal star.
struct Wildcard: Sendable {
    /// The literal pieces between stars, in order.
    let pieces: [String]

    init(_ pattern: String) throws(PatternError) {
        var pieces: [String] = []
        var current = ""
        var escaping = false
        var previousStar = false
        for (offset, ch) in pattern.enumerated() {
            if escaping {
                guard ch == "*" || ch == "\\" else { throw PatternError("Invalid escape character at pos \(offset)") }
                current.append(ch)
                escaping = false
                previousStar = false
            } else if ch == "\\" {
                escaping = true
            } else if ch == "*" {
                if previousStar { throw PatternError("Consecutive wildcard characters at pos \(offset)") }
                pieces.append(current)
                current = ""
                previousStar = true
            } else {
                current.append(ch)
                previousStar = false
            }
        }
        if escaping { throw PatternError("Invalid escape character at pos \(pattern.count - 1)") }
        pieces.append(current)
        self.pieces = pieces
    }

    /// Greedy glob matching: the first piece anchors the start, the last the end, the middle
    /// ones are found left to right (which is enough for `*` alone).
    func matches(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        if pieces.count == 1 { return chars == Array(pieces[0].utf8) }
        let first = Array(pieces[0].utf8), last = Array(pieces[pieces.count - 1].utf8)
        guard chars.count >= first.count + last.count,
              chars.starts(with: first), chars.suffix(last.count).elementsEqual(last) else { return false }
        var position = first.count
        let end = chars.count - last.count
        for piece in pieces.dropFirst().dropLast() {
            let bytes = Array(piece.utf8)
            if bytes.isEmpty { continue }
            guard let found = Self.find(bytes, in: chars, from: position, before: end) else { return false }
            position = found + bytes.count
        }
        return true
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, before end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= end {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
