import Foundation
import PetrelCore
import PetrelQueues

/// SQS's query protocol (`Action=SendMessage&…` form posts, XML answers) translated to and
/// from the JSON protocol's shapes, so one service serves both. The flattened names are those
/// of SQS's query-era model (`Attribute.N.Name`, `MessageAttribute.N.Value.StringValue`,
/// `SendMessageBatchRequestEntry.N.Id`, …).
enum SQSQuery {
    static let version = "2012-11-05"
    static let namespace = "http://queue.amazonaws.com/doc/2012-11-05/"

    /// Flattened map prefix → (JSON member, key field, value field).
    static let maps: [String: (member: String, key: String, value: String)] = [
        "Attribute": ("Attributes", "Name", "Value"),
        "Tag": ("Tags", "Key", "Value"),
        "MessageAttribute": ("MessageAttributes", "Name", "Value"),
        "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"),
    ]
    /// Flattened list prefix → JSON member.
    static let lists: [String: String] = [
        "AttributeName": "AttributeNames", "MessageSystemAttributeName": "MessageSystemAttributeNames",
        "MessageAttributeName": "MessageAttributeNames", "TagKey": "TagKeys", "AWSAccountId": "AWSAccountIds",
        "ActionName": "Actions",
    ]
    static let entries: Set<String> = [
        "SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry", "ChangeMessageVisibilityBatchRequestEntry",
    ]

    /// Form parameters (without Action and Version) → the JSON protocol's input.
    static func input(_ parameters: [String: String]) -> JSONValue {
        translate(parameters.map { (Substring($0.key).split(separator: ".", omittingEmptySubsequences: false).map(String.init), $0.value) })
    }

    static func translate(_ pairs: [([String], String)]) -> JSONValue {
        var out: [String: JSONValue] = [:]
        var grouped: [String: [Int: [([String], String)]]] = [:]
        for (path, value) in pairs {
            guard let head = path.first else { continue }
            if path.count == 1 {
                if head != "Action", head != "Version" { out[head] = .string(value) }
                continue
            }
            guard path.count >= 2, let index = Int(path[1]) else { continue }
            grouped[head, default: [:]][index, default: []].append((Array(path.dropFirst(2)), value))
        }
        for (head, items) in grouped {
            let ordered = items.keys.sorted().map { items[$0]! }
            if let list = lists[head] {
                out[list] = .array(ordered.compactMap { $0.first(where: { $0.0.isEmpty })?.1 }.map { .string($0) })
            } else if let map = maps[head] {
                var members: [String: JSONValue] = [:]
                for item in ordered {
                    guard let key = item.first(where: { $0.0 == [map.key] })?.1 else { continue }
                    let valuePairs = item.filter { $0.0.first == map.value }.map { (Array($0.0.dropFirst()), $0.1) }
                    if valuePairs.count == 1, valuePairs[0].0.isEmpty {
                        members[key] = .string(valuePairs[0].1)
                    } else {
                        members[key] = translate(valuePairs)
                    }
                }
                out[map.member] = .object(members)
            } else if entries.contains(head) {
                out["Entries"] = .array(ordered.map(translate))
            }
        }
        return .object(out)
    }

    /// Flattened element names of output lists, per JSON member (and operation for batches).
    static func listElement(_ member: String, operation: String) -> String? {
        switch member {
        case "QueueUrls", "queueUrls": "QueueUrl"
        case "Messages": "Message"
        case "Failed": "BatchResultErrorEntry"
        case "Successful": "\(operation)ResultEntry"
        case "Results": "ListMessageMoveTasksResultEntry"
        default: nil
        }
    }

    /// The XML answer for `operation` with the JSON protocol's `output`.
    static func response(_ operation: String, _ output: JSONValue, requestID: String) -> String {
        var xml = "<\(operation)Response xmlns=\"\(namespace)\">"
        if case .object(let members) = output, !members.isEmpty || hasResult(operation) {
            xml += "<\(operation)Result>"
            render(members, operation: operation, into: &xml)
            xml += "</\(operation)Result>"
        }
        xml += "<ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(operation)Response>"
        return xml
    }

    static func hasResult(_ operation: String) -> Bool {
        !["DeleteMessage", "DeleteQueue", "PurgeQueue", "SetQueueAttributes", "TagQueue", "UntagQueue", "ChangeMessageVisibility",
          "AddPermission", "RemovePermission"].contains(operation)
    }

    static func render(_ members: [String: JSONValue], operation: String, into xml: inout String) {
        for name in members.keys.sorted() {
            let value = members[name]!
            if let map = maps.first(where: { $0.value.member == name || (name == "tags" && $0.key == "Tag") }), case .object(let entries) = value {
                for key in entries.keys.sorted() {
                    xml += "<\(map.key)><\(map.value.key)>\(escape(key))</\(map.value.key)><\(map.value.value)>"
                    switch entries[key]! {
                    case .object(let inner): render(inner, operation: operation, into: &xml)
                    case let scalar: xml += escape(text(scalar))
                    }
                    xml += "</\(map.value.value)></\(map.key)>"
                }
                continue
            }
            if case .array(let items) = value {
                let element = listElement(name, operation: operation) ?? name
                for item in items {
                    xml += "<\(element)>"
                    if case .object(let inner) = item { render(inner, operation: operation, into: &xml) } else { xml += escape(text(item)) }
                    xml += "</\(element)>"
                }
                continue
            }
            xml += "<\(name)>"
            if case .object(let inner) = value { render(inner, operation: operation, into: &xml) } else { xml += escape(text(value)) }
            xml += "</\(name)>"
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n.rounded() == n && abs(n) < 1e18 ? String(Int64(n)) : String(n)
        default: ""
        }
    }

    static func errorResponse(_ error: AWSError, requestID: String) -> String {
        "<ErrorResponse xmlns=\"\(namespace)\"><Error><Type>\(error.isClientFault ? "Sender" : "Receiver")</Type>"
            + "<Code>\(escape(QueueError.queryCode(error.code)))</Code><Message>\(escape(error.message))</Message><Detail/></Error>"
            + "<RequestId>\(requestID)</RequestId></ErrorResponse>"
    }

    /// XML text escaping (one rule for every XML service: `XMLEscaping`).
    static func escape(_ text: String) -> String { XMLEscaping.escape(text) }
}
