"""Query and Scan: key conditions, filters, paging, Select COUNT, segments, indexes."""
import pytest

from tables_helpers import create_table, error_of, unique


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


@pytest.fixture(scope="module")
def table(ddb):
    name = create_table(ddb, range_key="sk", range_type="N")
    for h in ("a", "b"):
        for i in range(20):
            ddb.put_item(TableName=name, Item={"pk": {"S": h}, "sk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}, "pad": {"S": "x" * 10}})
    return name


def test_query_range_and_order(ddb, table):
    r = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
                  ExpressionAttributeValues={":p": {"S": "a"}, ":lo": {"N": "5"}, ":hi": {"N": "9"}}, ScanIndexForward=False)
    assert [i["sk"]["N"] for i in r["Items"]] == ["9", "8", "7", "6", "5"]
    assert "LastEvaluatedKey" not in r


def test_query_numbers_sort_numerically(ddb, table):
    r = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk >= :lo",
                  ExpressionAttributeValues={":p": {"S": "a"}, ":lo": {"N": "8"}})
    assert [i["sk"]["N"] for i in r["Items"]] == [str(i) for i in range(8, 20)]


def test_query_paging_with_limit_and_filter(ddb, table):
    seen, start, pages = [], None, 0
    while True:
        kwargs = dict(TableName=table, KeyConditionExpression="pk = :p", FilterExpression="even = :t",
                      ExpressionAttributeValues={":p": {"S": "b"}, ":t": {"BOOL": True}}, Limit=6)
        if start:
            kwargs["ExclusiveStartKey"] = start
        r = ddb.query(**kwargs)
        pages += 1
        assert r["ScannedCount"] <= 6
        seen += [int(i["sk"]["N"]) for i in r["Items"]]
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == list(range(0, 20, 2))
    assert pages == 4


def test_query_select_count(ddb, table):
    r = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Select="COUNT")
    assert r["Count"] == 20 and "Items" not in r


def test_query_errors(ddb, table):
    code, msg, _ = error_of(ddb.query, TableName=table, KeyConditionExpression="sk = :v", ExpressionAttributeValues={":v": {"N": "1"}})
    assert msg == "Query condition missed key schema element: pk"
    code, msg, _ = error_of(ddb.query, TableName=table, KeyConditionExpression="pk = :v", ExpressionAttributeValues={":v": {"N": "1"}})
    assert code == "ValidationException"


def test_legacy_key_conditions_and_query_filter(ddb, table):
    r = ddb.query(TableName=table, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                                                   "sk": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "4"}]}},
                  QueryFilter={"even": {"ComparisonOperator": "EQ", "AttributeValueList": [{"BOOL": False}]}})
    assert [i["sk"]["N"] for i in r["Items"]] == ["1", "3"]


def test_scan_paging_segments_and_filter(ddb, table):
    items, start = [], None
    while True:
        kwargs = dict(TableName=table, Limit=7)
        if start:
            kwargs["ExclusiveStartKey"] = start
        r = ddb.scan(**kwargs)
        items += r["Items"]
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    assert len(items) == 40
    total = sum(ddb.scan(TableName=table, Segment=s, TotalSegments=3)["Count"] for s in range(3))
    assert total == 40
    r = ddb.scan(TableName=table, FilterExpression="sk < :n", ExpressionAttributeValues={":n": {"N": "3"}})
    assert r["Count"] == 6 and r["ScannedCount"] == 40
    r = ddb.scan(TableName=table, ScanFilter={"sk": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "2"}]}})
    assert r["Count"] == 4


def test_one_megabyte_pages_counted_before_filter(ddb):
    name = create_table(ddb)
    blob = "x" * 100_000
    with_batches = [{"PutRequest": {"Item": {"pk": {"S": f"big{i}"}, "payload": {"S": blob}}}} for i in range(15)]
    ddb.batch_write_item(RequestItems={name: with_batches})
    r = ddb.scan(TableName=name, FilterExpression="attribute_not_exists(payload)")
    assert r["Count"] == 0 and r["ScannedCount"] < 15 and "LastEvaluatedKey" in r


def test_global_and_local_secondary_indexes(ddb):
    name = unique()
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gk", "lk")],
        GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{"IndexName": "byL", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lk", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "p1"}, "sk": {"S": "1"}, "gk": {"S": "g"}, "lk": {"S": "z"}, "extra": {"S": "e"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "p2"}, "sk": {"S": "2"}, "gk": {"S": "g"}, "lk": {"S": "a"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "p1"}, "sk": {"S": "3"}, "lk": {"S": "m"}})  # not in byG (sparse)
    r = ddb.query(TableName=name, IndexName="byG", KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "g"}})
    assert [(i["pk"]["S"], i["sk"]["S"]) for i in r["Items"]] == [("p1", "1"), ("p2", "2")]
    assert "extra" not in r["Items"][0]
    r = ddb.query(TableName=name, IndexName="byL", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p1"}})
    assert [i["lk"]["S"] for i in r["Items"]] == ["m", "z"]
    ddb.update_item(TableName=name, Key={"pk": {"S": "p1"}, "sk": {"S": "1"}}, UpdateExpression="REMOVE gk")
    r = ddb.query(TableName=name, IndexName="byG", KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "g"}})
    assert r["Count"] == 1
    code, msg, _ = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "p3"}, "sk": {"S": "1"}, "gk": {"N": "1"}})
    assert code == "ValidationException" and "gk" in msg
    d = ddb.describe_table(TableName=name)["Table"]
    assert d["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert d["LocalSecondaryIndexes"][0]["IndexName"] == "byL"
    # Add a GSI with backfill, then drop it.
    ddb.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "lk", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "byLk", "KeySchema": [{"AttributeName": "lk", "KeyType": "HASH"}],
                                                              "Projection": {"ProjectionType": "ALL"}}}])
    r = ddb.query(TableName=name, IndexName="byLk", KeyConditionExpression="lk = :v", ExpressionAttributeValues={":v": {"S": "m"}})
    assert r["Count"] == 1 and r["Items"][0]["sk"] == {"S": "3"}
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byLk"}}])
    code, msg, _ = error_of(ddb.query, TableName=name, IndexName="byLk", KeyConditionExpression="lk = :v", ExpressionAttributeValues={":v": {"S": "m"}})
    assert code == "ValidationException"
