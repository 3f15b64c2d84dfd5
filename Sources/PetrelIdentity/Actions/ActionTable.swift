import Foundation
import PetrelCore

/// A request to one of the APIs Petrel serves, in the terms the action table needs.
public enum APIRequest: Sendable {
    /// JSON-protocol services: `X-Amz-Target: DynamoDB_20120810.PutItem`, with the body.
    case json(target: String, body: JSONValue?)
    /// Lambda's REST-JSON API: method, percent-decoded path segments, query and body.
    case lambda(method: String, segments: [String], query: [String: String], body: JSONValue?)
    /// Query-protocol services (IAM, STS): the form's parameters.
    case query(service: String, parameters: [String: String])
    /// CloudWatch metrics (RPC v2 CBOR or JSON): the operation.
    case cloudWatch(operation: String)
}

/// One check to make: `action` on `resource`, with the service's own condition keys.
public struct AuthorizationTarget: Sendable, Equatable {
    public var action: String
    public var resource: String
    public var context: [String: [String]]

    public init(_ action: String, _ resource: String, context: [String: [String]] = [:]) {
        self.action = action
        self.resource = resource
        self.context = context
    }
}

/// The IAM action and resource ARN of every operation Petrel serves, after AWS's service
/// authorization reference (Actions, resources, and condition keys for Lambda, DynamoDB,
/// CloudWatch Logs, CloudWatch, IAM and STS).
public enum ActionTable {
    /// The checks a request needs: usually one, one per table for batch and transaction
    /// operations; empty for operations every caller may make (`sts:GetCallerIdentity`).
    /// `hashKey` names a table's partition key attribute (for `dynamodb:LeadingKeys`), when known.
    public static func targets(for request: APIRequest, account: String, region: String,
                               hashKey: (String) -> String? = { _ in nil }) -> [AuthorizationTarget] {
        switch request {
        case .json(let target, let body):
            if target.hasPrefix("com.amazonaws.cloudtrail.") {
                return [AuthorizationTarget("cloudtrail:\(target.split(separator: ".").last ?? "")", "*")]
            }
            let parts = target.split(separator: ".", maxSplits: 1)
            let prefix = parts.first.map(String.init) ?? ""
            let operation = parts.count == 2 ? String(parts[1]) : ""
            switch prefix {
            case "DynamoDB_20120810": return dynamoDB(operation, body, account: account, region: region, hashKey: hashKey)
            case "DynamoDBStreams_20120810": return streams(operation, body, account: account, region: region)
            case "Logs_20140328": return logs(operation, body, account: account, region: region)
            case "GraniteServiceVersion20100801": return [AuthorizationTarget("cloudwatch:\(operation)", "*")]
            case "AWSEvents": return [AuthorizationTarget("events:\(operation)", "*")]
            case "AmazonSQS":
                return [sqs(operation, queueURL: body?["QueueUrl"]?.stringValue, queueName: body?["QueueName"]?.stringValue,
                            sourceArn: body?["SourceArn"]?.stringValue, account: account, region: region)]
            case "Kinesis_20131202": return [kinesis(operation, body, account: account, region: region)]
            default: return [AuthorizationTarget("\(prefix.lowercased()):\(operation)", "*")]
            }
        case .lambda(let method, let segments, let query, let body):
            return [lambda(method, segments, query, body, account: account, region: region)]
        case .query(let service, let parameters):
            return queryService(service, parameters, account: account, region: region)
        case .cloudWatch(let operation):
            return [AuthorizationTarget("cloudwatch:\(operation)", "*")]
        }
    }

    // MARK: DynamoDB

    static func tableARN(_ name: String, account: String, region: String) -> String {
        // A table may be named by its ARN too.
        name.hasPrefix("arn:") ? name : "arn:aws:dynamodb:\(region):\(account):table/\(name)"
    }

