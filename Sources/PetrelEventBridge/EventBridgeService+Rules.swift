import Foundation
import PetrelCore
import PetrelPatterns

extension EventBridgeService {
    static func validRuleName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    func ruleName(_ value: String?, field: String = "name") throws -> String {
        let name = try Self.required(value, field)
        guard Self.validRuleName(name) else {
            throw EventsError.constraint(name, field, "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        }
        return name
    }

    func existingRule(_ name: String, bus: String, region: String) throws -> EventBridgeStore.Rule {
        guard let rule = try store.rule(region: region, bus: bus, name: name) else {
            throw EventsError.notFound("Rule \(name) does not exist on EventBus \(bus).")
        }
        return rule
    }

    func putRule(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Name)
        let bus = try requireBus(input.EventBusName, region: region)
        let pattern = input.EventPattern.flatMap { $0.isEmpty ? nil : $0 }
        let schedule = input.ScheduleExpression.flatMap { $0.isEmpty ? nil : $0 }
        guard pattern != nil || schedule != nil else {
            throw EventsError.validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        }
        if let pattern {
            guard pattern.utf8.count <= 4096 else {
                throw EventsError.constraint("…", "eventPattern", "Member must have length less than or equal to 4096")
            }
            do { _ = try EventPattern(json: pattern) } catch { throw EventsError.pattern(error.reason) }
        }
        if let schedule {
            guard bus == Self.defaultBus else {
                throw EventsError.validation("ScheduleExpression is supported only on the default event bus.")
            }
            do { _ = try ScheduleExpression(schedule) } catch { throw EventsError.validation(error.message) }
        }
        let state = input.State ?? "ENABLED"
        guard ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].contains(state) else {
            throw EventsError.constraint(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
        }
        if let description = input.Description, description.count > 512 {
            throw EventsError.constraint(description, "description", "Member must have length less than or equal to 512")
        }
        let existing = try store.rule(region: region, bus: bus, name: name)
        try store.putRule(.init(region: region, bus: bus, name: name, pattern: pattern, schedule: schedule, state: state,
                                description: input.Description, roleArn: input.RoleArn,
                                created: existing?.created ?? Date().timeIntervalSince1970, lastFired: nil))
        let arn = ruleArn(name, bus: bus, region: region)
        if let tags = input.Tags, !tags.isEmpty {
            var merged = try store.tags(arn: arn)
            for tag in tags { merged[tag.Key] = tag.Value }
            try store.setTags(arn: arn, merged)
        }
        rules.invalidate()
        return .object(["RuleArn": .string(arn)])
    }

    func ruleShape(_ rule: EventBridgeStore.Rule) -> [String: JSONValue] {
        var out: [String: JSONValue] = ["Name": .string(rule.name), "Arn": .string(ruleArn(rule.name, bus: rule.bus, region: rule.region)),
                                        "State": .string(rule.state), "EventBusName": .string(rule.bus)]
        if let v = rule.pattern { out["EventPattern"] = .string(v) }
        if let v = rule.schedule { out["ScheduleExpression"] = .string(v) }
        if let v = rule.description { out["Description"] = .string(v) }
        if let v = rule.roleArn { out["RoleArn"] = .string(v) }
        return out
    }

    func describeRule(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Name)
        let bus = try requireBus(input.EventBusName, region: region)
        var out = ruleShape(try existingRule(name, bus: bus, region: region))
        out["CreatedBy"] = .string(accountID)
        return .object(out)
    }

