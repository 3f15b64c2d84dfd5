import Foundation
import PetrelCore

extension EventBridgeService {
    /// What kind of resource a target ARN names.
    enum TargetKind: Equatable {
        case function(name: String, qualifier: String?, region: String)
        case queue(arn: String)
        case bus(name: String, region: String)
    }

    static func kind(_ arn: String) -> TargetKind? {
        let parts = arn.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 6, parts[0] == "arn" else { return nil }
        switch parts[2] {
        case "lambda":
            guard parts.count >= 7, parts[5] == "function" else { return nil }
            let rest = parts[6].split(separator: ":", maxSplits: 1).map(String.init)
            return .function(name: rest[0], qualifier: rest.count == 2 ? rest[1] : nil, region: parts[3])
        case "sqs":
            return .queue(arn: arn)
        case "events":
            guard parts[5].hasPrefix("event-bus/") else { return nil }
            return .bus(name: String(parts[5].dropFirst("event-bus/".count)), region: parts[3])
        default:
            return nil
        }
    }

    func validate(_ target: TargetSpec) throws {
        guard Self.validRuleName(target.Id) else {
            throw EventsError.constraint(target.Id, "targets.member.id", "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        }
        let inputs = [target.Input != nil, target.InputPath != nil, target.InputTransformer != nil].filter { $0 }.count
        guard inputs <= 1 else {
            throw EventsError.validation("Only one of Input, InputPath, or InputTransformer must be provided.")
        }
        if let input = target.Input, (try? JSONDecoder().decode(JSONValue.self, from: Data(input.utf8))) == nil {
            throw EventsError.validation("Input is not valid JSON text.")
        }
        if let path = target.InputPath, !TargetInput.isValidPath(path) {
            throw EventsError.validation("InputPath \(path) is not a valid JsonPath.")
        }
        if let transformer = target.InputTransformer {
            for (name, path) in transformer.InputPathsMap ?? [:] {
                guard TargetInput.isValidPath(path) else {
                    throw EventsError.validation("Input transformer path \(path) for key \(name) is not a valid JsonPath.")
                }
                guard !name.hasPrefix("aws.events.") else {
                    throw EventsError.validation("InputTransformer key \(name) is reserved.")
                }
            }
        }
        if let retry = target.RetryPolicy {
            if let n = retry.MaximumRetryAttempts, !(0...185).contains(n) {
                throw EventsError.constraint("\(n)", "targets.member.retryPolicy.maximumRetryAttempts", "Member must have value between 0 and 185")
            }
            if let n = retry.MaximumEventAgeInSeconds, !(60...86_400).contains(n) {
                throw EventsError.constraint("\(n)", "targets.member.retryPolicy.maximumEventAgeInSeconds", "Member must have value between 60 and 86400")
            }
        }
        if let dlq = target.DeadLetterConfig?.Arn, Self.kind(dlq).map({ if case .queue = $0 { false } else { true } }) ?? true {
            throw EventsError.validation("Parameter DeadLetterConfig.Arn is not valid: it must be an SQS queue ARN.")
        }
    }

    func putTargets(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Rule, field: "rule")
        let bus = try requireBus(input.EventBusName, region: region)
        let targets = try Self.required(input.Targets, "targets")
        guard (1...10).contains(targets.count) else {
            throw EventsError.constraint("[…]", "targets", "Member must have length between 1 and 10")
        }
        _ = try existingRule(name, bus: bus, region: region)
        for target in targets { try validate(target) }
        var accepted: [TargetSpec] = []
        var failed: [JSONValue] = []
        for target in targets {
            if Self.kind(target.Arn) == nil {
                failed.append(.object(["TargetId": .string(target.Id), "ErrorCode": .string("ValidationException"),
                                       "ErrorMessage": .string("Petrel delivers to Lambda functions, SQS queues and event buses; \(target.Arn) is none of these.")]))
            } else {
                accepted.append(target)
            }
        }
        let existing = Set(try store.targets(region: region, bus: bus, rule: name).map(\.Id))
        guard existing.union(accepted.map(\.Id)).count <= Self.maxTargetsPerRule else {
            throw EventsError.limit("The requested resource exceeds the maximum number allowed.")
        }
        try store.putTargets(region: region, bus: bus, rule: name, accepted)
        rules.invalidate()
        return .object(["FailedEntryCount": .number(Double(failed.count)), "FailedEntries": .array(failed)])
    }

    func removeTargets(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Rule, field: "rule")
        let bus = try requireBus(input.EventBusName, region: region)
        let ids = try Self.required(input.Ids, "ids")
        _ = try existingRule(name, bus: bus, region: region)
        try store.removeTargets(region: region, bus: bus, rule: name, ids: ids)
        rules.invalidate()
        return .object(["FailedEntryCount": .number(0), "FailedEntries": .array([])])
    }

    func listTargets(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Rule, field: "rule")
        let bus = try requireBus(input.EventBusName, region: region)
        _ = try existingRule(name, bus: bus, region: region)
        let (page, next) = try Self.page(try store.targets(region: region, bus: bus, rule: name), input)
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(page))
        var out: [String: JSONValue] = ["Targets": encoded]
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    func listRuleNamesByTarget(_ input: EventsInput, region: String) throws -> JSONValue {
        let arn = try Self.required(input.TargetArn, "targetArn")
        let bus = try requireBus(input.EventBusName, region: region)
        let names = try store.rules(region: region, bus: bus).filter { rule in
            try store.targets(region: region, bus: bus, rule: rule.name).contains { $0.Arn == arn }
        }.map(\.name)
        let (page, next) = try Self.page(names, input)
        var out: [String: JSONValue] = ["RuleNames": .array(page.map(JSONValue.string))]
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }
}
