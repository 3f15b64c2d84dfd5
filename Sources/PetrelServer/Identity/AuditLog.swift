import Foundation
import PetrelIdentity
import PetrelLogs
import Synchronization

/// Records, in the log group `/petrel/iam/audit`, each request `enforce` would have refused:
/// who, which action on which resource, and what was missing. The same finding is written
/// at most once a minute, so a busy client does not flood the log.
final class AuditLog: Sendable {
    static let group = "/petrel/iam/audit"
    let logs: LogStore
    private let recent = Mutex<[String: Date]>([:])

    init(logs: LogStore) {
        self.logs = logs
    }

    struct Finding: Codable, Sendable, Equatable {
        var principal: String
        var accessKeyId: String?
        var action: String
        var resource: String
        var reason: String
        /// What enforce would answer: the AWS error code.
        var error: String
        /// Whether allowing `action` on `resource` to the principal makes it pass (nil: when
        /// the error is an access denial).
        var grant: Bool? = nil

        var grantable: Bool { grant ?? error.hasPrefix("AccessDenied") }

        /// The principal a policy is attached to: a role's sessions (a function's instances
        /// among them) are the role.
        var policyOwner: String { LeastPrivilege.policyOwner(principal) }
    }

    func record(_ finding: Finding, now: Date = Date()) {
        let key = "\(finding.principal)|\(finding.accessKeyId ?? "")|\(finding.action)|\(finding.resource)|\(finding.error)"
        let fresh = recent.withLock { recent -> Bool in
            if let last = recent[key], now.timeIntervalSince(last) < 60 { return false }
            if recent.count > 4096 { recent.removeAll() }
            recent[key] = now
            return true
        }
        guard fresh, let data = try? JSONEncoder().encode(finding) else { return }
        let stream = String(SigV4DateStream.day(now))
        logs.append(group: Self.group, stream: stream, events: [LogEvent(timestamp: Int64(now.timeIntervalSince1970 * 1000),
                                                                         message: String(decoding: data, as: UTF8.self))])
    }
}

enum SigV4DateStream {
    /// `2026/12/02`: one audit stream a day.
    static func day(_ date: Date) -> Substring {
        let iso = SigV4Verifier.iso8601(date)
        return Substring(iso.prefix(10).replacingOccurrences(of: "-", with: "/"))
    }
}
