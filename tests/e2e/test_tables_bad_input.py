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


# --- Deep and oversized input (issue 12, finding 1) ---------------------------------------------
# One request once ended the whole server with a stack overflow: an expression parser recursed once
# per nesting level. DynamoDB caps every expression at 4 KB, 300 operators and 32 levels of
# document nesting and answers with a ValidationException; the server must too, and stay up.

DEEP = 20_000
SIZE_EXCEEDED = "Expression size has exceeded the maximum allowed size"


def nested_and(n, leaf="a < b"):
    return f"{leaf} AND (" * n + leaf + ")" * n


def nested_parens(n, leaf="a < b"):
    return "(" * n + leaf + ")" * n


def call(endpoint, operation, body, streams=False):
    prefix = "DynamoDBStreams_20120810." if streams else "DynamoDB_20120810."
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, payload = post(endpoint, prefix + operation, data)
    return status, json.loads(payload) if payload else {}


def assert_validation(endpoint, operation, body, *fragments):
    status, error = call(endpoint, operation, body)
    assert status == 400, (operation, status, str(error)[:300])
    assert error["__type"] == "com.amazonaws.dynamodb.v20120810#ValidationException", error
    for fragment in fragments:
        assert fragment in error["message"], (fragment, error["message"][:300])
    return error["message"]


def assert_canary_works(petrel):
    """The server is alive and a table still works end to end."""
    ddb = petrel.client("dynamodb")
    table = create_table(ddb)
    ddb.put_item(TableName=table, Item={"pk": {"S": "canary"}, "n": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "canary"}})["Item"]["n"] == {"N": "1"}
    assert petrel.proc.poll() is None


def deep_expression_requests(table):
    """(operation, body, kind) for a 20,000-level expression in every place an expression goes."""
    key = {"pk": {"S": "k"}}
    values = {":v": {"S": "v"}}
    out = []
    for shape in (nested_and, nested_parens):
        cond = shape(DEEP)
        out += [
            ("UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET c = :v",
                            "ConditionExpression": cond, "ExpressionAttributeValues": values}, "ConditionExpression"),
            ("PutItem", {"TableName": table, "Item": key, "ConditionExpression": cond}, "ConditionExpression"),
            ("DeleteItem", {"TableName": table, "Key": key, "ConditionExpression": cond}, "ConditionExpression"),
            ("Scan", {"TableName": table, "FilterExpression": cond}, "FilterExpression"),
            ("Query", {"TableName": table, "KeyConditionExpression": "pk = :v", "FilterExpression": cond,
                       "ExpressionAttributeValues": values}, "FilterExpression"),
            ("Query", {"TableName": table, "KeyConditionExpression": shape(DEEP, "pk = :v"),
                       "ExpressionAttributeValues": values}, "KeyConditionExpression"),
            ("TransactWriteItems", {"TransactItems": [{"ConditionCheck": {"TableName": table, "Key": key,
                                                                          "ConditionExpression": cond}}]},
             "ConditionExpression"),
        ]
    out += [
        ("GetItem", {"TableName": table, "Key": key, "ProjectionExpression": "a" + ".a" * DEEP}, "ProjectionExpression"),
        ("Scan", {"TableName": table, "ProjectionExpression": "a" + "[0]" * DEEP}, "ProjectionExpression"),
        ("UpdateItem", {"TableName": table, "Key": key, "ExpressionAttributeValues": values,
                        "UpdateExpression": "SET a = " + "if_not_exists(a, " * DEEP + ":v" + ")" * DEEP}, "UpdateExpression"),
        ("UpdateItem", {"TableName": table, "Key": key, "ExpressionAttributeValues": {":l": {"L": []}},
                        "UpdateExpression": "SET a = " + "list_append(:l, " * DEEP + ":l" + ")" * DEEP}, "UpdateExpression"),
        ("UpdateItem", {"TableName": table, "Key": key, "ExpressionAttributeValues": values,
                        "UpdateExpression": "SET a" + "[0]" * DEEP + " = :v"}, "UpdateExpression"),
        ("UpdateItem", {"TableName": table, "Key": key, "ExpressionAttributeValues": {":n": {"N": "1"}},
                        "UpdateExpression": "SET a = a" + " + a" * DEEP}, "UpdateExpression"),
    ]
    return out


def test_deep_expressions_are_validation_errors_and_the_server_survives(petrel):
    table = create_table(petrel.client("dynamodb"))
    for operation, body, kind in deep_expression_requests(table):
        assert_validation(petrel.endpoint, operation, body, f"Invalid {kind}: {SIZE_EXCEEDED}; expression size: ")
    assert_canary_works(petrel)


