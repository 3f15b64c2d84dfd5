/// IAM's wildcard match: `*` any run of characters (also empty), `?` any one character.
/// Patterns and subjects are UTF-8 bytes; callers lower-case both for case-insensitive matches.
public enum Wildcard {
    public static func matches(_ pattern: [UInt8], _ subject: [UInt8]) -> Bool {
        var p = 0, s = 0
        var star = -1, mark = 0
        let star8 = UInt8(ascii: "*"), any8 = UInt8(ascii: "?")
        while s < subject.count {
            if p < pattern.count, pattern[p] == any8 || pattern[p] == subject[s] && pattern[p] != star8 {
                p += 1
                s += 1
            } else if p < pattern.count, pattern[p] == star8 {
                star = p
                mark = s
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                s = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star8 { p += 1 }
        return p == pattern.count
    }

    public static func matches(_ pattern: String, _ subject: String) -> Bool {
        matches(Array(pattern.utf8), Array(subject.utf8))
    }
}
