/// XML text escaping for every service that answers in XML (S3, SQS's and IAM/STS's query
/// protocol): the five predefined entities, and control characters as character references so
/// that line breaks survive a parser's whitespace normalisation.
public enum XMLEscaping {
    public static func escape(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 { out += "&#\(scalar.value);" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// Whether any byte needs escaping: one pass over the contiguous UTF-8 (a listing checks
    /// every key, ETag and date of a page).
    static func needsEscaping(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 {
                return true
            }
            return false
        }
    }
}
