import Foundation
import Logging
import PetrelCore
import PetrelFunctions
import PetrelIdentity
import PetrelInvoker
import Synchronization

/// A function's execution role, as Lambda treats it: CreateFunction and
/// UpdateFunctionConfiguration check that the role exists and trusts `lambda.amazonaws.com`;
/// each instance gets temporary credentials of a session of the role; Petrel's own work on the
/// function's behalf (writing its logs, reading the stream of a new event source mapping) is
/// allowed only when the role's policies allow it. In `audit` mode what would fail is recorded
/// in `/petrel/iam/audit` and goes on; `--iam off` builds none of this.
final class ExecutionRoles: Sendable {
    let mode: IAMMode
    let identities: IdentityStore
    let audit: AuditLog
    let account: Account
    let functions: FunctionRegistry
    let logger: Logger

    /// Instance credentials are valid this long, and handed to new instances until they are
    /// `rotateAfter` old; then the function's instances are retired (busy ones when they finish),
    /// so no instance outlives its credentials.
    static let credentialLifetime = 12 * 3600
    static let rotateAfter: TimeInterval = 6 * 3600
    static let decisionLifetime: Duration = .seconds(2)

    struct Issued: Sendable {
        var key: IdentityStore.KeyRecord
        var issued: Date
        var function: String
        var versions: Set<String>
    }
    private let issued = Mutex<[String: Issued]>([:])
    private let logDecisions = Mutex<[String: (allowed: Bool, at: ContinuousClock.Instant)]>([:])

    init(mode: IAMMode, identities: IdentityStore, audit: AuditLog, account: Account, functions: FunctionRegistry, logger: Logger) {
        self.mode = mode
        self.identities = identities
        self.audit = audit
        self.account = account
        self.functions = functions
        self.logger = logger
    }

    static let lambdaPrincipal = PrincipalIdentity(kind: .service, account: "", arn: "lambda.amazonaws.com", userID: "lambda.amazonaws.com",
                                                   serviceName: "lambda.amazonaws.com")

    enum RoleState {
        case assumable(IdentityStore.PrincipalRecord)
        case missing
        case untrusting(IdentityStore.PrincipalRecord)

        var problem: String? {
            switch self {
            case .assumable: nil
            case .missing: "the role does not exist"
            case .untrusting: "the role's trust policy does not allow lambda.amazonaws.com to assume it"
            }
        }
    }

    /// `arn:aws:iam::ACCOUNT:role/path/NAME` → NAME when it is a role of the served account.
    func roleName(_ arn: String) -> String? {
        let prefix = "arn:aws:iam::\(account.id):role/"
        guard arn.hasPrefix(prefix), let name = arn.split(separator: "/").last else { return nil }
        return String(name)
    }

    func state(ofRole arn: String, function: String) -> RoleState {
        guard let name = roleName(arn), let role = try? identities.principal(kind: "role", name: name), role.arn == arn else { return .missing }
        guard let text = role.trustPolicy, let trust = try? PolicyDocument.parse(text, kind: .trust) else { return .untrusting(role) }
        let context = ["aws:sourceaccount": [account.id], "aws:sourcearn": [account.lambdaFunctionARN(function)]]
        let question = AuthorizationRequest(action: "sts:AssumeRole", resource: arn, resourceAccount: account.id,
                                            principal: Self.lambdaPrincipal, context: context)
        return PolicyEvaluator.trustAllows(trust, question) ? .assumable(role) : .untrusting(role)
    }

    static let cannotAssume = AWSError.invalidParameter("The role defined for the function cannot be assumed by Lambda.")

    /// CreateFunction and UpdateFunctionConfiguration: refused in enforce, recorded in audit.
    func checkAssumable(role: String, function: String) throws {
        // A malformed ARN is the settings' validation error, reported after this.
        guard role.hasPrefix("arn:"), role.contains(":role/") else { return }
        guard let problem = state(ofRole: role, function: function).problem else { return }
        audit.record(.init(principal: Self.lambdaPrincipal.arn, accessKeyId: nil, action: "sts:AssumeRole", resource: role,
                           reason: "execution role of function \(function): \(problem)", error: Self.cannotAssume.code, grant: false))
        if mode == .enforce { throw Self.cannotAssume }
    }

    // MARK: Instance credentials

