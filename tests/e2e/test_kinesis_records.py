"""Kinesis records through boto3 and the AWS CLI: PutRecord/PutRecords routed by MD5 hash key,
sequence numbers, every iterator type, GetRecords limits and MillisBehindLatest, bad input."""
import base64
import datetime
import hashlib
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError


def name(prefix="kr"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def error_code_of(error):
    return error.response["Error"]["Code"]


def shard_for(shards, key):
    h = int(hashlib.md5(key.encode()).hexdigest(), 16)
    for s in shards:
        r = s["HashKeyRange"]
        if int(r["StartingHashKey"]) <= h <= int(r["EndingHashKey"]):
            return s["ShardId"]


def read_all(k, stream, shard, kind="TRIM_HORIZON", **extra):
    it = k.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=kind, **extra)["ShardIterator"]
    records = []
    while it:
        out = k.get_records(ShardIterator=it)
        records += out["Records"]
        if not out["Records"]:
            break
        it = out.get("NextShardIterator")
    return records


def test_partition_keys_route_by_md5_and_sequence_numbers_increase(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=4)
    shards = k.describe_stream(StreamName=s)["StreamDescription"]["Shards"]
    written = {}
    for i in range(40):
        key = f"user-{i % 7}"
        out = k.put_record(StreamName=s, Data=f"r{i}".encode(), PartitionKey=key)
        assert out["ShardId"] == shard_for(shards, key)
        assert len(out["SequenceNumber"]) == 56 and out["SequenceNumber"].isdigit()
        written.setdefault(out["ShardId"], []).append((f"r{i}", out["SequenceNumber"], key))
    for shard, items in written.items():
        records = read_all(k, s, shard)
        assert [(r["Data"].decode(), r["SequenceNumber"], r["PartitionKey"]) for r in records] == items
        seqs = [int(r["SequenceNumber"]) for r in records]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert all(isinstance(r["ApproximateArrivalTimestamp"], datetime.datetime) for r in records)
    # Across shards, later puts have larger numbers.
    everything = sorted((int(seq), int(text[1:])) for items in written.values() for text, seq, _ in items)
    assert [n for _, n in everything] == list(range(40))


def test_explicit_hash_key_picks_the_shard(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=2)
    assert k.put_record(StreamName=s, Data=b"a", PartitionKey="x", ExplicitHashKey="0")["ShardId"] == "shardId-000000000000"
    assert k.put_record(StreamName=s, Data=b"b", PartitionKey="x", ExplicitHashKey=str(2**128 - 1))["ShardId"] == "shardId-000000000001"
    with pytest.raises(ClientError) as e:
        k.put_record(StreamName=s, Data=b"c", PartitionKey="x", ExplicitHashKey=str(2**128))
    assert error_code(e) == "InvalidArgumentException"


def test_put_records_answers_per_record(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=2)
    out = k.put_records(StreamName=s, Records=[{"Data": f"b{i}".encode(), "PartitionKey": f"k{i}"} for i in range(100)])
    assert out["FailedRecordCount"] == 0 and len(out["Records"]) == 100
    assert all("SequenceNumber" in r and "ShardId" in r for r in out["Records"])
    total = sum(len(read_all(k, s, f"shardId-00000000000{i}")) for i in range(2))
    assert total == 100


@pytest.mark.parametrize("records, code", [
    ([{"Data": b"x", "PartitionKey": "k"}] * 501, "ValidationException"),
    ([{"Data": b"x" * (1024 * 1024 + 1), "PartitionKey": "k"}], "ValidationException"),
    ([{"Data": b"x" * (1024 * 1024 - 300), "PartitionKey": f"k{i}"} for i in range(6)], "InvalidArgumentException"),
    ([{"Data": b"x", "PartitionKey": "k" * 257}], "ValidationException"),
])
def test_put_records_rejects_bad_batches(petrel, records, code):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    with pytest.raises(ClientError) as e:
        k.put_records(StreamName=s, Records=records)
    assert error_code(e) == code
    assert read_all(k, s, "shardId-000000000000") == []


def test_iterator_types(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    shard = "shardId-000000000000"
    seqs = [k.put_record(StreamName=s, Data=f"{i}".encode(), PartitionKey="k")["SequenceNumber"] for i in range(3)]
    # botocore sends timestamps in whole seconds: a second apart, the cut falls between.
    time.sleep(1.1)
    middle = datetime.datetime.now(datetime.timezone.utc)
    seqs += [k.put_record(StreamName=s, Data=f"{i}".encode(), PartitionKey="k")["SequenceNumber"] for i in range(3, 6)]

    def data(records):
        return [r["Data"].decode() for r in records]

    assert data(read_all(k, s, shard)) == ["0", "1", "2", "3", "4", "5"]
    assert data(read_all(k, s, shard, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])) == ["2", "3", "4", "5"]
    assert data(read_all(k, s, shard, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])) == ["3", "4", "5"]
    assert data(read_all(k, s, shard, "AT_TIMESTAMP", Timestamp=middle)) == ["3", "4", "5"]
    latest = k.get_shard_iterator(StreamName=s, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    empty = k.get_records(ShardIterator=latest)
    assert empty["Records"] == [] and empty["MillisBehindLatest"] == 0 and empty["NextShardIterator"]
    k.put_record(StreamName=s, Data=b"new", PartitionKey="k")
    assert data(k.get_records(ShardIterator=empty["NextShardIterator"])["Records"]) == ["new"]
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=s, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber="12345")
    assert error_code(e) == "InvalidArgumentException"
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=s, ShardId="shardId-000000000042", ShardIteratorType="LATEST")
    assert error_code(e) == "ResourceNotFoundException"