    func listRules(_ input: EventsInput, region: String) throws -> JSONValue {
        let bus = try requireBus(input.EventBusName, region: region)
        var all = try store.rules(region: region, bus: bus)
        if let prefix = input.NamePrefix { all = all.filter { $0.name.hasPrefix(prefix) } }
        let (page, next) = try Self.page(all, input)
        var out: [String: JSONValue] = ["Rules": .array(page.map { .object(ruleShape($0)) })]
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    func setState(_ input: EventsInput, _ state: String, region: String) throws -> JSONValue {
        let name = try ruleName(input.Name)
        let bus = try requireBus(input.EventBusName, region: region)
        _ = try existingRule(name, bus: bus, region: region)
        try store.setState(region: region, bus: bus, name: name, state: state)
        rules.invalidate()
        return .object([:])
    }

    func deleteRule(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try ruleName(input.Name)
        let bus = try requireBus(input.EventBusName, region: region)
        guard try store.rule(region: region, bus: bus, name: name) != nil else { return .object([:]) }
        if !(input.Force ?? false), !(try store.targets(region: region, bus: bus, rule: name)).isEmpty {
            throw EventsError.validation("Rule can't be deleted since it has targets.")
        }
        try store.removeTargets(region: region, bus: bus, rule: name,
                                ids: try store.targets(region: region, bus: bus, rule: name).map(\.Id))
        try store.deleteRule(region: region, bus: bus, name: name)
        try store.setTags(arn: ruleArn(name, bus: bus, region: region), [:])
        rules.invalidate()
        return .object([:])
    }

    func testEventPattern(_ input: EventsInput) throws -> JSONValue {
        let patternText = try Self.required(input.EventPattern, "eventPattern")
        let eventText = try Self.required(input.Event, "event")
        let pattern: EventPattern
        do { pattern = try EventPattern(json: patternText) } catch { throw EventsError.pattern(error.reason) }
        guard let event = try? JSONDecoder().decode(JSONValue.self, from: Data(eventText.utf8)), case .object(let members) = event else {
            throw EventsError.validation("Parameter Event is not valid.")
        }
        for field in ["id", "account", "source", "time", "region", "detail-type"] where members[field] == nil {
            throw EventsError.validation("Parameter Event is not valid.")
        }
        return .object(["Result": .bool(pattern.matches(event))])
    }

    // MARK: Tags

    func taggedArnExists(_ arn: String, region: String) throws -> Bool {
        guard arn.hasPrefix("arn:aws:events:") else { return false }
        if let range = arn.range(of: ":event-bus/") {
            return try existingBus(String(arn[range.upperBound...]), region: region) != nil
        }
        if let range = arn.range(of: ":rule/") {
            let rest = arn[range.upperBound...].split(separator: "/").map(String.init)
            let (bus, name) = rest.count == 2 ? (rest[0], rest[1]) : (Self.defaultBus, rest.first ?? "")
            return try store.rule(region: region, bus: bus, name: name) != nil
        }
        return false
    }

    func tagResource(_ input: EventsInput, region: String) throws -> JSONValue {
        let arn = try Self.required(input.ResourceARN, "resourceARN")
        guard try taggedArnExists(arn, region: region) else { throw EventsError.notFound("Resource \(arn) does not exist.") }
        var tags = try store.tags(arn: arn)
        for tag in try Self.required(input.Tags, "tags") { tags[tag.Key] = tag.Value }
        try store.setTags(arn: arn, tags)
        return .object([:])
    }

    func untagResource(_ input: EventsInput, region: String) throws -> JSONValue {
        let arn = try Self.required(input.ResourceARN, "resourceARN")
        guard try taggedArnExists(arn, region: region) else { throw EventsError.notFound("Resource \(arn) does not exist.") }
        var tags = try store.tags(arn: arn)
        for key in try Self.required(input.TagKeys, "tagKeys") { tags[key] = nil }
        try store.setTags(arn: arn, tags)
        return .object([:])
    }

    func listTags(_ input: EventsInput, region: String) throws -> JSONValue {
        let arn = try Self.required(input.ResourceARN, "resourceARN")
        guard try taggedArnExists(arn, region: region) else { throw EventsError.notFound("Resource \(arn) does not exist.") }
        let tags = try store.tags(arn: arn)
        return .object(["Tags": .array(tags.keys.sorted().map { .object(["Key": .string($0), "Value": .string(tags[$0]!)]) })])
    }
}