    /// The credentials of a new instance of `function`: a session of its role (named after the
    /// function, as Lambda names it), or nothing when the role cannot be assumed (the instance
    /// then has placeholders, which enforce refuses).
    func instanceEnvironment(_ function: FunctionRecord) -> [String: String] {
        let role = function.settings.role
        let cacheKey = function.name + "\u{0}" + role
        let now = Date()
        var key = issued.withLock { issued -> IdentityStore.KeyRecord? in
            guard let entry = issued[cacheKey], now.timeIntervalSince(entry.issued) < Self.rotateAfter else { return nil }
            issued[cacheKey]?.versions.insert(function.version)
            return entry.key
        }
        if key == nil {
            guard case .assumable(let record) = state(ofRole: role, function: function.name) else { return [:] }
            do {
                let session = try identities.createSession(roleARN: record.arn, sessionName: function.name, user: nil, policy: nil,
                                                           duration: Self.credentialLifetime)
                issued.withLock { $0[cacheKey] = Issued(key: session, issued: now, function: function.name, versions: [function.version]) }
                key = session
            } catch {
                logger.error("Could not issue credentials of role \(role) for function \(function.name): \(error)")
                return [:]
            }
        }
        guard let key, let token = key.sessionToken else { return [:] }
        return ["AWS_ACCESS_KEY_ID": key.accessKeyID, "AWS_SECRET_ACCESS_KEY": key.secret, "AWS_SESSION_TOKEN": token]
    }

