"""Shared helpers for the table-service end-to-end tests."""
import uuid


def unique(prefix="tbl"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_table(ddb, name=None, hash_type="S", range_key=None, range_type="S", stream=None, **extra):
    name = name or unique()
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    defs = [{"AttributeName": "pk", "AttributeType": hash_type}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        defs.append({"AttributeName": range_key, "AttributeType": range_type})
    defs += extra.pop("extra_definitions", [])
    args = dict(TableName=name, KeySchema=keys, AttributeDefinitions=defs, BillingMode="PAY_PER_REQUEST", **extra)
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    ddb.create_table(**args)
    return name


def error_of(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except Exception as e:  # botocore ClientError
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response
    raise AssertionError("expected an error")


def read_stream(streams, arn, iterator_type="TRIM_HORIZON"):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=iterator_type)["ShardIterator"]
    records = []
    while it:
        r = streams.get_records(ShardIterator=it)
        records += r["Records"]
        if not r["Records"]:
            break
        it = r.get("NextShardIterator")
    return records
