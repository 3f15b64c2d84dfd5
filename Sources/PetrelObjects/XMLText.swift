import Foundation
import PetrelCore

/// Writes the XML S3 sends: elements in order, text escaped, no namespaces beyond the root's.
public struct XMLText: Sendable {
    public private(set) var body = ""

    public init() {}

    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body }

    public mutating func open(_ name: String, namespace: Bool = false) {
        body += namespace ? "<\(name) xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" : "<\(name)>"
    }

    public mutating func close(_ name: String) { body += "</\(name)>" }

    public mutating func element(_ name: String, _ text: String) {
        // Appended piece by piece: no intermediate string per element (listings write thousands).
        body += "<"
        body += name
        body += ">"
        body += Self.escape(text)
        body += "</"
        body += name
        body += ">"
    }

    public mutating func element(_ name: String, _ text: String?) {
        if let text { element(name, text) }
    }

    public mutating func element(_ name: String, _ value: Int64) { element(name, String(value)) }
    public mutating func element(_ name: String, _ value: Int) { element(name, String(value)) }
    public mutating func element(_ name: String, _ value: Bool) { element(name, value ? "true" : "false") }

    public mutating func raw(_ text: String) { body += text }

    public static func escape(_ text: String) -> String { XMLEscaping.escape(text) }
}

/// A parsed XML element: what request bodies (CreateBucketConfiguration, Delete,
/// CompleteMultipartUpload, NotificationConfiguration) need, namespaces dropped.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLNode]

    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    public func value(_ name: String) -> String? { child(name)?.text }
}
