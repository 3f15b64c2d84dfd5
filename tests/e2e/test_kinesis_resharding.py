"""Splits, merges and UpdateShardCount while writing: parents close (EndingSequenceNumber),
stay readable, name their children; reading parent before child keeps every key's order."""
import uuid

import pytest
from botocore.exceptions import ClientError


def name(prefix="rs"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def drain(k, stream, shard_id):
    """Every record of a shard, and the children GetRecords names when the shard has ended."""
    it = k.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records, children = [], None
    while it:
        out = k.get_records(ShardIterator=it)
        records += out["Records"]
        it = out.get("NextShardIterator")
        if it is None:
            children = [c["ShardId"] for c in out.get("ChildShards", [])]
        elif not out["Records"]:
            break
    return records, children


def read_in_lineage_order(k, stream):
    """Reads every shard, each only after its parents (as a consumer must), in order per key."""
    shards = k.list_shards(StreamName=stream)["Shards"]
    done, per_key = set(), {}
    pending = list(shards)
    while pending:
        progressed = False
        for s in list(pending):
            parents = {s.get("ParentShardId"), s.get("AdjacentParentShardId")} - {None}
            if parents <= done or not parents & {x["ShardId"] for x in shards}:
                for r in drain(k, stream, s["ShardId"])[0]:
                    per_key.setdefault(r["PartitionKey"], []).append(int(r["Data"].decode()))
                done.add(s["ShardId"])
                pending.remove(s)
                progressed = True
        assert progressed, "a shard whose parents never finish"
    return per_key


def write(k, stream, start, count, keys=8):
    for i in range(start, start + count):
        k.put_record(StreamName=stream, Data=str(i).encode(), PartitionKey=f"key-{i % keys}")


def test_split_then_merge_keeps_order_per_key(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    write(k, s, 0, 40)
    k.split_shard(StreamName=s, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    write(k, s, 40, 40)
    shards = {x["ShardId"]: x for x in k.list_shards(StreamName=s)["Shards"]}
    parent = shards["shardId-000000000000"]
    assert "EndingSequenceNumber" in parent["SequenceNumberRange"]
    a, b = shards["shardId-000000000001"], shards["shardId-000000000002"]
    assert a["ParentShardId"] == b["ParentShardId"] == "shardId-000000000000"
    assert a["HashKeyRange"]["EndingHashKey"] == str(2**127 - 1) and b["HashKeyRange"]["StartingHashKey"] == str(2**127)
    assert int(a["SequenceNumberRange"]["StartingSequenceNumber"]) > int(parent["SequenceNumberRange"]["EndingSequenceNumber"])
    records, children = drain(k, s, "shardId-000000000000")
    assert len(records) == 40 and sorted(children) == ["shardId-000000000001", "shardId-000000000002"]
    k.merge_shards(StreamName=s, ShardToMerge="shardId-000000000001", AdjacentShardToMerge="shardId-000000000002")
    write(k, s, 80, 40)
    merged = {x["ShardId"]: x for x in k.list_shards(StreamName=s)["Shards"]}["shardId-000000000003"]
    assert merged["ParentShardId"] == "shardId-000000000001" and merged["AdjacentParentShardId"] == "shardId-000000000002"
    assert merged["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2**128 - 1)}
    per_key = read_in_lineage_order(k, s)
    assert sum(len(v) for v in per_key.values()) == 120
    for key, values in per_key.items():
        assert values == sorted(values), key
    with pytest.raises(ClientError) as e:
        k.split_shard(StreamName=s, ShardToSplit="shardId-000000000000", NewStartingHashKey="5")
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"


@pytest.mark.parametrize("kwargs, code", [
    ({"ShardToSplit": "shardId-000000000099", "NewStartingHashKey": "5"}, "ResourceNotFoundException"),
    ({"ShardToSplit": "shardId-000000000000", "NewStartingHashKey": "0"}, "InvalidArgumentException"),
    ({"ShardToSplit": "shardId-000000000000", "NewStartingHashKey": "not-a-number"}, "ValidationException"),
])
def test_split_rejects_bad_input(petrel, kwargs, code):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=2)
    with pytest.raises(ClientError) as e:
        k.split_shard(StreamName=s, **kwargs)
    assert e.value.response["Error"]["Code"] == code


def test_merge_rejects_shards_that_are_not_adjacent(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=3)
    with pytest.raises(ClientError) as e:
        k.merge_shards(StreamName=s, ShardToMerge="shardId-000000000000", AdjacentShardToMerge="shardId-000000000002")
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"


@pytest.mark.parametrize("start, target", [(2, 4), (4, 2), (3, 5), (5, 3)])
def test_update_shard_count_scales_uniformly(petrel, start, target):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=start)
    write(k, s, 0, 30)
    out = k.update_shard_count(StreamName=s, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    assert out["CurrentShardCount"] == start and out["TargetShardCount"] == target
    write(k, s, 30, 30)
    open_shards = k.list_shards(StreamName=s, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert len(open_shards) == target
    assert k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["OpenShardCount"] == target
    per_key = read_in_lineage_order(k, s)
    assert sorted(v for values in per_key.values() for v in values) == list(range(60))
    for values in per_key.values():
        assert values == sorted(values)
    with pytest.raises(ClientError) as e:
        k.update_shard_count(StreamName=s, TargetShardCount=target * 3, ScalingType="UNIFORM_SCALING")
    assert e.value.response["Error"]["Code"] == "ValidationException"
