"""Provisioned throughput: PROVISIONED tables throttle past their capacity (after the burst bank of
300 s of unused capacity is spent); PAY_PER_REQUEST tables do not. The conftest client has
retries disabled, so every throttle reaches the test."""
import pytest

from tables_helpers import error_of, unique

MESSAGE = ("The level of configured provisioned throughput for the table was exceeded. "
           "Consider increasing your provisioning level with the UpdateTable API.")
BLOB = "x" * (25 * 1024)  # 26 write units, 7 strongly consistent read units per item


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


def make_table(ddb, read=None, write=None):
    name = unique("thr")
    args = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    if read is None:
        args["BillingMode"] = "PAY_PER_REQUEST"
    else:
        args["ProvisionedThroughput"] = {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
    ddb.create_table(**args)
    return name


def put(ddb, table, i):
    ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "blob": {"S": BLOB}})


def first_throttle(call, attempts):
    """Calls until ProvisionedThroughputExceededException; returns (successes, error response)."""
    for n in range(attempts):
        try:
            call(n)
        except Exception as e:  # botocore ClientError
            return n, e.response
    return attempts, None


def assert_throttled(response):
    assert response is not None, "never throttled"
    assert response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert response["Error"]["Message"] == MESSAGE
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_writes_throttle_after_the_burst_bank_and_pass_after_update_table(ddb):
    table = make_table(ddb, read=1, write=1)
    done, response = first_throttle(lambda i: put(ddb, table, i), 30)
    assert_throttled(response)
    # The burst bank (300 s x 1 WCU) took about 300 / 26 writes of 25 KB before the throttle.
    assert 11 <= done <= 14, done
    code, _, _ = error_of(ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
    assert code == "ProvisionedThroughputExceededException"
    ddb.update_table(TableName=table, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1000})
    for i in range(20):
        put(ddb, table, 100 + i)


def test_reads_throttle_after_the_burst_bank(ddb):
    table = make_table(ddb, read=1, write=1000)
    put(ddb, table, 0)
    key = {"pk": {"S": "k0"}}
    done, response = first_throttle(lambda _: ddb.get_item(TableName=table, Key=key, ConsistentRead=True), 80)
    assert_throttled(response)
    assert 40 <= done <= 50, done  # 300 RCU banked / 7 RCU per 25 KB strongly consistent read
    code, _, _ = error_of(ddb.batch_get_item, RequestItems={table: {"Keys": [key]}})
    assert code == "ProvisionedThroughputExceededException"


def test_batch_write_returns_throttled_items_as_unprocessed(ddb):
    table = make_table(ddb, read=1, write=1)
    items = [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "blob": {"S": BLOB}}}} for i in range(25)]
    r = ddb.batch_write_item(RequestItems={table: items})
    unprocessed = r["UnprocessedItems"].get(table, [])
    assert 0 < len(unprocessed) < 25
    written = {i["pk"]["S"] for i in ddb.scan(TableName=table, ProjectionExpression="pk")["Items"]}
    left = {u["PutRequest"]["Item"]["pk"]["S"] for u in unprocessed}
    assert written | left == {f"k{i}" for i in range(25)} and not (written & left)


def test_batch_get_returns_throttled_keys_as_unprocessed(ddb):
    table = make_table(ddb, read=1, write=1000)
    for i in range(60):
        put(ddb, table, i)
    keys = [{"pk": {"S": f"k{i}"}} for i in range(60)]
    r = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    unprocessed = r["UnprocessedKeys"][table]["Keys"]
    assert r["UnprocessedKeys"][table]["ConsistentRead"] is True
    assert 0 < len(unprocessed) < 60
    assert len(r["Responses"][table]) + len(unprocessed) == 60


def test_on_demand_tables_are_not_throttled(ddb):
    table = make_table(ddb)
    for i in range(30):
        put(ddb, table, i)
    for _ in range(80):
        ddb.get_item(TableName=table, Key={"pk": {"S": "k0"}}, ConsistentRead=True)


def test_transactions_past_capacity_are_cancelled(ddb):
    table = make_table(ddb, read=1, write=1)
    _, response = first_throttle(lambda i: put(ddb, table, i), 30)
    assert_throttled(response)
    code, _, r = error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "t"}}}}])
    assert code == "TransactionCanceledException"
    assert [c["Code"] for c in r["CancellationReasons"]] == ["ProvisionedThroughputExceeded"]
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "t"}})
