import Foundation
import PetrelCore

struct TrailInput: Decodable {
    var Name: String?
    var TrailName: String?
    var S3BucketName: String?
    var S3KeyPrefix: String?
    var IsMultiRegionTrail: Bool?
    var IncludeGlobalServiceEvents: Bool?
    var trailNameList: [String]?
    var EventSelectors: JSONValue?
    var AdvancedEventSelectors: JSONValue?
    var LookupAttributes: [LookupAttribute]?
    var StartTime: JSONValue?
    var EndTime: JSONValue?
    var MaxResults: Int?
    var NextToken: String?
    var EventCategory: String?

    struct LookupAttribute: Decodable {
        var AttributeKey: String
        var AttributeValue: String
    }
}

extension CloudTrailService {
    static func error(_ code: String, _ message: String) -> AWSError { AWSError(code, status: 400, message) }

    public func handle(operation: String, body: Data, region: String) throws -> Data {
        let input: TrailInput
        do {
            input = try JSONDecoder().decode(TrailInput.self, from: body.isEmpty ? Data("{}".utf8) : body)
        } catch {
            throw AWSError.serialization("Could not parse the request body as JSON: \(error)")
        }
        let output: JSONValue
        switch operation {
        case "LookupEvents": output = try lookupEvents(input, region: region)
        case "CreateTrail": output = try createTrail(input, region: region)
        case "UpdateTrail": output = try updateTrail(input, region: region)
        case "DeleteTrail":
            let trail = try existing(input.Name, region: region)
            try store.delete(region: trail.region, name: trail.name)
            reloadTrails()
            output = .object([:])
        case "GetTrail": output = .object(["Trail": trailShape(try existing(input.Name, region: region))])
        case "DescribeTrails":
            var list = try store.trails(region: region)
            if let names = input.trailNameList, !names.isEmpty {
                let wanted = Set(names.map(Self.trailName))
                list = list.filter { wanted.contains($0.name) }
            }
            output = .object(["trailList": .array(list.map(trailShape))])
        case "GetTrailStatus": output = try status(try existing(input.Name, region: region))
        case "StartLogging", "StopLogging":
            var trail = try existing(input.Name, region: region)
            let now = Date().timeIntervalSince1970
            if operation == "StartLogging" { (trail.logging, trail.started) = (true, now) } else {
                try flush()
                (trail.logging, trail.stopped) = (false, now)
            }
            try store.update(trail)
            reloadTrails()
            output = .object([:])
        case "PutEventSelectors": output = try putSelectors(input, region: region)
        case "GetEventSelectors":
            let trail = try existing(input.TrailName, region: region)
            output = selectorsShape(trail)
        default:
            throw AWSError.unknownOperation("Petrel's CloudTrail does not support \(operation).")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(output)
    }

    static func trailName(_ value: String) -> String {
        if value.hasPrefix("arn:"), let range = value.range(of: ":trail/") { return String(value[range.upperBound...]) }
        return value
    }

    func trailArn(_ t: TrailStore.Trail) -> String { "arn:aws:cloudtrail:\(t.region):\(accountID):trail/\(t.name)" }

    func existing(_ value: String?, region: String) throws -> TrailStore.Trail {
        guard let value, !value.isEmpty else { throw Self.error("InvalidTrailNameException", "Trail name cannot be empty.") }
        let name = Self.trailName(value)
        let trailRegion = value.hasPrefix("arn:") ? value.split(separator: ":").dropFirst(3).first.map(String.init) ?? region : region
        if let trail = try store.trail(region: trailRegion, name: name) { return trail }
        if let shadow = try store.trails(region: region).first(where: { $0.name == name }) { return shadow }
        throw Self.error("TrailNotFoundException", "Unknown trail: arn:aws:cloudtrail:\(trailRegion):\(accountID):trail/\(name) for the user: \(accountID)")
    }

    static func validName(_ name: String) -> Bool {
        guard (3...128).contains(name.count), let first = name.first, first.isLetter || first.isNumber,
              let last = name.last, last.isLetter || last.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            && !name.contains("..") && !name.contains("_-") && !name.contains("-_")
    }

    func trailShape(_ t: TrailStore.Trail) -> JSONValue {
        var out: [String: JSONValue] = [
            "Name": .string(t.name), "S3BucketName": .string(t.bucket), "IncludeGlobalServiceEvents": .bool(t.globalEvents),
            "IsMultiRegionTrail": .bool(t.multiRegion), "HomeRegion": .string(t.region), "TrailARN": .string(trailArn(t)),
            "LogFileValidationEnabled": .bool(false), "HasCustomEventSelectors": .bool(t.selectors != nil || t.advancedSelectors != nil),
            "HasInsightSelectors": .bool(false), "IsOrganizationTrail": .bool(false),
        ]
        if let p = t.keyPrefix { out["S3KeyPrefix"] = .string(p) }
        return .object(out)
    }

    func writeShape(_ t: TrailStore.Trail) -> JSONValue {
        guard case .object(var out) = trailShape(t) else { return .null }
        out["HomeRegion"] = nil
        out["HasCustomEventSelectors"] = nil
        out["HasInsightSelectors"] = nil
        return .object(out)
    }

    func createTrail(_ input: TrailInput, region: String) throws -> JSONValue {
        guard let name = input.Name, Self.validName(name) else {
            throw Self.error("InvalidTrailNameException", "Trail name must starts with a letter or number and contain only letters, numbers, periods, underscores and hyphens; it must have 3 to 128 characters.")
        }
        guard let bucket = input.S3BucketName, !bucket.isEmpty else {
            throw Self.error("InvalidS3BucketNameException", "S3 bucket name cannot be empty.")
        }
        guard sinks.bucketExists(bucket) else { throw Self.error("S3BucketDoesNotExistException", "S3 bucket \(bucket) does not exist.") }
        if let p = input.S3KeyPrefix, p.count > 200 { throw Self.error("InvalidS3PrefixException", "S3 prefix is longer than 200 characters.") }
        let trail = TrailStore.Trail(region: region, name: name, bucket: bucket, keyPrefix: input.S3KeyPrefix?.isEmpty == false ? input.S3KeyPrefix : nil,
                                     multiRegion: input.IsMultiRegionTrail ?? false, globalEvents: input.IncludeGlobalServiceEvents ?? true,
                                     logging: false, selectors: nil, advancedSelectors: nil, created: Date().timeIntervalSince1970)
        guard try store.insert(trail) else {
            throw Self.error("TrailAlreadyExistsException", "Trail \(name) already exists for customer: \(accountID)")
        }
        return writeShape(trail)
    }

    func updateTrail(_ input: TrailInput, region: String) throws -> JSONValue {
        var trail = try existing(input.Name, region: region)
        if let bucket = input.S3BucketName {
            guard sinks.bucketExists(bucket) else { throw Self.error("S3BucketDoesNotExistException", "S3 bucket \(bucket) does not exist.") }
            trail.bucket = bucket
        }
        if let p = input.S3KeyPrefix { trail.keyPrefix = p.isEmpty ? nil : p }
        if let v = input.IsMultiRegionTrail { trail.multiRegion = v }
        if let v = input.IncludeGlobalServiceEvents { trail.globalEvents = v }
        try store.update(trail)
        reloadTrails()
        return writeShape(trail)
    }

    func status(_ t: TrailStore.Trail) throws -> JSONValue {
        var out: [String: JSONValue] = ["IsLogging": .bool(t.logging)]
        func stamp(_ v: Double?) -> JSONValue? { v.map { .number($0) } }
        func text(_ v: Double?) -> JSONValue? {
            v.map { .string(TrailRecord.iso(Date(timeIntervalSince1970: $0))) }
        }
        out["StartLoggingTime"] = stamp(t.started)
        out["StopLoggingTime"] = stamp(t.stopped)
        out["TimeLoggingStarted"] = text(t.started)
        out["TimeLoggingStopped"] = text(t.stopped)
        out["LatestDeliveryTime"] = stamp(t.lastDelivery)
        out["LatestDeliveryAttemptTime"] = text(t.lastDelivery)
        if t.lastDelivery != nil { out["LatestDeliveryAttemptSucceeded"] = text(t.lastDeliveryError == nil ? t.lastDelivery : nil) ?? .string("") }
        if let e = t.lastDeliveryError { out["LatestDeliveryError"] = .string(e) }
        return .object(out.compactMapValues { $0 })
    }

    func putSelectors(_ input: TrailInput, region: String) throws -> JSONValue {
        var trail = try existing(input.TrailName, region: region)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch (input.EventSelectors, input.AdvancedEventSelectors) {
        case (.array(let basic)?, nil):
            guard basic.count <= 5 else { throw Self.error("InvalidEventSelectorsException", "You can have up to five event selectors per trail.") }
            for selector in basic {
                if let rw = selector["ReadWriteType"]?.stringValue, !["ReadOnly", "WriteOnly", "All"].contains(rw) {
                    throw Self.error("InvalidEventSelectorsException", "ReadWriteType must be ReadOnly, WriteOnly or All.")
                }
                if case .array(let resources)? = selector["DataResources"] {
                    for r in resources where !["AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table"].contains(r["Type"]?.stringValue ?? "") {
                        throw Self.error("InvalidEventSelectorsException", "Value \(r["Type"]?.stringValue ?? "null") for parameter DataResources.Type is invalid.")
                    }
                }
            }
            trail.selectors = String(decoding: try encoder.encode(JSONValue.array(basic)), as: UTF8.self)
            trail.advancedSelectors = nil
        case (nil, .array(let advanced)?):
            for selector in advanced {
                guard case .array(let fields)? = selector["FieldSelectors"], !fields.isEmpty,
                      fields.contains(where: { $0["Field"]?.stringValue == "eventCategory" }) else {
                    throw Self.error("InvalidEventSelectorsException", "Each advanced event selector needs an eventCategory field selector.")
                }
            }
            trail.advancedSelectors = String(decoding: try encoder.encode(JSONValue.array(advanced)), as: UTF8.self)
            trail.selectors = nil
        default:
            throw Self.error("InvalidEventSelectorsException", "Specify either EventSelectors or AdvancedEventSelectors, not both.")
        }
        try store.update(trail)
        reloadTrails()
        return selectorsShape(trail)
    }

    func selectorsShape(_ t: TrailStore.Trail) -> JSONValue {
        let selectors = TrailSelectors(basic: t.selectors, advanced: t.advancedSelectors)
        var out: [String: JSONValue] = ["TrailARN": .string(trailArn(t))]
        if let a = selectors.advanced {
            out["AdvancedEventSelectors"] = .array(a)
        } else {
            out["EventSelectors"] = .array(selectors.basic ?? [.object(["ReadWriteType": .string("All"), "IncludeManagementEvents": .bool(true),
                                                                        "DataResources": .array([]), "ExcludeManagementEventSources": .array([])])])
        }
        return .object(out)
    }

    // MARK: LookupEvents

    static func seconds(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let n)?: return n
        case .string(let s)?: return Double(s) ?? ISO8601DateFormatter().date(from: s)?.timeIntervalSince1970
        default: return nil
        }
    }

    func lookupEvents(_ input: TrailInput, region: String) throws -> JSONValue {
        try flush()
        let attributes = input.LookupAttributes ?? []
        guard attributes.count <= 1 else {
            throw Self.error("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
        }
        var column: String?, value: String?
        if let attribute = attributes.first {
            guard let c = TrailStore.columns[attribute.AttributeKey] else {
                throw Self.error("InvalidLookupAttributesException", "Lookup attribute key \(attribute.AttributeKey) is not valid.")
            }
            guard (1...2000).contains(attribute.AttributeValue.count) else {
                throw Self.error("InvalidLookupAttributesException",
                                 "Lookup attribute value must be 1 to 2000 characters long; \(attribute.AttributeKey) was given \(attribute.AttributeValue.count).")
            }
            (column, value) = (c, attribute.AttributeValue)
        }
        if let category = input.EventCategory, category != "insight" {
            throw Self.error("InvalidEventCategoryException", "Event category \(category) is not valid.")
        }
        let now = Date().timeIntervalSince1970
        let start = Self.seconds(input.StartTime) ?? now - Self.retention
        let end = Self.seconds(input.EndTime) ?? now + 1
        guard start <= end else { throw Self.error("InvalidTimeRangeException", "Start time must be less than end time.") }
        let limit = input.MaxResults ?? 50
        guard (1...50).contains(limit) else { throw Self.error("InvalidMaxResultsException", "MaxResults must be between 1 and 50.") }
        var after: (Double, String)?
        if let token = input.NextToken {
            guard let decoded = Data(base64Encoded: token).map({ String(decoding: $0, as: UTF8.self) }),
                  let bar = decoded.firstIndex(of: "|"), let t = Double(decoded[..<bar]) else {
                throw Self.error("InvalidNextTokenException", "Invalid NextToken.")
            }
            after = (t, String(decoded[decoded.index(after: bar)...]))
        }
        if input.EventCategory == "insight" { return .object(["Events": .array([])]) }
        let rows = try store.lookup(region: region, column: column, value: value, start: start, end: end, after: after, limit: limit + 1)
        let page = rows.prefix(limit)
        var out: [String: JSONValue] = ["Events": .array(page.map { r in
            var event: [String: JSONValue] = [
                "EventId": .string(r.eventID), "EventName": .string(r.name), "ReadOnly": .string(r.readOnly),
                "EventTime": .number(r.time), "EventSource": .string(r.source), "CloudTrailEvent": .string(r.record),
                "Resources": .array(r.resourceType.map { [.object(["ResourceType": .string($0), "ResourceName": .string(r.resourceName ?? "")])] } ?? []),
            ]
            if let u = r.username { event["Username"] = .string(u) }
            if let k = r.accessKeyID { event["AccessKeyId"] = .string(k) }
            return .object(event)
        })]
        if rows.count > limit, let last = page.last {
            out["NextToken"] = .string(Data("\(last.time)|\(last.eventID)".utf8).base64EncodedString())
        }
        return .object(out)
    }
}
