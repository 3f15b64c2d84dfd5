"""DynamoDB's edge semantics: validation messages and shapes that real code and SDKs depend on
(issue 13). Each expectation is DynamoDB's documented or observed answer."""
import json
import urllib.request

import boto3
import pytest
from botocore.config import Config

from tables_helpers import create_table, error_of, unique


def raw_client(petrel, service):
    """A client that sends what it is given: the server, not botocore, must refuse it."""
    return boto3.client(service, endpoint_url=petrel.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(parameter_validation=False, retries={"max_attempts": 0}))


def test_table_arn_works_wherever_a_table_name_goes(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.transact_write_items(TransactItems=[{"Update": {"TableName": arn, "Key": {"pk": {"S": "a"}},
                                                        "UpdateExpression": "SET v = :v",
                                                        "ExpressionAttributeValues": {":v": {"S": "1"}}}}])
    assert ddb.scan(TableName=arn)["Items"] == [{"pk": {"S": "a"}, "v": {"S": "1"}}]
    assert ddb.get_item(TableName=arn, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "1"}
    got = ddb.batch_get_item(RequestItems={arn: {"Keys": [{"pk": {"S": "a"}}]}})["Responses"]
    assert list(got) == [arn]


def test_condition_failure_returns_the_old_item_with_dynamodbs_member_names(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "body": {"S": "x"}})
    code, message, response = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "k"}},
                                       ConditionExpression="attribute_not_exists(body)",
                                       ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert response["Item"] == {"pk": {"S": "k"}, "body": {"S": "x"}}
    assert "message" not in response  # DynamoDB spells it "Message" when it returns the item
    _, _, response = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "k"}},
                              ConditionExpression="attribute_not_exists(body)")
    assert response["message"] == "The conditional request failed" and "Item" not in response


@pytest.mark.parametrize("kwargs, message", [
    (dict(FilterExpression="a = a"), "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"),
    (dict(FilterExpression="begins_with(a, :n)", ExpressionAttributeValues={":n": {"N": "1"}}),
     "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
    (dict(FilterExpression="size(size(a)) > :n", ExpressionAttributeValues={":n": {"N": "1"}}),
     "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"),
    (dict(FilterExpression="attribute_type(a, b)"),
     "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"),
    (dict(FilterExpression="attribute_type(a, :n)", ExpressionAttributeValues={":n": {"N": "1"}}),
     "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"),
    (dict(FilterExpression="a BETWEEN :n AND :s", ExpressionAttributeValues={":n": {"N": "1"}, ":s": {"S": "x"}}),
     "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}"),
    (dict(FilterExpression="((a = :n))", ExpressionAttributeValues={":n": {"N": "1"}}),
     "Invalid FilterExpression: The expression has redundant parentheses;"),
    (dict(Select="SPECIFIC_ATTRIBUTES"), "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
    (dict(Select="COUNT", AttributesToGet=["a"]), "Cannot specify the AttributesToGet when choosing to get COUNT"),
    (dict(TotalSegments=2), "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"),
    (dict(FilterExpression="a = :v", ExpressionAttributeValues={":v": {"S": "x"}, "bad": {"S": "y"}}),
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"'),
])
def test_scan_validation(petrel, kwargs, message):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    code, got, _ = error_of(ddb.scan, TableName=name, **kwargs)
    assert (code, got) == ("ValidationException", message)


def test_missing_attributes_compare_false_not_invalid(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "s": {"S": "text"}})
    for expression, values in (("gone < :n", {":n": {"N": "1"}}), ("s < :n", {":n": {"N": "1"}}),
                               ("size(gone) > :n", {":n": {"N": "1"}}), ("begins_with(gone, :s)", {":s": {"S": "t"}})):
        out = ddb.scan(TableName=name, FilterExpression=expression, ExpressionAttributeValues=values)
        assert out["Count"] == 0, expression


def test_create_table_validation(petrel):
    ddb = petrel.client("dynamodb")
    base = dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")
    code, message, _ = error_of(ddb.create_table, TableName=unique(), KeySchema=[
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "SORT"}], **base)
    assert message == ("1 validation error detected: Value 'SORT' at 'keySchema.2.member.keyType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [HASH, RANGE]")
    code, message, _ = error_of(ddb.create_table, TableName=unique(), KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], **base)
    assert message == ("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
                       "number of attributes defined in AttributeDefinitions")
    code, message, _ = error_of(ddb.create_table, TableName=unique(), KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] * 2, BillingMode="PAY_PER_REQUEST")
    assert message == "Cannot have two attributes with the same name. Attribute name: pk"


