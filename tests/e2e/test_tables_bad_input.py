"""Bad input never crashes the server or surfaces as a 500: every malformed request gets a 4xx AWS error."""
import json
import urllib.error
import urllib.request

import pytest

from tables_helpers import create_table

OPERATIONS = ["CreateTable", "DescribeTable", "ListTables", "DeleteTable", "UpdateTable", "UpdateTimeToLive",
              "DescribeTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource", "PutItem", "GetItem",
              "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactWriteItems",
              "TransactGetItems"]
STREAM_OPERATIONS = ["ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"]


def bodies(table):
    return [
        b"", b"[]", b"null", b"42", b'"x"', b"{", b'{"TableName": 5}', b'{"TableName": "' + b"x" * 300 + b'"}',
        json.dumps({"TableName": table, "Key": "str", "Item": [], "ExpressionAttributeValues": 3}).encode(),
        json.dumps({"TableName": table, "Item": {"pk": {"S": 1}}}).encode(),
        json.dumps({"TableName": table, "Item": {"pk": {"Q": "1"}}, "Key": {"pk": {}}}).encode(),
        json.dumps({"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET ((", "ConditionExpression": ")"}).encode(),
        json.dumps({"TableName": table, "KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"N": "1e999"}}}).encode(),
        json.dumps({"TableName": table, "Limit": -1, "Segment": 5, "TotalSegments": 2, "ExclusiveStartKey": {"zz": {"S": "a"}}}).encode(),
        json.dumps({"RequestItems": {table: {"Keys": [{}]}}, "TransactItems": [{"Put": 1}], "ResourceArn": "arn:x"}).encode(),
        json.dumps({"RequestItems": {table: [{"PutRequest": {"Item": {"pk": {"L": [{"M": {"x": {"NS": []}}}]}}}}]}}).encode(),
        json.dumps({"TableName": table, "Item": {"pk": {"S": "d"}, "deep": json.loads('{"L":[' * 100 + ']}' * 100)}}).encode(),
        json.dumps({"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/1", "ShardId": "s",
                    "ShardIteratorType": "LATEST", "ShardIterator": "AAAA", "Limit": 0}).encode(),
        "{\"TableName\": \"\udcff\"}".encode("utf-8", "surrogatepass"),
    ]


def post(endpoint, target, body):
    req = urllib.request.Request(endpoint + "/", data=body, method="POST",
                                 headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.parametrize("operation", OPERATIONS + STREAM_OPERATIONS)
def test_malformed_requests_get_client_errors(petrel, operation):
    table = create_table(petrel.client("dynamodb"))
    prefix = "DynamoDBStreams_20120810." if operation in STREAM_OPERATIONS else "DynamoDB_20120810."
    for body in bodies(table):
        status, payload = post(petrel.endpoint, prefix + operation, body)
        assert status < 500, (operation, body[:80], payload[:300])
        if status >= 400:
            error = json.loads(payload)
            assert error["__type"].startswith("com.amazonaws.dynamodb.v20120810#")
            assert "ServiceException" not in error["__type"]
    # The server is still alive and well.
    assert post(petrel.endpoint, "DynamoDB_20120810.ListTables", b"{}")[0] == 200
