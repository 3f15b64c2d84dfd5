"""Item operations over boto3: put/get/update/delete with conditions and ReturnValues, types, limits."""
from decimal import Decimal

import pytest

from tables_helpers import create_table, error_of, unique


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


@pytest.fixture(scope="module")
def table(ddb):
    return create_table(ddb)


def test_put_get_roundtrip_all_types(ddb, table):
    item = {
        "pk": {"S": "types"}, "s": {"S": "héllo"}, "n": {"N": "12.500"}, "b": {"B": b"\x00\xff"},
        "t": {"BOOL": True}, "z": {"NULL": True}, "l": {"L": [{"N": "1"}, {"S": "x"}]},
        "m": {"M": {"inner": {"SS": ["a", "b"]}}}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"a", b"b"]},
    }
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "types"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "12.5"}
    assert got["b"] == {"B": b"\x00\xff"}
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert got["m"]["M"]["inner"]["SS"] == ["a", "b"]
    assert got["z"] == {"NULL": True}


def test_get_missing_item_returns_no_item(ddb, table):
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "nope"}})


def test_projection_expression(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "proj"}, "a": {"M": {"b": {"L": [{"N": "1"}, {"N": "2"}]}, "c": {"S": "x"}}}, "d": {"S": "y"}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "proj"}}, ProjectionExpression="a.b[1], #d", ExpressionAttributeNames={"#d": "d"})["Item"]
    assert got == {"a": {"M": {"b": {"L": [{"N": "2"}]}}}, "d": {"S": "y"}}


def test_numbers_are_exact_with_38_digits(ddb, table):
    big = "12345678901234567890123456789012345678"
    ddb.put_item(TableName=table, Item={"pk": {"S": "num"}, "v": {"N": big}})
    r = ddb.update_item(TableName=table, Key={"pk": {"S": "num"}}, UpdateExpression="SET v = v - :one",
                        ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    assert r["Attributes"]["v"]["N"] == "12345678901234567890123456789012345677"
    code, msg, _ = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "num"}, "v": {"N": "1E126"}})
    assert code == "ValidationException" and "Number overflow" in msg
    code, msg, _ = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "num"}, "v": {"N": "1" * 39}})
    assert "38 significant digits" in msg


def test_condition_expression_and_return_values_on_failure(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "cond"}, "v": {"N": "1"}})
    code, msg, resp = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "cond"}, "v": {"N": "2"}},
                               ConditionExpression="attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert code == "ConditionalCheckFailedException"
    assert msg == "The conditional request failed"
    assert resp["Item"] == {"pk": {"S": "cond"}, "v": {"N": "1"}}
    r = ddb.put_item(TableName=table, Item={"pk": {"S": "cond"}, "v": {"N": "3"}}, ConditionExpression="v = :one",
                     ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"]["v"] == {"N": "1"}


def test_update_item_actions_and_return_values(ddb, table):
    key = {"pk": {"S": "upd"}}
    r = ddb.update_item(TableName=table, Key=key,
                        UpdateExpression="SET c = if_not_exists(c, :zero) + :one, l = list_append(if_not_exists(l, :empty), :l) ADD tags :t",
                        ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}, ":empty": {"L": []}, ":l": {"L": [{"S": "a"}]}, ":t": {"SS": ["x", "y"]}},
                        ReturnValues="ALL_NEW")
    assert r["Attributes"]["c"] == {"N": "1"}
    r = ddb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE l[0] DELETE tags :t SET c = c + :one",
                        ExpressionAttributeValues={":t": {"SS": ["x"]}, ":one": {"N": "1"}}, ReturnValues="UPDATED_OLD")
    assert r["Attributes"] == {"l": {"L": [{"S": "a"}]}, "tags": {"SS": ["x", "y"]}, "c": {"N": "1"}}
    item = ddb.get_item(TableName=table, Key=key)["Item"]
    assert item["tags"] == {"SS": ["y"]} and item["l"] == {"L": []} and item["c"] == {"N": "2"}


def test_update_cannot_touch_key(ddb, table):
    code, msg, _ = error_of(ddb.update_item, TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression="SET pk = :v",
                            ExpressionAttributeValues={":v": {"S": "x"}})
    assert msg == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"