def test_delete_table_returns_the_short_description(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb, range_key="sk", stream="NEW_IMAGE")
    d = ddb.delete_table(TableName=name)["TableDescription"]
    assert d["TableName"] == name and d["TableStatus"] == "DELETING"
    assert d["ItemCount"] == 0 and d["TableSizeBytes"] == 0 and "ProvisionedThroughput" in d
    assert "KeySchema" not in d and "AttributeDefinitions" not in d and "StreamSpecification" not in d


@pytest.mark.parametrize("tags, message", [
    ([{"Key": "", "Value": "v"}], "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ([{"Key": "k" * 129, "Value": "v"}], f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"),
    ([{"Key": "ok", "Value": "v" * 257}], f"1 validation error detected: Value '{'v' * 257}' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"),
    ([{"Key": "a", "Value": "b"}, {"Key": "bad#key", "Value": "v"}], "at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern"),
])
def test_tag_validation(petrel, tags, message):
    ddb = raw_client(petrel, "dynamodb")
    arn = ddb.describe_table(TableName=create_table(ddb))["Table"]["TableArn"]
    code, got, _ = error_of(ddb.tag_resource, ResourceArn=arn, Tags=tags)
    assert code == "ValidationException" and message in got


def test_tags_need_a_table_arn(petrel):
    ddb = petrel.client("dynamodb")
    arn = ddb.describe_table(TableName=create_table(ddb))["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": ""}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": ""}]
    code, _, _ = error_of(ddb.tag_resource, ResourceArn=arn + "/index/gsi", Tags=[{"Key": "a", "Value": "b"}])
    assert code == "ValidationException"
    code, _, _ = error_of(ddb.tag_resource, ResourceArn=arn.replace(arn.split("/")[-1], "nope-" + unique()), Tags=[{"Key": "a", "Value": "b"}])
    assert code == "ResourceNotFoundException"


def test_update_time_to_live_validation(petrel):
    ddb = raw_client(petrel, "dynamodb")
    name = create_table(ddb)
    code, message, _ = error_of(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ""})
    assert message == "TimeToLiveSpecification.AttributeName must be non empty"
    code, message, _ = error_of(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "a" * 256})
    assert "at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255" in message
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    code, message, _ = error_of(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert (code, message) == ("ValidationException", "TimeToLive is already enabled")


def test_stream_paging_and_validation(petrel):
    ddb = petrel.client("dynamodb")
    streams = raw_client(petrel, "dynamodbstreams")
    name = create_table(ddb, stream="KEYS_ONLY")
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]["Shards"]
    assert len(shards) == 1
    after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shards[0]["ShardId"])["StreamDescription"]
    assert after["Shards"] == [] and "LastEvaluatedShardId" not in after
    code, message, _ = error_of(streams.describe_stream, StreamArn=arn, Limit=101)
    assert message == "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"
    code, message, _ = error_of(streams.list_streams, Limit=0)
    assert message == "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    code, message, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId="short", ShardIteratorType="LATEST")
    assert message == "1 validation error detected: Value 'short' at 'shardId' failed to satisfy constraint: Member must have length greater than or equal to 28"
    code, message, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shards[0]["ShardId"],
                                ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="12")
    assert message.endswith("Member must have length greater than or equal to 21")


