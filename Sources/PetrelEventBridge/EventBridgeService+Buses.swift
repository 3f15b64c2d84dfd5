import Foundation
import PetrelCore

extension EventBridgeService {
    static func validBusName(_ name: String) -> Bool {
        (1...256).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-".contains($0)) }
    }

    func createEventBus(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try Self.required(input.Name, "name")
        guard Self.validBusName(name) else {
            throw EventsError.constraint(name, "name", "Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+")
        }
        if name == Self.defaultBus || name.hasPrefix("aws.") {
            throw name == Self.defaultBus ? EventsError.alreadyExists("Event bus default already exists.")
                : EventsError.validation("Event bus name must not start with 'aws.'.")
        }
        if input.EventSourceName != nil {
            throw EventsError.notFound("Event source \(input.EventSourceName!) does not exist.")
        }
        guard try store.createBus(region: region, name: name, description: input.Description, now: Date().timeIntervalSince1970) else {
            throw EventsError.alreadyExists("Event bus \(name) already exists.")
        }
        let arn = busArn(name, region: region)
        if let tags = input.Tags, !tags.isEmpty {
            try store.setTags(arn: arn, Dictionary(tags.map { ($0.Key, $0.Value) }, uniquingKeysWith: { _, b in b }))
        }
        var out: [String: JSONValue] = ["EventBusArn": .string(arn)]
        if let d = input.Description { out["Description"] = .string(d) }
        return .object(out)
    }

    func deleteEventBus(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = try Self.required(input.Name, "name")
        guard name != Self.defaultBus else { throw EventsError.validation("Cannot delete event bus default.") }
        try store.deleteBus(region: region, name: name)
        try store.setTags(arn: busArn(name, region: region), [:])
        rules.invalidate()
        return .object([:])
    }

    func busShape(_ name: String, region: String, description: String?, created: Double, modified: Double) -> [String: JSONValue] {
        var out: [String: JSONValue] = ["Name": .string(name), "Arn": .string(busArn(name, region: region)),
                                        "CreationTime": Self.timestamp(created), "LastModifiedTime": Self.timestamp(modified)]
        if let description { out["Description"] = .string(description) }
        return out
    }

    /// The default bus exists in every region from the start.
    func existingBus(_ name: String, region: String) throws -> EventBridgeStore.Bus? {
        if name == Self.defaultBus { return EventBridgeStore.Bus(name: name, description: nil, created: 0, modified: 0) }
        return try store.bus(region: region, name: name)
    }

    func describeEventBus(_ input: EventsInput, region: String) throws -> JSONValue {
        let name = Self.busName(input.Name)
        guard let bus = try existingBus(name, region: region) else { throw EventsError.notFound("Event bus \(name) does not exist.") }
        return .object(busShape(name, region: region, description: bus.description, created: bus.created, modified: bus.modified))
    }

    func listEventBuses(_ input: EventsInput, region: String) throws -> JSONValue {
        var all = [EventBridgeStore.Bus(name: Self.defaultBus, description: nil, created: 0, modified: 0)] + (try store.buses(region: region))
        if let prefix = input.NamePrefix { all = all.filter { $0.name.hasPrefix(prefix) } }
        let (page, next) = try Self.page(all, input)
        var out: [String: JSONValue] = ["EventBuses": .array(page.map { .object(busShape($0.name, region: region, description: $0.description,
                                                                                              created: $0.created, modified: $0.modified)) })]
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    /// The bus a request names, which must exist.
    func requireBus(_ value: String?, region: String) throws -> String {
        let name = Self.busName(value)
        guard try existingBus(name, region: region) != nil else { throw EventsError.notFound("Event bus \(name) does not exist.") }
        return name
    }
}