def test_delete_with_condition_and_return_values(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "del"}, "v": {"N": "5"}})
    code, _, _ = error_of(ddb.delete_item, TableName=table, Key={"pk": {"S": "del"}}, ConditionExpression="v > :x",
                          ExpressionAttributeValues={":x": {"N": "10"}})
    assert code == "ConditionalCheckFailedException"
    r = ddb.delete_item(TableName=table, Key={"pk": {"S": "del"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"]["v"] == {"N": "5"}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "del"}})


@pytest.mark.parametrize("kwargs, message", [
    (dict(Item={"pk": {"N": "1"}}), "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    (dict(Item={"other": {"S": "1"}}), "One or more parameter values were invalid: Missing the key pk in the item"),
    (dict(Item={"pk": {"S": ""}}), "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
    (dict(Item={"pk": {"S": "a"}, "s": {"SS": []}}), "One or more parameter values were invalid: An string set  may not be empty"),
    (dict(Item={"pk": {"S": "a"}}, ConditionExpression="a = :v"), "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"),
    (dict(Item={"pk": {"S": "a"}}, ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":u": {"S": "x"}}),
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:u}"),
    (dict(Item={"pk": {"S": "a"}}, ConditionExpression="name = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
    (dict(Item={"pk": {"S": "a"}}, ConditionExpression="a = = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
    (dict(Item={"pk": {"S": "a"}, "big": {"S": "x" * 410000}}), "Item size has exceeded the maximum allowed size"),
])
def test_validation_errors(ddb, table, kwargs, message):
    code, msg, _ = error_of(ddb.put_item, TableName=table, **kwargs)
    assert (code, msg) == ("ValidationException", message)


def test_key_schema_mismatch_and_missing_table(ddb, table):
    code, msg, _ = error_of(ddb.get_item, TableName=table, Key={"pk": {"S": "a"}, "extra": {"S": "b"}})
    assert msg == "The provided key element does not match the schema"
    code, msg, _ = error_of(ddb.get_item, TableName="no-such-table", Key={"pk": {"S": "a"}})
    assert code == "ResourceNotFoundException" and msg == "Requested resource not found"


def test_overlapping_update_paths_rejected(ddb, table):
    code, msg, _ = error_of(ddb.update_item, TableName=table, Key={"pk": {"S": "o"}}, UpdateExpression="SET a = :v, a.b = :v",
                            ExpressionAttributeValues={":v": {"S": "x"}})
    assert msg == "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"


def test_not_json_is_serialization_exception(petrel):
    import urllib.request
    req = urllib.request.Request(petrel.endpoint + "/", data=b"{not json", method="POST",
                                 headers={"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected 400")
    except urllib.error.HTTPError as e:
        assert e.code == 400
        assert b"SerializationException" in e.read()


def test_unknown_operation(petrel):
    import urllib.request
    req = urllib.request.Request(petrel.endpoint + "/", data=b"{}", method="POST",
                                 headers={"X-Amz-Target": "DynamoDB_20120810.Frobnicate", "Content-Type": "application/x-amz-json-1.0"})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected 400")
    except urllib.error.HTTPError as e:
        assert b"UnknownOperationException" in e.read()


def test_legacy_parameters(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "legacy"}, "v": {"N": "1"}}, Expected={"pk": {"Exists": False}})
    code, _, _ = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "legacy"}}, Expected={"pk": {"Exists": False}})
    assert code == "ConditionalCheckFailedException"
    ddb.update_item(TableName=table, Key={"pk": {"S": "legacy"}},
                    AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "2"}}, "w": {"Action": "PUT", "Value": {"S": "x"}}},
                    Expected={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "legacy"}}, AttributesToGet=["v", "w"])["Item"]
    assert got == {"v": {"N": "3"}, "w": {"S": "x"}}
    code, msg, _ = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "legacy"}}, Expected={"pk": {"Exists": False}},
                            ConditionExpression="attribute_not_exists(pk)")
    assert msg.startswith("Can not use both expression and non-expression parameters")


def test_update_that_only_removes_does_not_create_a_missing_item(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": {"S": "ghost"}}, UpdateExpression="REMOVE a")
    ddb.update_item(TableName=table, Key={"pk": {"S": "ghost"}}, AttributeUpdates={"a": {"Action": "DELETE"}})
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "ghost"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "ghost2"}})  # an empty update creates the item
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "ghost2"}})["Item"] == {"pk": {"S": "ghost2"}}