def test_deep_expressions_within_4kb_are_bounded(petrel):
    """Under 4 KB, depth is bounded by DynamoDB's 300-operator limit and its redundant-parentheses rule."""
    ddb = petrel.client("dynamodb")
    table = create_table(ddb)
    key = {"pk": {"S": "k"}}
    cases = [
        (nested_parens(2000), "The expression has redundant parentheses;"),
        ("NOT " * 1000 + "a < b", "The expression contains too many operators; operator count: 301"),
        (nested_and(400, "a<b"), "The expression contains too many operators; operator count: 301"),
        ("a = " + "size(" * 600 + "b" + ")" * 600, "Invalid ConditionExpression: "),
        ("a IN (" + ",".join(["b"] * 101) + ")", "The IN operator is provided with too many operands; number of operands: 101"),
    ]
    for cond, fragment in cases:
        assert len(cond.encode()) <= 4096
        assert_validation(petrel.endpoint, "UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET c = d",
                                                          "ConditionExpression": cond}, "Invalid ConditionExpression: ", fragment)
    # The limits themselves: 4,096 bytes is allowed, 4,097 is not; 300 operators are allowed.
    at_limit = "a = b" + " " * (4096 - 5)
    status, _ = call(petrel.endpoint, "Scan", {"TableName": table, "FilterExpression": at_limit})
    assert status == 200
    assert_validation(petrel.endpoint, "Scan", {"TableName": table, "FilterExpression": at_limit + " "},
                      f"Invalid FilterExpression: {SIZE_EXCEEDED}; expression size: 4097")
    three_hundred = " OR ".join(["a = b"] * 150)  # 150 comparisons and 149 ORs
    status, _ = call(petrel.endpoint, "Scan", {"TableName": table, "FilterExpression": three_hundred})
    assert status == 200
    assert_canary_works(petrel)


def deep_json(n, open_, close, leaf="{\"S\":\"x\"}"):
    return (open_ * n + leaf + close * n).encode()


def test_deep_json_and_attribute_values_are_rejected(petrel):
    table = create_table(petrel.client("dynamodb"))
    n = 100_000
    nested_l = deep_json(n, '{"L":[', "]}")
    nested_m = deep_json(n, '{"M":{"a":', "}}")
    bodies = [
        b'{"TableName":"' + table.encode() + b'","Item":{"pk":{"S":"x"},"d":' + nested_l + b"}}",
        b'{"TableName":"' + table.encode() + b'","Item":{"pk":{"S":"x"},"d":' + nested_m + b"}}",
        b'{"TableName":"' + table.encode() + b'","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET d = :v",'
        b'"ExpressionAttributeValues":{":v":' + nested_l + b"}}",
        b"[" * n + b"]" * n,
        b'{"a":' * n + b"1" + b"}" * n,
        b"[" * n,  # malformed as well as deep
    ]
    for body in bodies:
        status, error = call(petrel.endpoint, "PutItem" if b'"Item"' in body else "UpdateItem", body)
        assert status == 400, (status, body[:60], error)
        assert error["__type"].split("#")[1] in ("ValidationException", "SerializationException"), error
    # Just past DynamoDB's 32 levels is a ValidationException with its message; 32 levels are stored.
    for depth, ok in ((31, True), (33, False)):
        body = {"TableName": table, "Item": {"pk": {"S": f"d{depth}"}, "d": json.loads(deep_json(depth, '{"M":{"a":', "}}"))}}
        status, error = call(petrel.endpoint, "PutItem", body)
        if ok:
            assert status == 200, error
        else:
            assert status == 400 and error["message"] == "Nesting Levels have exceeded supported limits", error
    # A nested value built up by an update past 32 levels is refused too.
    deep31 = json.loads(deep_json(31, '{"M":{"a":', "}}"))
    assert_validation(petrel.endpoint, "UpdateItem", {"TableName": table, "Key": {"pk": {"S": "d31"}},
                                                      "UpdateExpression": "SET d.a.a = :v", "ExpressionAttributeValues": {":v": deep31}},
                      "Nesting Levels have exceeded supported limits")
    assert_canary_works(petrel)


def test_many_legacy_conditions_are_bounded(petrel):
    """A legacy Expected or ScanFilter with tens of thousands of entries is answered, not a crash."""
    table = create_table(petrel.client("dynamodb"))
    many = {f"a{i}": {"ComparisonOperator": "NULL"} for i in range(50_000)}
    status, error = call(petrel.endpoint, "PutItem", {"TableName": table, "Item": {"pk": {"S": "x"}}, "Expected": many})
    assert status in (200, 400), error
    status, error = call(petrel.endpoint, "Scan", {"TableName": table, "ScanFilter": many, "ConditionalOperator": "OR"})
    assert status in (200, 400), error
    assert_canary_works(petrel)