def test_get_records_limit_and_millis_behind(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    k.put_records(StreamName=s, Records=[{"Data": f"{i}".encode(), "PartitionKey": "k"} for i in range(25)])
    time.sleep(0.3)
    it = k.get_shard_iterator(StreamName=s, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    first = k.get_records(ShardIterator=it, Limit=10)
    assert len(first["Records"]) == 10 and first["MillisBehindLatest"] >= 200
    second = k.get_records(ShardIterator=first["NextShardIterator"], Limit=100)
    assert [r["Data"] for r in second["Records"]] == [f"{i}".encode() for i in range(10, 25)]
    assert second["MillisBehindLatest"] == 0
    with pytest.raises(ClientError) as e:
        k.get_records(ShardIterator=it, Limit=10001)
    assert error_code(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        k.get_records(ShardIterator="bm90IGFuIGl0ZXJhdG9y")
    assert error_code(e) == "InvalidArgumentException"


def test_stream_arn_is_accepted_everywhere(petrel):
    k = petrel.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    arn = k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]
    k.put_record(StreamARN=arn, Data=b"a", PartitionKey="k")
    k.put_records(StreamARN=arn, Records=[{"Data": b"b", "PartitionKey": "k"}])
    it = k.get_shard_iterator(StreamARN=arn, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in k.get_records(StreamARN=arn, ShardIterator=it)["Records"]] == [b"a", b"b"]
    assert k.list_shards(StreamARN=arn)["Shards"][0]["ShardId"] == "shardId-000000000000"
    assert k.describe_stream(StreamARN=arn)["StreamDescription"]["StreamName"] == s
    # Another account's or region's ARN names no stream this caller reaches.
    for foreign in (arn.replace(":000000000000:", ":111111111111:"), arn.replace(":us-east-1:", ":eu-west-1:")):
        with pytest.raises(ClientError) as e:
            k.put_record(StreamARN=foreign, Data=b"x", PartitionKey="k")
        assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        k.describe_stream(StreamARN=arn, StreamName=s + "-other")
    assert error_code(e) == "InvalidArgumentException"


def test_malformed_json_is_a_serialization_error(petrel):
    import urllib.request
    req = urllib.request.Request(petrel.endpoint + "/", data=b"{not json", method="POST",
                                 headers={"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400
        assert json.loads(e.read())["__type"] == "SerializationException"


def test_the_cli_puts_and_gets_records(petrel):
    s = name("cli")
    petrel.cli("kinesis", "create-stream", "--stream-name", s, "--shard-count", "1")
    # AWS CLI v1 sends a blob argument's text as is (v2 would want base64: --cli-binary-format).
    put = petrel.cli("kinesis", "put-record", "--stream-name", s, "--partition-key", "k", "--data", "hello cli")
    assert put["ShardId"] == "shardId-000000000000"
    it = petrel.cli("kinesis", "get-shard-iterator", "--stream-name", s, "--shard-id", put["ShardId"],
                    "--shard-iterator-type", "AT_SEQUENCE_NUMBER", "--starting-sequence-number", put["SequenceNumber"])["ShardIterator"]
    out = petrel.cli("kinesis", "get-records", "--shard-iterator", it)
    assert base64.b64decode(out["Records"][0]["Data"]) == b"hello cli"
    assert out["Records"][0]["SequenceNumber"] == put["SequenceNumber"]
    bad = petrel.cli("kinesis", "put-record", "--stream-name", s, "--partition-key", "k", "--data", "aGk=",
                     "--explicit-hash-key", "abc", check=False)
    assert bad.returncode != 0 and "InvalidArgumentException" in bad.stderr


def test_shard_limits_throttle_per_record(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_KINESIS_SHARD_LIMITS", "1048576,10")
    server = fresh_petrel()
    k = server.client("kinesis")
    s = name()
    k.create_stream(StreamName=s, ShardCount=1)
    out = k.put_records(StreamName=s, Records=[{"Data": b"x", "PartitionKey": f"k{i}"} for i in range(15)])
    assert out["FailedRecordCount"] == 5
    failed = [r for r in out["Records"] if "ErrorCode" in r]
    assert {r["ErrorCode"] for r in failed} == {"ProvisionedThroughputExceededException"}
    assert "Rate exceeded for shard shardId-000000000000" in failed[0]["ErrorMessage"]
    # The bucket refills at 10 records/s: single puts in a tight loop soon find it empty.
    written, throttled = 10, None
    for _ in range(50):
        try:
            k.put_record(StreamName=s, Data=b"y", PartitionKey="k")
            written += 1
        except ClientError as e:
            throttled = e
            break
    assert throttled is not None and error_code_of(throttled) == "ProvisionedThroughputExceededException"
    time.sleep(1.1)
    k.put_record(StreamName=s, Data=b"z", PartitionKey="k")
    assert len(read_all(k, s, "shardId-000000000000")) == written + 1
