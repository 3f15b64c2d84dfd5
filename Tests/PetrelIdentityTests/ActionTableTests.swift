import Foundation
import PetrelCore
import PetrelIdentity
import Testing

@Suite struct ActionTableTests {
    static let a = "000000000000"
    static let r = "us-east-1"

    static let cases: [(String, APIRequest, [AuthorizationTarget])] = [
        ("invoke", .lambda(method: "POST", segments: ["2015-03-31", "functions", "hello", "invocations"], query: [:], body: nil),
         [AuthorizationTarget("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:hello")]),
        ("invoke with qualifier", .lambda(method: "POST", segments: ["2015-03-31", "functions", "hello", "invocations"], query: ["Qualifier": "live"], body: nil),
         [AuthorizationTarget("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:hello:live")]),
        ("invoke by ARN", .lambda(method: "POST", segments: ["2015-03-31", "functions", "arn:aws:lambda:us-east-1:000000000000:function:hello:3", "invocations"], query: [:], body: nil),
         [AuthorizationTarget("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:hello:3")]),
        ("create function", .lambda(method: "POST", segments: ["2015-03-31", "functions"], query: [:], body: .object(["FunctionName": .string("f")])),
         [AuthorizationTarget("lambda:CreateFunction", "arn:aws:lambda:us-east-1:000000000000:function:f")]),
        ("list functions", .lambda(method: "GET", segments: ["2015-03-31", "functions"], query: [:], body: nil), [AuthorizationTarget("lambda:ListFunctions", "*")]),
        ("update code", .lambda(method: "PUT", segments: ["2015-03-31", "functions", "f", "code"], query: [:], body: nil),
         [AuthorizationTarget("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:000000000000:function:f")]),
        ("event source mapping", .lambda(method: "POST", segments: ["2015-03-31", "event-source-mappings"], query: [:], body: .object(["FunctionName": .string("f")])),
         [AuthorizationTarget("lambda:CreateEventSourceMapping", "*", context: ["lambda:functionarn": ["arn:aws:lambda:us-east-1:000000000000:function:f"]])]),
        ("put item", .json(target: "DynamoDB_20120810.PutItem", body: .object(["TableName": .string("vouchers"), "Item": .object(["code": .null])])),
         [AuthorizationTarget("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/vouchers", context: ["dynamodb:attributes": ["code"]])]),
        ("query an index", .json(target: "DynamoDB_20120810.Query", body: .object(["TableName": .string("t"), "IndexName": .string("byDate")])),
         [AuthorizationTarget("dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/byDate")]),
        ("list tables", .json(target: "DynamoDB_20120810.ListTables", body: .object([:])), [AuthorizationTarget("dynamodb:ListTables", "*")]),
        ("batch write", .json(target: "DynamoDB_20120810.BatchWriteItem", body: .object(["RequestItems": .object(["b": .array([]), "a": .array([])])])),
         [AuthorizationTarget("dynamodb:BatchWriteItem", "arn:aws:dynamodb:us-east-1:000000000000:table/a"),
          AuthorizationTarget("dynamodb:BatchWriteItem", "arn:aws:dynamodb:us-east-1:000000000000:table/b")]),
        ("transact write", .json(target: "DynamoDB_20120810.TransactWriteItems", body: .object(["TransactItems": .array([
            .object(["Put": .object(["TableName": .string("a")])]), .object(["Update": .object(["TableName": .string("b")])]),
            .object(["ConditionCheck": .object(["TableName": .string("a")])])])])),
         [AuthorizationTarget("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/a"),
          AuthorizationTarget("dynamodb:UpdateItem", "arn:aws:dynamodb:us-east-1:000000000000:table/b"),
          AuthorizationTarget("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:us-east-1:000000000000:table/a")]),
        ("get records", .json(target: "DynamoDBStreams_20120810.GetRecords",
                              body: .object(["ShardIterator": .string("MXwwfDB8c2hhcmQtMHxhcm46YXdzOmR5bmFtb2RiOnVzLWVhc3QtMTowMDAwMDAwMDAwMDA6dGFibGUvdC9zdHJlYW0vMjAyNi0wMS0wMVQwMDowMDowMC4wMDA=")])),
         [AuthorizationTarget("dynamodb:GetRecords", "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000")]),
        ("describe stream", .json(target: "DynamoDBStreams_20120810.DescribeStream", body: .object(["StreamArn": .string("arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x")])),
         [AuthorizationTarget("dynamodb:DescribeStream", "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x")]),
        ("put log events", .json(target: "Logs_20140328.PutLogEvents", body: .object(["logGroupName": .string("/aws/lambda/f"), "logStreamName": .string("s")])),
         [AuthorizationTarget("logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:log-stream:s")]),
        ("create log group", .json(target: "Logs_20140328.CreateLogGroup", body: .object(["logGroupName": .string("g")])),
         [AuthorizationTarget("logs:CreateLogGroup", "arn:aws:logs:us-east-1:000000000000:log-group:g:*")]),
        ("sqs send (JSON)", .json(target: "AmazonSQS.SendMessage", body: .object(["QueueUrl": .string("http://127.0.0.1:4566/000000000000/jobs")])),
         [AuthorizationTarget("sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:jobs")]),
        ("sqs create (query)", .query(service: "sqs", parameters: ["Action": "CreateQueue", "QueueName": "jobs.fifo"]),
         [AuthorizationTarget("sqs:CreateQueue", "arn:aws:sqs:us-east-1:000000000000:jobs.fifo")]),
        ("sqs list", .json(target: "AmazonSQS.ListQueues", body: .object([:])), [AuthorizationTarget("sqs:ListQueues", "*")]),
        ("kinesis put by name", .json(target: "Kinesis_20131202.PutRecord", body: .object(["StreamName": .string("clicks")])),
         [AuthorizationTarget("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:000000000000:stream/clicks")]),
        ("kinesis by ARN", .json(target: "Kinesis_20131202.DescribeStreamSummary", body: .object(["StreamARN": .string("arn:aws:kinesis:eu-west-1:000000000000:stream/x")])),
         [AuthorizationTarget("kinesis:DescribeStreamSummary", "arn:aws:kinesis:eu-west-1:000000000000:stream/x")]),
        ("kinesis get records names the iterator's stream",
         .json(target: "Kinesis_20131202.GetRecords", body: .object(["ShardIterator": .string(Data("v1|1|2|0|5|6|clicks|abc".utf8).base64EncodedString())])),
         [AuthorizationTarget("kinesis:GetRecords", "arn:aws:kinesis:us-east-1:000000000000:stream/clicks")]),
        ("kinesis subscribe acts on the consumer",
         .json(target: "Kinesis_20131202.SubscribeToShard", body: .object(["ConsumerARN": .string("arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/app:1764000000")])),
         [AuthorizationTarget("kinesis:SubscribeToShard", "arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/app:1764000000")]),
        ("kinesis list", .json(target: "Kinesis_20131202.ListStreams", body: .object([:])), [AuthorizationTarget("kinesis:ListStreams", "*")]),
        ("metrics", .cloudWatch(operation: "GetMetricStatistics"), [AuthorizationTarget("cloudwatch:GetMetricStatistics", "*")]),
        ("iam create user", .query(service: "iam", parameters: ["Action": "CreateUser", "UserName": "alice"]),
         [AuthorizationTarget("iam:CreateUser", "arn:aws:iam::000000000000:user/alice")]),
        ("sts assume role is decided by STS with the trust policy", .query(service: "sts", parameters: ["Action": "AssumeRole", "RoleArn": "arn:aws:iam::000000000000:role/r"]), []),
        ("session tokens need no permission", .query(service: "sts", parameters: ["Action": "GetSessionToken"]), []),
        ("get caller identity needs no permission", .query(service: "sts", parameters: ["Action": "GetCallerIdentity"]), []),
    ]

