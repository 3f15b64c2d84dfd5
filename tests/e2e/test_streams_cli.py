"""Streams through the real AWS CLI (v1): describe, iterate, read, and the error for a bad iterator."""
import json

from tables_helpers import unique


def test_stream_with_aws_cli(petrel):
    name = unique("clistream")
    out = petrel.cli("dynamodb", "create-table", "--table-name", name,
                     "--attribute-definitions", "AttributeName=id,AttributeType=S",
                     "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                     "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
    arn = out["TableDescription"]["LatestStreamArn"]
    petrel.cli("dynamodb", "put-item", "--table-name", name, "--item", json.dumps({"id": {"S": "1"}, "n": {"N": "1"}}))
    petrel.cli("dynamodb", "update-item", "--table-name", name, "--key", json.dumps({"id": {"S": "1"}}),
               "--update-expression", "SET n = n + :one", "--expression-attribute-values", json.dumps({":one": {"N": "1"}}))
    petrel.cli("dynamodb", "delete-item", "--table-name", name, "--key", json.dumps({"id": {"S": "1"}}))
    streams = petrel.cli("dynamodbstreams", "list-streams", "--table-name", name)["Streams"]
    assert streams[0]["StreamArn"] == arn
    shard = petrel.cli("dynamodbstreams", "describe-stream", "--stream-arn", arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = petrel.cli("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                    "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    records = petrel.cli("dynamodbstreams", "get-records", "--shard-iterator", it)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    bad = petrel.cli("dynamodbstreams", "get-records", "--shard-iterator", "not-an-iterator", check=False)
    assert bad.returncode != 0 and "ValidationException" in bad.stderr


def test_query_and_scan_with_aws_cli(petrel):
    name = unique("cliq")
    petrel.cli("dynamodb", "create-table", "--table-name", name,
               "--attribute-definitions", "AttributeName=id,AttributeType=S", "AttributeName=n,AttributeType=N",
               "--key-schema", "AttributeName=id,KeyType=HASH", "AttributeName=n,KeyType=RANGE", "--billing-mode", "PAY_PER_REQUEST")
    items = {name: [{"PutRequest": {"Item": {"id": {"S": "a"}, "n": {"N": str(i)}}}} for i in range(10)]}
    petrel.cli("dynamodb", "batch-write-item", "--request-items", json.dumps(items))
    r = petrel.cli("dynamodb", "query", "--table-name", name, "--key-condition-expression", "id = :a AND n > :five",
                   "--expression-attribute-values", json.dumps({":a": {"S": "a"}, ":five": {"N": "5"}}))
    assert [i["n"]["N"] for i in r["Items"]] == ["6", "7", "8", "9"]
    # The CLI pages by itself with --page-size and follows LastEvaluatedKey.
    r = petrel.cli("dynamodb", "scan", "--table-name", name, "--page-size", "3")
    assert r["Count"] == 10
    bad = petrel.cli("dynamodb", "query", "--table-name", name, "--key-condition-expression", "n = :five",
                     "--expression-attribute-values", json.dumps({":five": {"N": "5"}}), check=False)
    assert "Query condition missed key schema element: id" in bad.stderr
