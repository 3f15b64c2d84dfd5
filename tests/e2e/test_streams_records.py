"""Streams: every change exactly once, in order, with the images the view type asks for."""
import time

import pytest

from tables_helpers import create_table, error_of, read_stream


@pytest.fixture(scope="module")
def ddb(petrel):
    return petrel.client("dynamodb")


@pytest.fixture(scope="module")
def streams(petrel):
    return petrel.client("dynamodbstreams")


def stream_arn(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def test_records_in_order_with_images(ddb, streams):
    name = create_table(ddb, stream="NEW_AND_OLD_IMAGES")
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})  # no change: no record
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET v = v + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    try:
        ddb.put_item(TableName=name, Item={"pk": {"S": "k"}}, ConditionExpression="attribute_not_exists(pk)")
    except ddb.exceptions.ConditionalCheckFailedException:
        pass  # failed condition: no record
    ddb.delete_item(TableName=name, Key=key)
    ddb.delete_item(TableName=name, Key=key)  # deleting nothing: no record
    records = read_stream(streams, stream_arn(ddb, name))
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    ins, mod, rem = (r["dynamodb"] for r in records)
    assert "OldImage" not in ins and ins["NewImage"]["v"] == {"N": "1"}
    assert mod["OldImage"]["v"] == {"N": "1"} and mod["NewImage"]["v"] == {"N": "2"}
    assert rem["OldImage"]["v"] == {"N": "2"} and "NewImage" not in rem
    for r in records:
        assert r["eventVersion"] == "1.1" and r["eventSource"] == "aws:dynamodb" and r["awsRegion"] == "us-east-1"
        assert r["dynamodb"]["Keys"] == key and r["dynamodb"]["SizeBytes"] > 0
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert "ApproximateCreationDateTime" in r["dynamodb"] and len(r["eventID"]) > 0


@pytest.mark.parametrize("view, new, old", [("KEYS_ONLY", False, False), ("NEW_IMAGE", True, False), ("OLD_IMAGE", False, True)])
def test_view_types(ddb, streams, view, new, old):
    name = create_table(ddb, stream=view)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    mod = read_stream(streams, stream_arn(ddb, name))[1]["dynamodb"]
    assert ("NewImage" in mod) == new and ("OldImage" in mod) == old and mod["StreamViewType"] == view


def test_batch_and_transaction_writes_appear(ddb, streams):
    name = create_table(ddb, stream="NEW_IMAGE")
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(5)]})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "t1"}}}},
                                            {"Delete": {"TableName": name, "Key": {"pk": {"S": "b0"}}}}])
    records = read_stream(streams, stream_arn(ddb, name))
    assert [r["eventName"] for r in records] == ["INSERT"] * 6 + ["REMOVE"]


def test_iterator_types_and_list_streams(ddb, streams):
    name = create_table(ddb, stream="KEYS_ONLY")
    arn = stream_arn(ddb, name)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"i{i}"}})
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "ENABLED" and desc["TableName"] == name
    shard = desc["Shards"][0]["ShardId"]
    all_records = read_stream(streams, arn)
    second = all_records[1]["dynamodb"]["SequenceNumber"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=second)["ShardIterator"]
    assert [r["dynamodb"]["SequenceNumber"] for r in streams.get_records(ShardIterator=it)["Records"]][0] == second
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=second)["ShardIterator"]
    assert len(streams.get_records(ShardIterator=it)["Records"]) == 1
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    assert r["Records"] == []
    ddb.put_item(TableName=name, Item={"pk": {"S": "later"}})
    r = streams.get_records(ShardIterator=r["NextShardIterator"], Limit=1)
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["later"]
    listed = streams.list_streams(TableName=name)["Streams"]
    assert [s["StreamArn"] for s in listed] == [arn]
    code, _, _ = error_of(streams.describe_stream, StreamArn=arn + "x")
    assert code == "ResourceNotFoundException"


def test_disable_and_reenable_starts_a_new_stream(ddb, streams):
    name = create_table(ddb, stream="KEYS_ONLY")
    first = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    time.sleep(0.01)
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    second = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}})
    assert first != second
    assert streams.describe_stream(StreamArn=first)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, first)] == ["a"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, second)] == ["c"]


def test_ttl_deletes_with_service_identity(fresh_petrel):
    server = fresh_petrel()
    ddb, streams = server.client("dynamodb"), server.client("dynamodbstreams")
    name = create_table(ddb, stream="NEW_AND_OLD_IMAGES")
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}, "exp": {"N": str(int(time.time()) - 10)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}, "exp": {"N": str(int(time.time()) + 3600)}})
    deadline = time.time() + 20
    while time.time() < deadline and "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": "old"}}):
        time.sleep(0.2)
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "old"}})
    assert "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": "new"}})
    removes = [r for r in read_stream(streams, stream_arn(ddb, name)) if r["eventName"] == "REMOVE"]
    assert len(removes) == 1
    assert removes[0]["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
