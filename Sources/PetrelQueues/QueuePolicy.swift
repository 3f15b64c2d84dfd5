import Foundation
import PetrelIdentity

/// A queue's `Policy` attribute read as IAM reads a resource-based policy. SQS accepts
/// statements without a `Resource` (they apply to the queue itself); IAM's grammar needs one,
/// so such statements are given the queue's ARN before parsing (pure).
public enum QueuePolicy {
    public static func document(_ text: String, queueARN: String) throws -> PolicyDocument {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return try PolicyDocument.parse(text, kind: .resource)  // IAM's own message for what is not an object
        }
        func withResource(_ statement: Any) -> Any {
            guard var members = statement as? [String: Any], members["Resource"] == nil, members["NotResource"] == nil else { return statement }
            members["Resource"] = queueARN
            return members
        }
        if let list = object["Statement"] as? [Any] {
            object["Statement"] = list.map(withResource)
        } else if let single = object["Statement"] {
            object["Statement"] = withResource(single)
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try PolicyDocument.parse(String(decoding: data, as: UTF8.self), kind: .resource)
    }
}