def test_cors_preflight_on_the_dynamodb_endpoint(petrel):
    req = urllib.request.Request(petrel.endpoint + "/", method="OPTIONS", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,authorization,x-amz-date"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:3000")
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "x-amz-target" in r.headers["Access-Control-Allow-Headers"].lower()
    req = urllib.request.Request(petrel.endpoint + "/", data=b"{}", method="POST", headers={
        "Origin": "http://localhost:3000", "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "TableNames" in json.load(r)


@pytest.mark.parametrize("expected, message", [
    ({"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": True}]}},
     "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type"),
    ({"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"SS": ["x"]}]}},
     "One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for SS AttributeValue type"),
    ({"a": {"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "x"}]}},
     "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator"),
    ({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "2"}, {"N": "1"}]}},
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"),
    ({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"S": "x"}]}},
     "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"),
    ({"a": {"ComparisonOperator": "EQ", "Exists": True, "AttributeValueList": [{"S": "x"}]}},
     "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"),
    ({"a": {"AttributeValueList": [{"S": "x"}]}},
     "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
    ({"a": {}}, "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a"),
])
def test_legacy_expected_validation(petrel, expected, message):
    ddb = raw_client(petrel, "dynamodb")
    name = create_table(ddb)
    code, got, _ = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "k"}}, Expected=expected)
    assert (code, got) == ("ValidationException", message)


def test_legacy_expected_value_with_a_comparison_operator(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"N": "5"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"N": "6"}},
                 Expected={"a": {"ComparisonOperator": "EQ", "Value": {"N": "5"}}})
    code, _, _ = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "k"}},
                          Expected={"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "6"}]}})
    assert code == "ConditionalCheckFailedException"


def test_select_on_a_keys_only_index(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb, extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexes=[
        {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "g": {"S": "x"}, "other": {"S": "y"}})
    query = dict(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "x"}})
    assert ddb.query(**query)["Items"] == [{"pk": {"S": "k"}, "g": {"S": "x"}}]
    code, message, _ = error_of(ddb.query, Select="ALL_ATTRIBUTES", **query)
    assert message == ("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
                       "secondary index by-g because its projection type is not ALL")


def test_parallel_scan_pages_within_its_segment(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    for i in range(40):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"item{i}"}})
    seen = []
    for segment in range(4):
        start = None
        while True:
            kwargs = dict(TableName=name, Segment=segment, TotalSegments=4, Limit=3)
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = ddb.scan(**kwargs)
            seen += [item["pk"]["S"] for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert sorted(seen) == sorted(f"item{i}" for i in range(40))
    # A key of segment s given to another segment is refused, naming s.
    for segment in range(4):
        items = ddb.scan(TableName=name, Segment=segment, TotalSegments=4)["Items"]
        if items:
            other = (segment + 1) % 4
            code, message, _ = error_of(ddb.scan, TableName=name, Segment=other, TotalSegments=4,
                                        ExclusiveStartKey={"pk": items[0]["pk"]})
            assert code == "ValidationException"
            assert message == ("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey "
                               f"with correct Segment. TotalSegments: 4 Segment: {segment}")
            break


def test_describe_endpoints_answers_like_dynamodb(petrel):
    endpoints = petrel.client("dynamodb").describe_endpoints()["Endpoints"]
    assert endpoints == [{"Address": "dynamodb.us-east-1.amazonaws.com", "CachePeriodInMinutes": 1440}]


@pytest.mark.parametrize("text, stored", [
    ("-0", "0"), ("00012", "12"), (".5", "0.5"), ("1E5", "100000"), ("1e-130", "0." + "0" * 129 + "1"),
    ("9.9999999999999999999999999999999999999e125", "99999999999999999999999999999999999999" + "0" * 88),
])
def test_number_edge_cases_are_normalised(petrel, text, stored):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "n"}, "v": {"N": text}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "n"}})["Item"]["v"] == {"N": stored}


@pytest.mark.parametrize("text, message", [
    ("1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
    ("NaN", "A value provided cannot be converted into a number"),
    (" 1", "A value provided cannot be converted into a number"),
])
def test_number_limits(petrel, text, message):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "n"}, "v": {"N": text}})[:2] == ("ValidationException", message)


def test_overlapping_projection_paths(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    code, message, _ = error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "k"}}, ProjectionExpression="a.b, a")
    assert message == ("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of "
                       "these paths; path one: [a, b], path two: [a]")
    code, message, _ = error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "k"}}, ProjectionExpression="a[0], a.b")
    assert message == ("Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of "
                       "these paths; path one: [a, [0]], path two: [a, b]")


