"""Kinesis enhanced fan-out through boto3: consumers (Register/Describe/List/DeregisterStreamConsumer,
CREATING → ACTIVE, DELETING, 20 per stream, deleted with their stream) and SubscribeToShard's
event stream (records pushed while subscribed, continuation across subscriptions, the 5-second
resubscribe rule, shard ends with ChildShards, errors)."""
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import wait_for


def name(prefix="kf"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def make_stream(k, shards=1):
    s = name()
    k.create_stream(StreamName=s, ShardCount=shards)
    return s, k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]


def status(k, consumer_arn):
    return k.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]["ConsumerStatus"]


def active_consumer(k, stream_arn, consumer_name=None):
    arn = k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=consumer_name or name("c"))["Consumer"]["ConsumerARN"]
    assert wait_for(lambda: status(k, arn) == "ACTIVE", timeout=10)
    return arn


def all_consumers(k, stream_arn):
    out = []
    for page in k.get_paginator("list_stream_consumers").paginate(StreamARN=stream_arn, PaginationConfig={"PageSize": 3}):
        out += page["Consumers"]
    return out


def subscribe(k, consumer_arn, shard="shardId-000000000000", **position):
    return k.subscribe_to_shard(ConsumerARN=consumer_arn, ShardId=shard, StartingPosition=position)["EventStream"]


def test_register_describe_list_deregister(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    region_account = stream_arn.split(":stream/")[0]
    c = name("c")
    consumer = k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=c)["Consumer"]
    assert consumer["ConsumerName"] == c
    assert consumer["ConsumerStatus"] == "CREATING"
    prefix = f"{region_account}:stream/{s}/consumer/{c}:"
    assert consumer["ConsumerARN"].startswith(prefix) and consumer["ConsumerARN"][len(prefix):].isdigit()
    assert abs(int(consumer["ConsumerARN"][len(prefix):]) - time.time()) < 60
    arn = consumer["ConsumerARN"]
    assert wait_for(lambda: status(k, arn) == "ACTIVE", timeout=10)
    by_name = k.describe_stream_consumer(StreamARN=stream_arn, ConsumerName=c)["ConsumerDescription"]
    assert by_name["ConsumerARN"] == arn and by_name["StreamARN"] == stream_arn
    with pytest.raises(ClientError) as e:
        k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=c)
    assert error_code(e) == "ResourceInUseException"
    others = [k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=f"o{i}")["Consumer"]["ConsumerARN"] for i in range(6)]
    listed = all_consumers(k, stream_arn)
    assert [x["ConsumerARN"] for x in listed] == [arn] + others
    assert k.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["ConsumerCount"] == 7
    k.deregister_stream_consumer(ConsumerARN=arn)
    assert status(k, arn) == "DELETING"
    k.deregister_stream_consumer(StreamARN=stream_arn, ConsumerName="o0")

    def gone():
        try:
            status(k, arn)
            return False
        except ClientError as err:
            return err.response["Error"]["Code"] == "ResourceNotFoundException"
    assert wait_for(gone, timeout=10)
    # o0 was deregistered a moment later: listed as DELETING until its own delay has passed.
    assert wait_for(lambda: [x["ConsumerName"] for x in all_consumers(k, stream_arn)] == [f"o{i}" for i in range(1, 6)], timeout=10)
    # The name is free again, under another ARN (the creation second is part of it).
    time.sleep(1.0)
    again = k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=c)["Consumer"]["ConsumerARN"]
    assert again != arn
    with pytest.raises(ClientError) as e:
        k.describe_stream_consumer(ConsumerARN=arn)
    assert error_code(e) == "ResourceNotFoundException"
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)


def test_twenty_consumers_per_stream(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    for i in range(20):
        k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=f"c{i}")
    with pytest.raises(ClientError) as e:
        k.register_stream_consumer(StreamARN=stream_arn, ConsumerName="c20")
    assert error_code(e) == "LimitExceededException"
    assert len(all_consumers(k, stream_arn)) == 20
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)


def test_consumers_are_deleted_with_their_stream(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    arn = active_consumer(k, stream_arn)
    with pytest.raises(ClientError) as e:
        k.delete_stream(StreamName=s)
    assert error_code(e) == "ResourceInUseException"
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)
    k.create_stream(StreamName=s, ShardCount=1)
    assert all_consumers(k, stream_arn) == []
    with pytest.raises(ClientError) as e:
        k.describe_stream_consumer(ConsumerARN=arn)
    assert error_code(e) == "ResourceNotFoundException"
    k.delete_stream(StreamName=s)