    static func dynamoDB(_ operation: String, _ body: JSONValue?, account: String, region: String,
                         hashKey: (String) -> String? = { _ in nil }) -> [AuthorizationTarget] {
        let action = "dynamodb:\(operation)"
        func table(_ name: String?) -> String { name.map { tableARN($0, account: account, region: region) } ?? "*" }
        /// `dynamodb:LeadingKeys`: the partition key values the request touches.
        func leading(_ tableName: String?, _ items: [JSONValue?]) -> [String: [String]] {
            guard let tableName, let key = hashKey(tableName) else { return [:] }
            let values = items.compactMap { $0?[key].flatMap(scalar) }
            return values.isEmpty ? [:] : ["dynamodb:leadingkeys": Array(Set(values)).sorted()]
        }
        func merged(_ a: [String: [String]], _ b: [String: [String]]) -> [String: [String]] { a.merging(b) { x, _ in x } }
        switch operation {
        case "ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables":
            return [AuthorizationTarget(action, "*")]
        case "BatchGetItem", "BatchWriteItem":
            guard case .object(let items)? = body?["RequestItems"], !items.isEmpty else { return [AuthorizationTarget(action, "*")] }
            return items.keys.sorted().map { name in
                var keys: [JSONValue?] = []
                if case .array(let writes)? = items[name] {
                    for write in writes { keys.append(write["PutRequest"]?["Item"] ?? write["DeleteRequest"]?["Key"]) }
                } else if case .array(let gets)? = items[name]?["Keys"] {
                    keys = gets
                }
                return AuthorizationTarget(action, table(name), context: leading(name, keys))
            }
        case "TransactGetItems", "TransactWriteItems":
            guard case .array(let items)? = body?["TransactItems"], !items.isEmpty else { return [AuthorizationTarget(action, "*")] }
            var out: [AuthorizationTarget] = []
            for item in items {
                guard case .object(let members) = item, let (kind, inner) = members.first else { continue }
                let op = ["Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"][kind] ?? kind
                let name = inner["TableName"]?.stringValue
                let target = AuthorizationTarget("dynamodb:\(op)", table(name), context: leading(name, [inner["Key"] ?? inner["Item"]]))
                if !out.contains(target) { out.append(target) }
            }
            return out.isEmpty ? [AuthorizationTarget(action, "*")] : out
        case "Query", "Scan":
            let name = body?["TableName"]?.stringValue
            var resource = table(name)
            var context = attributeContext(operation, body)
            if let index = body?["IndexName"]?.stringValue, resource != "*" {
                resource += "/index/\(index)"
            } else if operation == "Query", let name, let key = hashKey(name), let value = queryHashValue(body, key: key) {
                context["dynamodb:leadingkeys"] = [value]
            }
            return [AuthorizationTarget(action, resource, context: context)]
        case "ListTagsOfResource", "TagResource", "UntagResource":
            return [AuthorizationTarget(action, body?["ResourceArn"]?.stringValue ?? "*")]
        default:
            let name = body?["TableName"]?.stringValue
            return [AuthorizationTarget(action, table(name), context: merged(attributeContext(operation, body), leading(name, [body?["Key"] ?? body?["Item"]])))]
        }
    }

    /// An attribute value's scalar text: `{"S":"x"}` → `x`, `{"N":"1"}` → `1`, `{"B":…}` → its base64.
    static func scalar(_ value: JSONValue) -> String? {
        value["S"]?.stringValue ?? value["N"]?.stringValue ?? value["B"]?.stringValue
    }