def test_attribute_names_are_at_most_64_kb(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n" * 65535: {"S": "ok"}, "m": {"M": {"k" * 65535: {"S": "ok"}}}})
    for item in ({"pk": {"S": "b"}, "n" * 65536: {"S": "x"}}, {"pk": {"S": "b"}, "m": {"M": {"k" * 65536: {"S": "x"}}}}):
        code, message, _ = error_of(ddb.put_item, TableName=name, Item=item)
        assert (code, message) == ("ValidationException", "1 validation error detected: Attribute name is too large, must be less than 65536 bytes")
    code, message, _ = error_of(ddb.update_item, TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET #n = :v",
                                ExpressionAttributeNames={"#n": "n" * 65536}, ExpressionAttributeValues={":v": {"S": "x"}})
    assert message == "1 validation error detected: Attribute name is too large, must be less than 65536 bytes"


def test_transaction_cancelled_spells_message_as_its_model_does(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    code, message, response = error_of(ddb.transact_write_items, TransactItems=[{"ConditionCheck": {
        "TableName": name, "Key": {"pk": {"S": "nope"}}, "ConditionExpression": "attribute_exists(pk)"}}])
    assert code == "TransactionCanceledException"
    assert response["Message"] == message == "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed]"
    assert response["CancellationReasons"] == [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]


def test_multi_attribute_gsi_keys(petrel):
    """A GSI keyed on two partition and two sort attributes (DynamoDB, November 2025)."""
    ddb = petrel.client("dynamodb")
    name = create_table(ddb, extra_definitions=[
        {"AttributeName": "tenant", "AttributeType": "S"}, {"AttributeName": "area", "AttributeType": "S"},
        {"AttributeName": "dt", "AttributeType": "S"}, {"AttributeName": "seq", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-tenant", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "tenant", "KeyType": "HASH"}, {"AttributeName": "area", "KeyType": "HASH"},
            {"AttributeName": "dt", "KeyType": "RANGE"}, {"AttributeName": "seq", "KeyType": "RANGE"}]}])
    index = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert [e["KeyType"] for e in index["KeySchema"]] == ["HASH", "HASH", "RANGE", "RANGE"]
    rows = [("t1", "eu", "2026-01-02", 3), ("t1", "eu", "2026-01-02", 20), ("t1", "eu", "2026-01-01", 7),
            ("t1", "us", "2026-01-02", 1), ("t2", "eu", "2026-01-02", 1)]
    for i, (tenant, area, dt, seq) in enumerate(rows):
        ddb.put_item(TableName=name, Item={"pk": {"S": str(i)}, "tenant": {"S": tenant}, "area": {"S": area},
                                           "dt": {"S": dt}, "seq": {"N": str(seq)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "sparse"}, "tenant": {"S": "t1"}, "area": {"S": "eu"}, "dt": {"S": "2026-01-02"}})

    def query(condition, **values):
        out, start = [], None
        while True:
            kwargs = dict(TableName=name, IndexName="by-tenant", KeyConditionExpression=condition, Limit=1, ScanIndexForward=False,
                          ExpressionAttributeValues={":" + k: ({"N": str(v)} if isinstance(v, int) else {"S": v}) for k, v in values.items()})
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = ddb.query(**kwargs)
            out += [(i["dt"]["S"], int(i["seq"]["N"])) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                return out

    assert query("tenant = :t AND area = :r", t="t1", r="eu") == [("2026-01-02", 20), ("2026-01-02", 3), ("2026-01-01", 7)]
    assert query("tenant = :t AND area = :r AND dt = :d AND seq > :s", t="t1", r="eu", d="2026-01-02", s=3) == [("2026-01-02", 20)]
    assert query("tenant = :t AND area = :r AND begins_with(dt, :d)", t="t1", r="eu", d="2026-01-0") == [
        ("2026-01-02", 20), ("2026-01-02", 3), ("2026-01-01", 7)]
    code, message, _ = error_of(ddb.query, TableName=name, IndexName="by-tenant", KeyConditionExpression="tenant = :t AND area = :r AND seq = :s",
                                ExpressionAttributeValues={":t": {"S": "t1"}, ":r": {"S": "eu"}, ":s": {"N": "1"}})
    assert code == "ValidationException" and "dt" in message
    code, message, _ = error_of(ddb.query, TableName=name, IndexName="by-tenant", KeyConditionExpression="tenant = :t",
                                ExpressionAttributeValues={":t": {"S": "t1"}})
    assert message == "Query condition missed key schema element: area"
