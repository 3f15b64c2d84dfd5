"""Table lifecycle: create/describe/list/delete/update, TTL, tags, with the AWS CLI and boto3."""
import time

import pytest

from tables_helpers import create_table, error_of, unique


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


def test_create_describe_list_delete_with_cli(petrel):
    name = unique("cli")
    out = petrel.cli("dynamodb", "create-table", "--table-name", name,
                     "--attribute-definitions", "AttributeName=id,AttributeType=S",
                     "--key-schema", "AttributeName=id,KeyType=HASH",
                     "--provisioned-throughput", "ReadCapacityUnits=5,WriteCapacityUnits=5")
    assert out["TableDescription"]["TableStatus"] == "ACTIVE"
    petrel.cli("dynamodb", "wait", "table-exists", "--table-name", name)
    petrel.cli("dynamodb", "put-item", "--table-name", name, "--item", '{"id": {"S": "1"}, "n": {"N": "5"}}')
    got = petrel.cli("dynamodb", "get-item", "--table-name", name, "--key", '{"id": {"S": "1"}}')
    assert got["Item"]["n"] == {"N": "5"}
    desc = petrel.cli("dynamodb", "describe-table", "--table-name", name)["Table"]
    assert desc["ItemCount"] == 1 and desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert name in petrel.cli("dynamodb", "list-tables")["TableNames"]
    petrel.cli("dynamodb", "delete-table", "--table-name", name)
    proc = petrel.cli("dynamodb", "describe-table", "--table-name", name, check=False)
    assert proc.returncode != 0 and "ResourceNotFoundException" in proc.stderr


def test_create_existing_table_is_resource_in_use(ddb):
    name = create_table(ddb)
    code, msg, _ = error_of(create_table, ddb, name)
    assert code == "ResourceInUseException"


def test_create_table_validation(ddb):
    code, msg, _ = error_of(ddb.create_table, TableName=unique(), BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"}])
    assert code == "ValidationException" and "AttributeDefinitions" in msg
    code, msg, _ = error_of(ddb.create_table, TableName=unique(), BillingMode="PROVISIONED",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert code == "ValidationException"


def test_list_tables_paging(ddb):
    names = sorted(create_table(ddb, unique("page")) for _ in range(3))
    seen, start = [], None
    while True:
        kwargs = {"Limit": 2}
        if start:
            kwargs["ExclusiveStartTableName"] = start
        r = ddb.list_tables(**kwargs)
        seen += r["TableNames"]
        start = r.get("LastEvaluatedTableName")
        if not start:
            break
    assert all(n in seen for n in names)
    assert seen == sorted(seen)


def test_tags(ddb):
    name = create_table(ddb)
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "birds"}, {"Key": "env", "Value": "dev"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "birds"}]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "birds"}]


def test_update_table_streams_and_throughput(ddb):
    name = create_table(ddb)
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    first = d["LatestStreamArn"]
    code, _, _ = error_of(ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert code == "ValidationException"
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    time.sleep(0.01)
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    assert d["LatestStreamArn"] != first
    d = ddb.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})["TableDescription"]
    assert d["ProvisionedThroughput"]["WriteCapacityUnits"] == 4


def test_time_to_live_settings(ddb):
    name = create_table(ddb)
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    d = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert d == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