def test_records_are_pushed_while_subscribed(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    arn = active_consumer(k, stream_arn)
    events = subscribe(k, arn, Type="LATEST")
    written, received, latencies = [], [], []
    put_times = {}

    def writer():
        for i in range(10):
            time.sleep(0.1)
            put_times[f"r{i}"] = time.monotonic()
            out = k.put_record(StreamName=s, Data=f"r{i}".encode(), PartitionKey=f"key-{i}")
            written.append((f"r{i}", out["SequenceNumber"]))

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 20
    first = True
    for event in events:
        e = event["SubscribeToShardEvent"]
        assert isinstance(e["MillisBehindLatest"], int)
        assert e["ContinuationSequenceNumber"].isdigit()
        if first:
            assert e["Records"] == []  # LATEST: nothing yet, sent at once
            first = False
        for r in e["Records"]:
            data = r["Data"].decode()
            latencies.append(time.monotonic() - put_times[data])
            received.append((data, r["SequenceNumber"]))
            assert r["PartitionKey"] == f"key-{data[1:]}"
        if len(received) >= 10 or time.monotonic() > deadline:
            break
    events.close()
    thread.join()
    assert received == written
    # Pushed as they arrive (a wake-up, not a poll: an idle subscription only speaks every 5 s),
    # each well within the heartbeat (measured here: about 8 ms at p50, the put included).
    assert max(latencies) < 2.0, latencies
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)


def test_continuation_across_subscriptions(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    arn = active_consumer(k, stream_arn)
    for i in range(3):
        k.put_record(StreamName=s, Data=f"a{i}".encode(), PartitionKey="k")
    events = subscribe(k, arn, Type="TRIM_HORIZON")
    got, continuation = [], None
    for event in events:
        e = event["SubscribeToShardEvent"]
        got += [r["Data"].decode() for r in e["Records"]]
        continuation = e["ContinuationSequenceNumber"]
        if len(got) >= 3:
            break
    events.close()
    assert got == ["a0", "a1", "a2"]
    started = time.monotonic()
    for i in range(2):
        k.put_record(StreamName=s, Data=f"b{i}".encode(), PartitionKey="k")
    # AWS's rule: the same consumer subscribes to the same shard again only after 5 seconds.
    with pytest.raises(ClientError) as e:
        subscribe(k, arn, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuation)
    assert error_code(e) == "ResourceInUseException"
    # Another consumer is not held back.
    other = subscribe(k, active_consumer(k, stream_arn), Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuation)
    first = next(iter(other))["SubscribeToShardEvent"]
    other.close()
    assert [r["Data"].decode() for r in first["Records"]] == ["b0", "b1"]
    time.sleep(max(0, 5.2 - (time.monotonic() - started)))
    events = subscribe(k, arn, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuation)
    e = next(iter(events))["SubscribeToShardEvent"]
    events.close()
    assert [r["Data"].decode() for r in e["Records"]] == ["b0", "b1"]
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)


def test_subscribe_errors(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    creating = k.register_stream_consumer(StreamARN=stream_arn, ConsumerName=name("c"))["Consumer"]["ConsumerARN"]
    with pytest.raises(ClientError) as e:
        subscribe(k, creating, Type="LATEST")
    assert error_code(e) == "ResourceInUseException"
    arn = active_consumer(k, stream_arn)
    with pytest.raises(ClientError) as e:
        subscribe(k, arn.rsplit(":", 1)[0] + ":1", Type="LATEST")
    assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        subscribe(k, arn, shard="shardId-000000000009", Type="LATEST")
    assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        subscribe(k, arn, Type="AT_SEQUENCE_NUMBER")
    assert error_code(e) == "InvalidArgumentException"
    with pytest.raises(ClientError) as e:
        subscribe(k, arn, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber="12345")
    assert error_code(e) == "InvalidArgumentException"
    k.deregister_stream_consumer(ConsumerARN=arn)
    with pytest.raises(ClientError) as e:
        subscribe(k, arn, Type="LATEST")
    assert error_code(e) in ("ResourceInUseException", "ResourceNotFoundException")
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)


def test_subscription_ends_after_its_time_and_at_a_shard_end(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_KINESIS_SUBSCRIPTION_SECONDS", "2")
    server = fresh_petrel()
    k = server.client("kinesis")
    s, stream_arn = make_stream(k)
    arn = active_consumer(k, stream_arn)
    started = time.monotonic()
    events = list(subscribe(k, arn, Type="LATEST"))
    assert 1.5 < time.monotonic() - started < 8
    assert all(e["SubscribeToShardEvent"]["Records"] == [] for e in events)
    k.put_record(StreamName=s, Data=b"last", PartitionKey="k")
    k.split_shard(StreamName=s, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    time.sleep(5.1)
    events = [e["SubscribeToShardEvent"] for e in subscribe(k, arn, Type="TRIM_HORIZON")]
    assert [r["Data"] for e in events for r in e["Records"]] == [b"last"]
    end = events[-1]
    assert "ContinuationSequenceNumber" not in end
    assert sorted(c["ShardId"] for c in end["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
    assert all(c["ParentShards"] == ["shardId-000000000000"] for c in end["ChildShards"])


def test_deleting_the_stream_ends_a_subscription_with_an_error(petrel):
    k = petrel.client("kinesis")
    s, stream_arn = make_stream(k)
    arn = active_consumer(k, stream_arn)
    events = iter(subscribe(k, arn, Type="LATEST"))
    assert next(events)["SubscribeToShardEvent"]["Records"] == []
    k.delete_stream(StreamName=s, EnforceConsumerDeletion=True)
    with pytest.raises(ClientError) as e:
        for _ in events:
            pass
    assert error_code(e) == "ResourceNotFoundException"