    /// The partition key value a Query's key condition fixes: `pk = :v` / `#pk = :v` in
    /// KeyConditionExpression, or the legacy KeyConditions' EQ.
    static func queryHashValue(_ body: JSONValue?, key: String) -> String? {
        if let legacy = body?["KeyConditions"]?[key], legacy["ComparisonOperator"]?.stringValue == "EQ",
           case .array(let list)? = legacy["AttributeValueList"], let first = list.first {
            return scalar(first)
        }
        guard let expression = body?["KeyConditionExpression"]?.stringValue else { return nil }
        let names = body?["ExpressionAttributeNames"]
        let values = body?["ExpressionAttributeValues"]
        for clause in expression.components(separatedBy: " AND ") + expression.components(separatedBy: " and ") {
            let sides = clause.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "()"))) }
            guard sides.count == 2, !sides[0].hasSuffix("<"), !sides[0].hasSuffix(">") else { continue }
            for (left, right) in [(sides[0], sides[1]), (sides[1], sides[0])] {
                let name = left.hasPrefix("#") ? names?[left]?.stringValue : left
                if name == key, right.hasPrefix(":"), let value = values?[right].flatMap(scalar) { return value }
            }
        }
        return nil
    }

    /// `dynamodb:Attributes` (the attribute names a write sets or a read projects) and
    /// `dynamodb:Select`, where the request says them.
    static func attributeContext(_ operation: String, _ body: JSONValue?) -> [String: [String]] {
        var context: [String: [String]] = [:]
        if operation == "PutItem", case .object(let item)? = body?["Item"] {
            context["dynamodb:attributes"] = item.keys.sorted()
        }
        if case .array(let names)? = body?["AttributesToGet"] {
            context["dynamodb:attributes"] = names.compactMap(\.stringValue)
        }
        if let select = body?["Select"]?.stringValue { context["dynamodb:select"] = [select] }
        if let values = body?["ReturnValues"]?.stringValue { context["dynamodb:returnvalues"] = [values] }
        return context
    }

    static func streams(_ operation: String, _ body: JSONValue?, account: String, region: String) -> [AuthorizationTarget] {
        let action = "dynamodb:\(operation)"
        switch operation {
        case "ListStreams": return [AuthorizationTarget(action, "*")]
        case "GetRecords":
            return [AuthorizationTarget(action, body?["ShardIterator"]?.stringValue.flatMap(streamARN(fromIterator:)) ?? "*")]
        default:
            return [AuthorizationTarget(action, body?["StreamArn"]?.stringValue ?? "*")]
        }
    }

    /// Petrel's shard iterators are base64 of `1|after|issued|shard|streamArn`.
    static func streamARN(fromIterator token: String) -> String? {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        return parts.count == 5 ? String(parts[4]) : nil
    }

    // MARK: CloudWatch Logs

    static func logs(_ operation: String, _ body: JSONValue?, account: String, region: String) -> [AuthorizationTarget] {
        let action = "logs:\(operation)"
        let base = "arn:aws:logs:\(region):\(account):log-group:"
        let group = body?["logGroupName"]?.stringValue ?? body?["logGroupIdentifier"]?.stringValue
        switch operation {
        case "DescribeLogGroups":
            return [AuthorizationTarget(action, base + "*")]
        case "PutLogEvents", "GetLogEvents":
            guard let group else { return [AuthorizationTarget(action, "*")] }
            let stream = body?["logStreamName"]?.stringValue ?? "*"
            return [AuthorizationTarget(action, base + group + ":log-stream:" + stream)]
        default:
            guard let group else { return [AuthorizationTarget(action, "*")] }
            return [AuthorizationTarget(action, group.hasPrefix("arn:") ? group : base + group + ":*")]
        }
    }

    // MARK: Lambda

    static func lambda(_ method: String, _ segments: [String], _ query: [String: String], _ body: JSONValue?,
                       account: String, region: String) -> AuthorizationTarget {
        func function(_ raw: String, qualifier: String? = query["Qualifier"]) -> String {
            // A caller may name a function by name, partial ARN or ARN, with or without a qualifier.
            var parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.first == "arn", parts.count >= 7 { parts = Array(parts[6...]) }
            else if parts.count >= 3, parts[1] == "function" { parts = Array(parts[2...]) }
            let name = parts.first ?? raw
            let embedded = parts.count >= 2 ? parts[1] : nil
            let q = embedded ?? (qualifier?.isEmpty == false ? qualifier : nil)
            return "arn:aws:lambda:\(region):\(account):function:\(name)" + (q.map { ":\($0)" } ?? "")
        }
        func target(_ operation: String, _ resource: String, context: [String: [String]] = [:]) -> AuthorizationTarget {
            AuthorizationTarget("lambda:\(operation)", resource, context: context)
        }
        let m = method.uppercased()
        guard let first = segments.first else { return target("Unknown", "*") }
        let count = segments.count
        switch first {
        case "2015-03-31" where count >= 2 && segments[1] == "functions":
            if count == 2 {
                if m == "POST" {
                    let name = body?["FunctionName"]?.stringValue ?? "*"
                    return target("CreateFunction", function(name, qualifier: nil))
                }
                return target("ListFunctions", "*")
            }
            let arn = function(segments[2])
            if count == 3 {
                switch m {
                case "DELETE": return target("DeleteFunction", arn)
                default: return target("GetFunction", arn)
                }
            }
            switch (m, segments[3]) {
            case ("GET", "configuration"): return target("GetFunctionConfiguration", arn)
            case ("PUT", "configuration"): return target("UpdateFunctionConfiguration", arn)
            case ("PUT", "code"): return target("UpdateFunctionCode", arn)
            case ("POST", "invocations"): return target("InvokeFunction", arn)
            case ("POST", "versions"): return target("PublishVersion", arn)
            case ("GET", "versions"): return target("ListVersionsByFunction", arn)
            case ("GET", "policy"): return target("GetPolicy", arn)
            case ("POST", "policy"): return target("AddPermission", arn)
            case ("DELETE", "policy"): return target("RemovePermission", arn)
            case ("GET", "aliases"): return target("ListAliases", arn)
            case ("POST", "aliases"): return target("CreateAlias", arn)
            case ("GET", "concurrency"): return target("GetFunctionConcurrency", arn)
            case ("PUT", "concurrency"): return target("PutFunctionConcurrency", arn)
            case ("DELETE", "concurrency"): return target("DeleteFunctionConcurrency", arn)
            default: return target("Unknown", arn)
            }
        case "2021-11-15" where count == 4 && segments[1] == "functions" && segments[3] == "response-streaming-invocations":
            return target("InvokeFunction", function(segments[2]))
        case "2014-11-13" where count == 4 && segments[3] == "invoke-async":
            return target("InvokeAsync", function(segments[2], qualifier: nil))
        case "2019-09-30" where count == 4 && segments[1] == "functions" && segments[3] == "concurrency":
            return target("GetFunctionConcurrency", function(segments[2], qualifier: nil))
        case "2017-10-31" where count == 4 && segments[1] == "functions" && segments[3] == "concurrency":
            return target(m == "DELETE" ? "DeleteFunctionConcurrency" : "PutFunctionConcurrency", function(segments[2], qualifier: nil))
        case "2021-10-31" where count == 4 && segments[1] == "functions":
            let arn = function(segments[2])
            if segments[3] == "urls" { return target("ListFunctionUrlConfigs", function(segments[2], qualifier: nil)) }
            switch m {
            case "POST": return target("CreateFunctionUrlConfig", arn)
            case "PUT": return target("UpdateFunctionUrlConfig", arn)
            case "DELETE": return target("DeleteFunctionUrlConfig", arn)
            default: return target("GetFunctionUrlConfig", arn)
            }
        case "2019-09-30" where count >= 3 && segments[1] == "functions":
            let arn = function(segments[2])
            switch m {
            case "PUT": return target("PutProvisionedConcurrencyConfig", arn)
            case "DELETE": return target("DeleteProvisionedConcurrencyConfig", arn)
            default:
                return query["List"] != nil ? target("ListProvisionedConcurrencyConfigs", function(segments[2], qualifier: nil))
                    : target("GetProvisionedConcurrencyConfig", arn)
            }
        case "2015-03-31" where count >= 2 && segments[1] == "event-source-mappings":
            if count == 2 {
                if m == "POST" {
                    var context: [String: [String]] = [:]
                    if let name = body?["FunctionName"]?.stringValue { context["lambda:functionarn"] = [function(name, qualifier: nil)] }
                    return target("CreateEventSourceMapping", "*", context: context)
                }
                return target("ListEventSourceMappings", "*")
            }
            let arn = "arn:aws:lambda:\(region):\(account):event-source-mapping:\(segments[2])"
            switch m {
            case "PUT": return target("UpdateEventSourceMapping", arn)
            case "DELETE": return target("DeleteEventSourceMapping", arn)
            default: return target("GetEventSourceMapping", arn)
            }
        case "2018-10-31" where count >= 2 && segments[1] == "layers":
            if count == 2 {
                if query["find"] == "LayerVersion", let layerARN = query["Arn"] { return target("GetLayerVersion", layerARN) }
                return target("ListLayers", "*")
            }
            let layer = "arn:aws:lambda:\(region):\(account):layer:\(segments[2])"
            if count == 4 { return m == "POST" ? target("PublishLayerVersion", layer) : target("ListLayerVersions", "*") }
            let version = layer + ":" + (count >= 5 ? segments[4] : "*")
            if count >= 6 && segments[5] == "policy" {
                return target(m == "POST" ? "AddLayerVersionPermission" : m == "DELETE" ? "RemoveLayerVersionPermission" : "GetLayerVersionPolicy", version)
            }
            return target(m == "DELETE" ? "DeleteLayerVersion" : "GetLayerVersion", version)
        case "2016-08-19" where count >= 2 && segments[1] == "account-settings":
            return target("GetAccountSettings", "*")
        default:
            return target("Unknown", "*")
        }
    }

    // MARK: IAM and STS

    static func queryService(_ service: String, _ p: [String: String], account: String, region: String = "us-east-1") -> [AuthorizationTarget] {
        let operation = p["Action"] ?? ""
        switch service {
        case "sqs":
            return [sqs(operation, queueURL: p["QueueUrl"], queueName: p["QueueName"], sourceArn: p["SourceArn"], account: account, region: region)]
        case "sts":
            switch operation {
            // No permission is needed to ask who you are or for a session token; AssumeRole is
            // decided by STS itself, with the role's trust policy as the resource policy.
            case "GetCallerIdentity", "GetSessionToken", "AssumeRole": return []
            default: return [AuthorizationTarget("sts:\(operation)", "*")]
            }
        case "iam":
            let iam = "arn:aws:iam::\(account):"
            let resource: String
            if let arn = p["PolicyArn"] {
                resource = arn
            } else if let user = p["UserName"] {
                resource = iam + "user/" + user
            } else if let role = p["RoleName"] {
                resource = iam + "role/" + role
            } else if let group = p["GroupName"] {
                resource = iam + "group/" + group
            } else if operation == "CreatePolicy", let name = p["PolicyName"] {
                resource = iam + "policy" + (p["Path"] ?? "/") + name
            } else if operation == "SimulatePrincipalPolicy", let source = p["PolicySourceArn"] {
                resource = source
            } else {
                resource = "*"
            }
            return [AuthorizationTarget("iam:\(operation)", resource)]
        default:
            return [AuthorizationTarget("\(service):\(operation)", "*")]
        }
    }

    // MARK: SQS

    /// `sqs:Operation` on the queue's ARN (from its URL's last two path segments, or its name);
    /// ListQueues and the move-task listing of a queue act on `*` / the source queue.
    static func sqs(_ operation: String, queueURL: String?, queueName: String?, sourceArn: String?,
                    account: String, region: String) -> AuthorizationTarget {
        var resource = "*"
        if let queueURL {
            let parts = queueURL.split(separator: "?").first.map { $0.split(separator: "/") } ?? []
            if parts.count >= 2 {
                let owner = String(parts[parts.count - 2])
                resource = "arn:aws:sqs:\(region):\(owner.allSatisfy(\.isNumber) ? owner : account):\(parts[parts.count - 1])"
            }
        } else if let queueName {
            resource = "arn:aws:sqs:\(region):\(account):\(queueName)"
        } else if let sourceArn {
            resource = sourceArn
        }
        return AuthorizationTarget("sqs:\(operation)", resource)
    }

    // MARK: Kinesis

    /// `kinesis:Operation` on the stream's ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`),
    /// from StreamARN, ResourceARN or StreamName; GetRecords names its stream only inside the
    /// shard iterator (Petrel's iterators carry the stream's name). Listing acts on `*`.
    static func kinesis(_ operation: String, _ body: JSONValue?, account: String, region: String) -> AuthorizationTarget {
        let action = "kinesis:\(operation)"
        // Consumer operations act on the consumer (`…:stream/NAME/consumer/CNAME:CREATED`).
        if let arn = body?["ConsumerARN"]?.stringValue { return AuthorizationTarget(action, arn) }
        if let arn = body?["StreamARN"]?.stringValue ?? body?["ResourceARN"]?.stringValue { return AuthorizationTarget(action, arn) }
        var name = body?["StreamName"]?.stringValue
        if name == nil, operation == "GetRecords", let iterator = body?["ShardIterator"]?.stringValue,
           let data = Data(base64Encoded: iterator), let text = String(data: data, encoding: .utf8) {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            if parts.count == 8, parts[0] == "v1" { name = String(parts[6]) }
        }
        guard let name else { return AuthorizationTarget(action, "*") }
        return AuthorizationTarget(action, "arn:aws:kinesis:\(region):\(account):stream/\(name)")
    }
}
