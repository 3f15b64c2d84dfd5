import Foundation
import PetrelCore
import PetrelTrail
import Testing

@Suite struct TrailRecordTests {
    static func call(source: String = "lambda.amazonaws.com", name: String = "CreateFunction20150331", body: String?,
                     path: [String: String] = [:], error: String? = nil) -> APICall {
        APICall(time: Date(timeIntervalSince1970: 1_790_000_000), eventSource: source, eventName: name, region: "us-east-1",
                sourceIPAddress: "127.0.0.1", userAgent: "aws-cli/2",
                identity: CallerIdentity(type: "IAMUser", principalId: "AIDA1", arn: "arn:aws:iam::000000000000:user/ana",
                                         accountId: "000000000000", accessKeyId: "AKIA1", userName: "ana", roleArn: nil),
                body: body.map { Data($0.utf8) }, pathParameters: path, queryParameters: [:], status: error == nil ? 200 : 404,
                errorCode: error, errorMessage: nil, responseBody: nil, requestID: "r1")
    }

    @Test func theRecordHasAWSsShapeAndLeavesCodeOut() throws {
        let record = TrailRecord.build(Self.call(body: #"{"FunctionName":"f","Runtime":"nodejs20.x","Code":{"ZipFile":"UEsDBA=="},"Environment":{"Variables":{"SECRET":"x"}}}"#),
                                       accountID: "000000000000", eventID: "e1")
        #expect(record["eventVersion"] == .string("1.09"))
        #expect(record["eventTime"] == .string("2026-09-21T14:13:20Z"))
        #expect(record["eventType"] == .string("AwsApiCall"))
        #expect(record["managementEvent"] == .bool(true) && record["readOnly"] == .bool(false))
        #expect(record["userIdentity"]?["userName"] == .string("ana"))
        #expect(record["requestParameters"]?["functionName"] == .string("f"))
        #expect(record["requestParameters"]?["runtime"] == .string("nodejs20.x"))
        #expect(record["requestParameters"]?["code"] == .object([:]))
        #expect(record["requestParameters"]?["environment"] == .object([:]))
        #expect(record["resources"] == .array([.object(["type": .string("AWS::Lambda::Function"),
                                                        "ARN": .string("arn:aws:lambda:us-east-1:000000000000:function:f"),
                                                        "accountId": .string("000000000000")])]))
        #expect(record["errorCode"] == nil)
    }

    @Test func itemValuesAreNeverRecorded() {
        let record = TrailRecord.build(Self.call(source: "dynamodb.amazonaws.com", name: "PutItem",
                                                 body: #"{"TableName":"t","Item":{"pk":{"S":"secret"}},"ExpressionAttributeValues":{":v":{"S":"secret"}}}"#),
                                       accountID: "000000000000")
        #expect(record["managementEvent"] == .bool(false) && record["eventCategory"] == .string("Data"))
        #expect(record["requestParameters"] == .object(["tableName": .string("t")]))
    }

    @Test func failuresCarryTheirCode() {
        let record = TrailRecord.build(Self.call(name: "GetFunction20150331", body: nil, path: ["FunctionName": "gone"], error: "ResourceNotFoundException"),
                                       accountID: "000000000000")
        #expect(record["errorCode"] == .string("ResourceNotFoundException"))
        #expect(record["readOnly"] == .bool(true))
        #expect(record["requestParameters"]?["functionName"] == .string("gone"))
    }

    @Test func logFileKeysFollowAWSsLayout() {
        let key = LogFileKey.make(prefix: "logs", account: "000000000000", region: "eu-west-1",
                                  time: Date(timeIntervalSince1970: 1_790_000_000), unique: "ABCDEFGHIJKLMNOP")
        #expect(key == "logs/AWSLogs/000000000000/CloudTrail/eu-west-1/2026/09/21/000000000000_CloudTrail_eu-west-1_20260921T1413Z_ABCDEFGHIJKLMNOP.json.gz")
    }
}
