import Foundation

/// A receipt handle names one receipt of one message: the queue, the message and which
/// receive it was. A later receive of the same message makes older handles stale, as on AWS:
/// DeleteMessage with a stale handle succeeds without deleting, ChangeMessageVisibility
/// refuses it.
public struct ReceiptHandle: Sendable, Equatable {
    public var queueID: Int64
    public var messageKey: Int64
    public var receiveCount: Int
    public var receivedAt: Int64

    public init(queueID: Int64, messageKey: Int64, receiveCount: Int, receivedAt: Int64) {
        self.queueID = queueID
        self.messageKey = messageKey
        self.receiveCount = receiveCount
        self.receivedAt = receivedAt
    }

    static let prefix = "AQEB"

    /// Opaque to clients: `AQEB` (as AWS's begin) and base64 of the fields.
    public var text: String {
        let plain = "sqs1:\(queueID):\(messageKey):\(receiveCount):\(receivedAt)"
        return Self.prefix + Data(plain.utf8).base64EncodedString()
    }

    public init?(text: String) {
        guard text.hasPrefix(Self.prefix), text.count < 1024,
              let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
              let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: ":")
        guard parts.count == 5, parts[0] == "sqs1", let q = Int64(parts[1]), let m = Int64(parts[2]),
              let c = Int(parts[3]), let r = Int64(parts[4]) else { return nil }
        self.init(queueID: q, messageKey: m, receiveCount: c, receivedAt: r)
    }
}
