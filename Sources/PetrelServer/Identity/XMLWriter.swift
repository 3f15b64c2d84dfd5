import Foundation
import PetrelCore

/// A tiny XML builder for the query protocol's responses.
struct XMLWriter {
    private(set) var text = ""

    static func escape(_ s: String) -> String { XMLEscaping.escape(s) }

    mutating func raw(_ xml: String) { text += xml }

    mutating func element(_ name: String, _ value: String?) {
        guard let value else { return }
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    mutating func element(_ name: String, _ value: Int?) { element(name, value.map(String.init)) }
    mutating func element(_ name: String, _ value: Bool) { element(name, value ? "true" : "false") }
    mutating func element(_ name: String, _ value: Date?) { element(name, value.map(Self.date)) }

    mutating func open(_ name: String, _ body: (inout XMLWriter) throws -> Void) rethrows {
        text += "<\(name)>"
        try body(&self)
        text += "</\(name)>"
    }

    mutating func list<T>(_ name: String, _ items: [T], _ body: (inout XMLWriter, T) throws -> Void) rethrows {
        text += "<\(name)>"
        for item in items {
            text += "<member>"
            try body(&self, item)
            text += "</member>"
        }
        text += "</\(name)>"
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Policy documents travel URL-encoded in IAM's responses (the SDKs decode them).
    static func urlEncoded(_ document: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return document.addingPercentEncoding(withAllowedCharacters: allowed) ?? document
    }
}