    @Test(arguments: cases)
    func mapsOperations(name: String, request: APIRequest, expected: [AuthorizationTarget]) {
        #expect(ActionTable.targets(for: request, account: Self.a, region: Self.r) == expected, "\(name)")
    }
}

@Suite struct LeadingKeysTests {
    static func hashKey(_ table: String) -> String? { table == "notes" ? "owner" : nil }

    @Test(arguments: [
        ("GetItem", #"{"TableName":"notes","Key":{"owner":{"S":"alice"},"id":{"N":"1"}}}"#, ["alice"]),
        ("PutItem", #"{"TableName":"notes","Item":{"owner":{"S":"bob"},"id":{"N":"2"}}}"#, ["bob"]),
        ("Query", ##"{"TableName":"notes","KeyConditionExpression":"#o = :who AND id > :n","ExpressionAttributeNames":{"#o":"owner"},"ExpressionAttributeValues":{":who":{"S":"carol"},":n":{"N":"0"}}}"##, ["carol"]),
        ("Query", #"{"TableName":"notes","KeyConditionExpression":"owner = :w","ExpressionAttributeValues":{":w":{"S":"dan"}}}"#, ["dan"]),
        ("Query", #"{"TableName":"notes","KeyConditions":{"owner":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"erin"}]}}}"#, ["erin"]),
        ("BatchGetItem", #"{"RequestItems":{"notes":{"Keys":[{"owner":{"S":"b"}},{"owner":{"S":"a"}},{"owner":{"S":"a"}}]}}}"#, ["a", "b"]),
        ("BatchWriteItem", #"{"RequestItems":{"notes":[{"PutRequest":{"Item":{"owner":{"S":"x"}}}},{"DeleteRequest":{"Key":{"owner":{"S":"y"}}}}]}}"#, ["x", "y"]),
        ("GetItem", #"{"TableName":"other","Key":{"owner":{"S":"alice"}}}"#, nil),
        ("Scan", #"{"TableName":"notes"}"#, nil),
    ] as [(String, String, [String]?)])
    func leadingKeys(operation: String, body: String, expected: [String]?) throws {
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
        let targets = ActionTable.targets(for: .json(target: "DynamoDB_20120810.\(operation)", body: json), account: "1", region: "r", hashKey: { Self.hashKey($0) })
        #expect(targets.first?.context["dynamodb:leadingkeys"] == expected)
    }
}
