"""Every acknowledged Kinesis record survives kill -9, with its sequence number, shard and order;
shard lineage and stream settings too."""
import uuid

from concurrent.futures import ThreadPoolExecutor


def test_acknowledged_records_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    k = server.client("kinesis")
    s = f"durable-{uuid.uuid4().hex[:6]}"
    k.create_stream(StreamName=s, ShardCount=2)
    k.add_tags_to_stream(StreamName=s, Tags={"keep": "me"})
    acked = {}

    def put(i):
        out = k.put_record(StreamName=s, Data=f"r{i}".encode(), PartitionKey=f"k{i % 5}")
        return i, out["ShardId"], out["SequenceNumber"]

    with ThreadPoolExecutor(8) as pool:
        for i, shard, seq in pool.map(put, range(200)):
            acked[seq] = (shard, f"r{i}")
    batch = k.put_records(StreamName=s, Records=[{"Data": f"b{i}".encode(), "PartitionKey": f"b{i}"} for i in range(50)])
    for i, r in enumerate(batch["Records"]):
        acked[r["SequenceNumber"]] = (r["ShardId"], f"b{i}")
    k.split_shard(StreamName=s, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
    after_split = k.put_record(StreamName=s, Data=b"last", PartitionKey="k1")
    acked[after_split["SequenceNumber"]] = (after_split["ShardId"], "last")
    server.kill9()
    server.restart()
    k = server.client("kinesis")
    assert {t["Key"]: t["Value"] for t in k.list_tags_for_stream(StreamName=s)["Tags"]} == {"keep": "me"}
    shards = k.list_shards(StreamName=s)["Shards"]
    assert len(shards) == 4 and "EndingSequenceNumber" in shards[0]["SequenceNumberRange"]
    found = {}
    for shard in shards:
        it = k.get_shard_iterator(StreamName=s, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            out = k.get_records(ShardIterator=it)
            seqs = [int(r["SequenceNumber"]) for r in out["Records"]]
            assert seqs == sorted(seqs)
            for r in out["Records"]:
                found[r["SequenceNumber"]] = (shard["ShardId"], r["Data"].decode())
            if not out["Records"]:
                break
            it = out.get("NextShardIterator")
    assert found == acked
    # New records after the restart still sort after the old ones.
    again = k.put_record(StreamName=s, Data=b"again", PartitionKey="k1")
    assert int(again["SequenceNumber"]) > max(int(x) for x in acked)
