import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelIdentity

/// `GET /_petrel/iam/audit`: the findings recorded in `/petrel/iam/audit`, and for each known
/// principal the least-privilege policy that would make its refused requests pass in `enforce`.
extension IdentityRoutes {
    func auditReport() async -> Response {
        var findings: [AuditLog.Finding] = []
        var after: Int64?
        do {
            while findings.count < 100_000 {
                let page = try audit.logs.filter(group: AuditLog.group, streamNames: nil, streamPrefix: nil, startTime: nil, endTime: nil,
                                                 pattern: nil, afterID: after, limit: 1000)
                for event in page.events {
                    if let finding = try? JSONDecoder().decode(AuditLog.Finding.self, from: Data(event.message.utf8)) { findings.append(finding) }
                }
                guard let next = page.next, !page.events.isEmpty else { break }
                after = next
            }
        } catch {
            // No findings yet: the group does not exist.
        }
        var seen = Set<String>()
        var unique: [AuditLog.Finding] = []
        for finding in findings where seen.insert("\(finding.principal)|\(finding.action)|\(finding.resource)|\(finding.error)").inserted {
            unique.append(finding)
        }
        var grants: [String: [(action: String, resource: String)]] = [:]
        for finding in unique where finding.grantable {
            grants[finding.policyOwner, default: []].append((finding.action, finding.resource))
        }
        let policies = grants.mapValues { LeastPrivilege.policy(for: $0) }
        let report: [String: Any] = [
            "findings": unique.map { ["principal": $0.principal, "accessKeyId": $0.accessKeyId ?? "", "action": $0.action,
                                      "resource": $0.resource, "reason": $0.reason, "error": $0.error] },
            "policies": policies,
        ]
        return Response.json(status: .ok, report)
    }
}
