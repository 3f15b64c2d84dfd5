"""BatchGetItem/BatchWriteItem limits and TransactWriteItems/TransactGetItems all-or-nothing semantics."""
import pytest

from tables_helpers import create_table, error_of


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


@pytest.fixture(scope="module")
def table(ddb):
    return create_table(ddb)


def test_batch_write_and_get(ddb, table):
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "v": {"N": str(i)}}}} for i in range(25)]})
    r = ddb.batch_get_item(RequestItems={table: {"Keys": [{"pk": {"S": f"b{i}"}} for i in range(30)], "ProjectionExpression": "v"}})
    assert len(r["Responses"][table]) == 25 and r["UnprocessedKeys"] == {}
    assert all(set(i) == {"v"} for i in r["Responses"][table])
    ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": {"pk": {"S": f"b{i}"}}}} for i in range(10)]})
    r = ddb.batch_get_item(RequestItems={table: {"Keys": [{"pk": {"S": f"b{i}"}} for i in range(25)]}})
    assert len(r["Responses"][table]) == 15


def test_batch_limits(ddb, table):
    code, _, _ = error_of(ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": f"x{i}"}}}} for i in range(26)]})
    assert code == "ValidationException"
    code, msg, _ = error_of(ddb.batch_get_item, RequestItems={table: {"Keys": [{"pk": {"S": f"x{i}"}} for i in range(101)]}})
    assert msg == "Too many items requested for the BatchGetItem call"
    code, msg, _ = error_of(ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "dup"}}}}] * 2})
    assert msg == "Provided list of item keys contains duplicates"


def test_transaction_all_or_nothing(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct1"}, "bal": {"N": "100"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct2"}, "bal": {"N": "0"}})
    items = [
        {"Update": {"TableName": table, "Key": {"pk": {"S": "acct1"}}, "UpdateExpression": "SET bal = bal - :a",
                    "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": {"N": "150"}}}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "acct2"}}, "UpdateExpression": "SET bal = bal + :a",
                    "ExpressionAttributeValues": {":a": {"N": "150"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "log1"}}}},
    ]
    code, msg, resp = error_of(ddb.transact_write_items, TransactItems=items)
    assert code == "TransactionCanceledException"
    assert msg == "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]"
    assert [r["Code"] for r in resp["CancellationReasons"]] == ["ConditionalCheckFailed", "None", "None"]
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "acct1"}})["Item"]["bal"] == {"N": "100"}
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "acct2"}})["Item"]["bal"] == {"N": "0"}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "log1"}})
    items[0]["Update"]["ExpressionAttributeValues"][":a"] = {"N": "60"}
    items[1]["Update"]["ExpressionAttributeValues"][":a"] = {"N": "60"}
    items.append({"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "acct2"}}, "ConditionExpression": "attribute_exists(pk)"}})
    items[3]["ConditionCheck"]["Key"] = {"pk": {"S": "acct1x"}}
    items[3]["ConditionCheck"]["ConditionExpression"] = "attribute_not_exists(pk)"
    ddb.transact_write_items(TransactItems=items)
    r = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": {"pk": {"S": k}}}} for k in ("acct1", "acct2", "missing")])
    assert [x.get("Item", {}).get("bal") for x in r["Responses"]] == [{"N": "40"}, {"N": "60"}, None]


def test_transaction_cancellation_returns_item_when_asked(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "ret"}, "v": {"N": "1"}})
    code, _, resp = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "ret"}}, "ConditionExpression": "attribute_not_exists(pk)",
                 "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    assert resp["CancellationReasons"][0]["Item"] == {"pk": {"S": "ret"}, "v": {"N": "1"}}


def test_transaction_idempotency_token(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "idem"}, "n": {"N": "0"}})
    items = [{"Update": {"TableName": table, "Key": {"pk": {"S": "idem"}}, "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "idem"}})["Item"]["n"] == {"N": "1"}
    items[0]["Update"]["ExpressionAttributeValues"][":one"] = {"N": "2"}
    code, _, _ = error_of(ddb.transact_write_items, TransactItems=items, ClientRequestToken="tok-1")
    assert code == "IdempotentParameterMismatchException"


def test_transaction_rejects_two_operations_on_one_item(ddb, table):
    code, msg, _ = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "same"}}}},
        {"Delete": {"TableName": table, "Key": {"pk": {"S": "same"}}}}])
    assert msg == "Transaction request cannot include multiple operations on one item"


def test_transaction_item_that_cannot_be_evaluated_cancels_with_validation_error(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "strv"}, "v": {"S": "text"}})
    code, msg, resp = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "other"}}}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "strv"}}, "UpdateExpression": "SET v = v + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    assert code == "TransactionCanceledException"
    assert [r["Code"] for r in resp["CancellationReasons"]] == ["None", "ValidationError"]
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "other"}})