    /// Retires the instances whose credentials are due for rotation, every minute.
    func run(invoker: Invoker) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            let now = Date()
            let due = issued.withLock { issued -> [Issued] in
                let old = issued.filter { now.timeIntervalSince($0.value.issued) >= Self.rotateAfter }
                for key in old.keys { issued.removeValue(forKey: key) }
                return Array(old.values)
            }
            for entry in due {
                logger.info("Rotating the credentials of function \(entry.function): its instances are replaced")
                for version in entry.versions { await invoker.retire(functionName: entry.function, version: version) }
            }
        }
    }

    // MARK: Work on the function's behalf

    func sessionPrincipal(_ role: IdentityStore.PrincipalRecord, function: String) -> PrincipalIdentity {
        PrincipalIdentity(kind: .assumedRole, account: account.id, arn: "arn:aws:sts::\(account.id):assumed-role/\(role.name)/\(function)",
                          userID: "\(role.id):\(function)", roleARN: role.arn, tags: role.tags)
    }

    /// The first of `checks` the role's policies do not allow, with why; nil when all are allowed.
    func firstDenied(role: IdentityStore.PrincipalRecord, function: String, _ checks: [AuthorizationTarget]) -> (AuthorizationTarget, String)? {
        let policies: PolicySet
        do {
            policies = try identities.policySet(kind: "role", name: role.name)
        } catch {
            return (checks[0], "the role's policies could not be read: \(error)")
        }
        let principal = sessionPrincipal(role, function: function)
        let context = AuthorizationRequest.standardContext(principal: principal, sourceIP: nil, secureTransport: false, now: Date())
        for check in checks {
            var keys = context
            for (k, v) in check.context { keys[k] = v }
            let question = AuthorizationRequest(action: check.action, resource: check.resource, resourceAccount: account.id,
                                                principal: principal, context: keys)
            let decision = PolicyEvaluator.evaluate(question, policies)
            if !decision.isAllowed { return (check, Authorizer.reason(decision)) }
        }
        return nil
    }

    /// Whether a function's log events may be written: its role needs logs:CreateLogStream and
    /// logs:PutLogEvents on its log group, or AWS drops them. Other groups are Petrel's own.
    func logsAllowed(group: String, stream: String) -> Bool {
        guard group.hasPrefix("/aws/lambda/") else { return true }
        let cacheKey = group + "\u{0}" + stream
        let now = ContinuousClock.now
        if let hit = logDecisions.withLock({ $0[cacheKey] }), hit.at.duration(to: now) < Self.decisionLifetime { return hit.allowed }
        let allowed = decideLogs(group: group, stream: stream)
        logDecisions.withLock { decisions in
            if decisions.count > 10_000 { decisions.removeAll() }
            decisions[cacheKey] = (allowed, now)
        }
        return allowed
    }

    private func decideLogs(group: String, stream: String) -> Bool {
        let name = String(group.dropFirst("/aws/lambda/".count))
        guard let function = try? functions.get(FunctionReference(name: name), account: account) else { return true }
        let groupARN = "arn:aws:logs:\(account.region):\(account.id):log-group:\(group)"
        let checks = [AuthorizationTarget("logs:CreateLogStream", groupARN + ":*"),
                      AuthorizationTarget("logs:PutLogEvents", groupARN + ":log-stream:\(stream)")]
        let role = function.settings.role
        let denial: (principal: String, target: AuthorizationTarget, reason: String)?
        var grantable = true
        switch state(ofRole: role, function: name) {
        case .missing:
            grantable = false
            denial = (role, checks[0], "the execution role of function \(name) does not exist")
        case .assumable(let record), .untrusting(let record):
            denial = firstDenied(role: record, function: name, checks).map { (record.arn, $0.0, $0.1) }
        }
        guard let denial else { return true }
        let dropped = mode == .enforce
        audit.record(.init(principal: denial.principal, accessKeyId: nil, action: denial.target.action, resource: denial.target.resource,
                           reason: "\(dropped ? "log events of function \(name) dropped" : "enforce would drop the log events of function \(name)"): \(denial.reason)",
                           error: "AccessDeniedException", grant: grantable))
        if dropped {
            logger.warning("Dropping the log events of function \(name): its role may not \(denial.target.action) on \(denial.target.resource) (\(denial.reason))")
        }
        return !dropped
    }

    /// CreateEventSourceMapping: the function's role must be able to read the stream or consume the queue.
    func checkStreamAccess(function name: String, eventSourceArn: String) throws {
        let refusal: AWSError
        let checks: [AuthorizationTarget]
        if eventSourceArn.contains(":dynamodb:"), eventSourceArn.contains("/stream/") {
            refusal = AWSError.invalidParameter("Cannot access stream \(eventSourceArn). Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
            checks = [AuthorizationTarget("dynamodb:GetRecords", eventSourceArn), AuthorizationTarget("dynamodb:GetShardIterator", eventSourceArn),
                      AuthorizationTarget("dynamodb:DescribeStream", eventSourceArn), AuthorizationTarget("dynamodb:ListStreams", "*")]
        } else if eventSourceArn.hasPrefix("arn:aws:kinesis:"), eventSourceArn.contains(":stream/") {
            refusal = AWSError.invalidParameter("Cannot access stream \(eventSourceArn). Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
            checks = [AuthorizationTarget("kinesis:GetRecords", eventSourceArn), AuthorizationTarget("kinesis:GetShardIterator", eventSourceArn),
                      AuthorizationTarget("kinesis:DescribeStream", eventSourceArn), AuthorizationTarget("kinesis:DescribeStreamSummary", eventSourceArn),
                      AuthorizationTarget("kinesis:ListShards", eventSourceArn)]
        } else if eventSourceArn.hasPrefix("arn:aws:sqs:") {
            refusal = AWSError.invalidParameter("The provided execution role does not have permissions to call ReceiveMessage on SQS")
            checks = [AuthorizationTarget("sqs:ReceiveMessage", eventSourceArn), AuthorizationTarget("sqs:DeleteMessage", eventSourceArn),
                      AuthorizationTarget("sqs:GetQueueAttributes", eventSourceArn)]
        } else {
            return
        }
        let ref = try FunctionReference.parse(name, region: account.region)
        guard let function = try? functions.get(FunctionReference(name: ref.name), account: account) else { return }
        let role = function.settings.role
        var denials: [(principal: String, target: AuthorizationTarget, reason: String)] = []
        var grantable = true
        switch state(ofRole: role, function: ref.name) {
        case .missing:
            grantable = false
            denials = [(role, checks[0], "the execution role of function \(ref.name) does not exist")]
        case .assumable(let record), .untrusting(let record):
            for check in checks {
                if let (target, reason) = firstDenied(role: record, function: ref.name, [check]) { denials.append((record.arn, target, reason)) }
            }
        }
        guard !denials.isEmpty else { return }
        for denial in denials {
            audit.record(.init(principal: denial.principal, accessKeyId: nil, action: denial.target.action, resource: denial.target.resource,
                               reason: "event source mapping of function \(ref.name): \(denial.reason)", error: refusal.code, grant: grantable))
        }
        if mode == .enforce { throw refusal }
    }
}
