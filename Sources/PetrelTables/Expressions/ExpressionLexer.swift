import PetrelCore

/// A lexical token of DynamoDB's expression language.
enum Token: Equatable, Sendable {
    case identifier(String)     // attribute name or function name or keyword
    case nameRef(String)        // #name
    case valueRef(String)       // :value
    case integer(Int)
    case punct(String)          // ( ) [ ] , . = <> < <= > >= + -
    case end

    var text: String {
        switch self {
        case .identifier(let s), .nameRef(let s), .valueRef(let s), .punct(let s): s
        case .integer(let i): String(i)
        case .end: "<EOF>"
        }
    }

    func isKeyword(_ keyword: String) -> Bool {
        if case .identifier(let s) = self { return s.uppercased() == keyword }
        return false
    }
}

/// Splits an expression into tokens. `kind` ("ConditionExpression", …) prefixes error messages.
struct ExpressionLexer {
    static func tokenize(_ text: String, kind: String) throws(AWSError) -> [Token] {
        var tokens: [Token] = []
        let bytes = Array(text.utf8)
        var i = 0
        func isIdentChar(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D:
                i += 1
            case UInt8(ascii: "#"), UInt8(ascii: ":"):
                var j = i + 1
                while j < bytes.count, isIdentChar(bytes[j]) { j += 1 }
                let word = String(decoding: bytes[i..<j], as: UTF8.self)
                if j == i + 1 {
                    throw syntaxError(kind, token: String(decoding: bytes[i..<j], as: UTF8.self), near: text)
                }
                tokens.append(c == UInt8(ascii: "#") ? .nameRef(word) : .valueRef(word))
                i = j
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                var j = i
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { j += 1 }
                if j < bytes.count, isIdentChar(bytes[j]) {
                    // Attribute names may not start with a digit.
                    while j < bytes.count, isIdentChar(bytes[j]) { j += 1 }
                    throw syntaxError(kind, token: String(decoding: bytes[i..<j], as: UTF8.self), near: text)
                }
                let digits = String(decoding: bytes[i..<j], as: UTF8.self)
                guard let value = Int(digits) else { throw syntaxError(kind, token: digits, near: text) }
                tokens.append(.integer(value))
                i = j
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","),
                 UInt8(ascii: "."), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"):
                tokens.append(.punct(String(UnicodeScalar(c))))
                i += 1
            case UInt8(ascii: "<"):
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") { tokens.append(.punct("<>")); i += 2 }
                else if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "=") { tokens.append(.punct("<=")); i += 2 }
                else { tokens.append(.punct("<")); i += 1 }
            case UInt8(ascii: ">"):
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "=") { tokens.append(.punct(">=")); i += 2 }
                else { tokens.append(.punct(">")); i += 1 }
            default:
                if isIdentChar(c) {
                    var j = i
                    while j < bytes.count, isIdentChar(bytes[j]) { j += 1 }
                    tokens.append(.identifier(String(decoding: bytes[i..<j], as: UTF8.self)))
                    i = j
                } else {
                    throw AWSError.validation("Invalid \(kind): Invalid character encountered; character: \(String(decoding: [c], as: UTF8.self)), position: \(i + 1)")
                }
            }
        }
        tokens.append(.end)
        return tokens
    }

    static func syntaxError(_ kind: String, token: String, near: String) -> AWSError {
        AWSError.validation("Invalid \(kind): Syntax error; token: \"\(token)\", near: \"\(near)\"")
    }
}
