"""Kinesis streams through boto3 and the AWS CLI: create (provisioned and on-demand), describe,
list with paging, shards with filters, tags, retention, encryption, delete, StreamARN."""
import uuid

import pytest
from botocore.exceptions import ClientError

MAX_HASH = 2**128 - 1


def name(prefix="ks"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_create_describe_and_hash_ranges_as_aws(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=3)
    k.get_waiter("stream_exists").wait(StreamName=s, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    d = k.describe_stream(StreamName=s)["StreamDescription"]
    assert d["StreamStatus"] == "ACTIVE" and d["RetentionPeriodHours"] == 24
    assert d["StreamARN"] == f"arn:aws:kinesis:us-east-1:000000000000:stream/{s}"
    assert d["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    shards = d["Shards"]
    assert [x["ShardId"] for x in shards] == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]
    assert shards[0]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": "113427455640312821154458202477256070484"}
    assert int(shards[2]["HashKeyRange"]["EndingHashKey"]) == MAX_HASH
    for a, b in zip(shards, shards[1:]):
        assert int(a["HashKeyRange"]["EndingHashKey"]) + 1 == int(b["HashKeyRange"]["StartingHashKey"])
    assert all("EndingSequenceNumber" not in x["SequenceNumberRange"] for x in shards)
    summary = k.describe_stream_summary(StreamARN=d["StreamARN"])["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 3 and summary["StreamName"] == s
    with pytest.raises(ClientError) as e:
        k.create_stream(StreamName=s, ShardCount=1)
    assert error_code(e) == "ResourceInUseException"


def test_on_demand_streams_get_four_shards(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    d = k.describe_stream(StreamName=s)["StreamDescription"]
    assert d["StreamModeDetails"]["StreamMode"] == "ON_DEMAND" and len(d["Shards"]) == 4
    with pytest.raises(ClientError) as e:
        k.update_shard_count(StreamName=s, TargetShardCount=5, ScalingType="UNIFORM_SCALING")
    assert error_code(e) == "ValidationException"


def test_list_streams_pages_with_summaries(petrel):
    k = petrel.client("kinesis")
    prefix = name("page")
    names = sorted(f"{prefix}-{i}" for i in range(5))
    for n in names:
        k.create_stream(StreamName=n, ShardCount=1)
    seen, token = [], None
    while True:
        out = k.list_streams(Limit=2, **({"NextToken": token} if token else {}))
        assert len(out["StreamNames"]) <= 2
        assert [x["StreamName"] for x in out["StreamSummaries"]] == out["StreamNames"]
        seen += out["StreamNames"]
        if not out["HasMoreStreams"]:
            break
        token = out["NextToken"]
    assert [n for n in seen if n.startswith(prefix)] == names
    paged = [n for page in k.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 3}) for n in page["StreamNames"]]
    assert [n for n in paged if n.startswith(prefix)] == names


def test_list_shards_filters_and_next_token(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=4)
    first = k.list_shards(StreamName=s, MaxResults=3)
    assert len(first["Shards"]) == 3 and "NextToken" in first
    rest = k.list_shards(NextToken=first["NextToken"])
    assert [x["ShardId"] for x in rest["Shards"]] == ["shardId-000000000003"] and "NextToken" not in rest
    # AWS refuses StreamName beside NextToken; Petrel accepts the token's own stream, not another.
    assert k.list_shards(StreamName=s, NextToken=first["NextToken"])["Shards"] == rest["Shards"]
    other = name()
    k.create_stream(StreamName=other, ShardCount=1)
    with pytest.raises(ClientError) as e:
        k.list_shards(StreamName=other, NextToken=first["NextToken"])
    assert error_code(e) == "InvalidArgumentException"
    after = k.list_shards(StreamName=s, ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000001"})
    assert [x["ShardId"] for x in after["Shards"]] == ["shardId-000000000002", "shardId-000000000003"]
    k.merge_shards(StreamName=s, ShardToMerge="shardId-000000000000", AdjacentShardToMerge="shardId-000000000001")
    latest = [x["ShardId"] for x in k.list_shards(StreamName=s, ShardFilter={"Type": "AT_LATEST"})["Shards"]]
    assert latest == ["shardId-000000000002", "shardId-000000000003", "shardId-000000000004"]
    horizon = [x["ShardId"] for x in k.list_shards(StreamName=s, ShardFilter={"Type": "AT_TRIM_HORIZON"})["Shards"]]
    assert horizon == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"]
    assert len(k.list_shards(StreamName=s, ShardFilter={"Type": "FROM_TRIM_HORIZON"})["Shards"]) == 5


def test_tags_both_apis(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1, Tags={"team": "a"})
    arn = k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]
    k.add_tags_to_stream(StreamName=s, Tags={"env": "dev", "x": "1"})
    k.tag_resource(ResourceARN=arn, Tags={"y": "2"})
    out = k.list_tags_for_stream(StreamName=s, Limit=2)
    assert out["HasMoreTags"] is True and [t["Key"] for t in out["Tags"]] == ["env", "team"]
    out = k.list_tags_for_stream(StreamName=s, ExclusiveStartTagKey="team")
    assert [t["Key"] for t in out["Tags"]] == ["x", "y"] and out["HasMoreTags"] is False
    k.remove_tags_from_stream(StreamARN=arn, TagKeys=["x"])
    k.untag_resource(ResourceARN=arn, TagKeys=["y"])
    assert {t["Key"]: t["Value"] for t in k.list_tags_for_resource(ResourceARN=arn)["Tags"]} == {"env": "dev", "team": "a"}


def test_retention_and_encryption_settings(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    k.increase_stream_retention_period(StreamName=s, RetentionPeriodHours=72)
    with pytest.raises(ClientError) as e:
        k.increase_stream_retention_period(StreamName=s, RetentionPeriodHours=48)
    assert error_code(e) == "InvalidArgumentException" and "DecreaseRetentionPeriod" in str(e.value)
    with pytest.raises(ClientError) as e:
        k.decrease_stream_retention_period(StreamName=s, RetentionPeriodHours=10)
    assert "Minimum allowed retention period is 24 hours" in str(e.value)
    with pytest.raises(ClientError) as e:
        k.increase_stream_retention_period(StreamName=s, RetentionPeriodHours=9000)
    assert error_code(e) == "InvalidArgumentException"
    k.decrease_stream_retention_period(StreamName=s, RetentionPeriodHours=48)
    assert k.describe_stream(StreamName=s)["StreamDescription"]["RetentionPeriodHours"] == 48
    k.start_stream_encryption(StreamName=s, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    d = k.describe_stream(StreamName=s)["StreamDescription"]
    assert d["EncryptionType"] == "KMS" and d["KeyId"] == "alias/aws/kinesis"
    assert k.put_record(StreamName=s, Data=b"x", PartitionKey="k")["EncryptionType"] == "KMS"
    k.stop_stream_encryption(StreamName=s, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    assert k.describe_stream(StreamName=s)["StreamDescription"]["EncryptionType"] == "NONE"


def test_delete_and_not_found(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    arn = k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]
    k.delete_stream(StreamARN=arn)
    k.get_waiter("stream_not_exists").wait(StreamName=s, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    for call in (lambda: k.describe_stream(StreamName=s), lambda: k.put_record(StreamName=s, Data=b"x", PartitionKey="k"),
                 lambda: k.delete_stream(StreamName=s)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "ResourceNotFoundException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("kwargs, code", [
    ({"StreamName": "bad name!", "ShardCount": 1}, "ValidationException"),
    ({"StreamName": "x" * 129, "ShardCount": 1}, "ValidationException"),
    ({"StreamName": "no-count"}, "InvalidArgumentException"),
    ({"StreamName": "too-many", "ShardCount": 100000}, "LimitExceededException"),
])
def test_create_rejects_bad_input(petrel, kwargs, code):
    with pytest.raises(ClientError) as e:
        petrel.client("kinesis").create_stream(**kwargs)
    assert error_code(e) == code


def test_the_cli_manages_streams(petrel):
    s = name("cli")
    petrel.cli("kinesis", "create-stream", "--stream-name", s, "--shard-count", "2")
    petrel.cli("kinesis", "wait", "stream-exists", "--stream-name", s)
    out = petrel.cli("kinesis", "describe-stream-summary", "--stream-name", s)
    assert out["StreamDescriptionSummary"]["OpenShardCount"] == 2
    assert s in petrel.cli("kinesis", "list-streams")["StreamNames"]
    proc = petrel.cli("kinesis", "describe-stream", "--stream-name", "missing-" + s, check=False)
    assert proc.returncode != 0 and "ResourceNotFoundException" in proc.stderr
    petrel.cli("kinesis", "delete-stream", "--stream-name", s)
