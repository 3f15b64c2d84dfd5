"""Concurrent writes to one stream from one node: every write is acknowledged (on PostgreSQL too,
where each is a SERIALIZABLE transaction on the stream's counter row) and every record is in the
stream, once, in sequence-number order."""
import uuid
from concurrent.futures import ThreadPoolExecutor


def test_concurrent_put_items_all_reach_the_table_stream(petrel):
    ddb = petrel.client("dynamodb")
    name = f"conc-{uuid.uuid4().hex[:6]}"
    stream = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                              StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]["LatestStreamArn"]

    def put(i):
        ddb.put_item(TableName=name, Item={"id": {"S": f"i{i}"}})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(200)))
    streams = petrel.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    keys, seqs = [], []
    while it and len(keys) < 200:
        out = streams.get_records(ShardIterator=it)
        for r in out["Records"]:
            keys.append(r["dynamodb"]["Keys"]["id"]["S"])
            seqs.append(int(r["dynamodb"]["SequenceNumber"]))
        if not out["Records"]:
            break
        it = out.get("NextShardIterator")
    assert sorted(keys) == sorted(f"i{i}" for i in range(200))
    assert seqs == sorted(seqs) and len(set(seqs)) == 200


def test_concurrent_put_records_are_all_acknowledged(petrel):
    k = petrel.client("kinesis")
    name = f"conc-{uuid.uuid4().hex[:6]}"
    k.create_stream(StreamName=name, ShardCount=1)

    def put(i):
        return k.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey=f"k{i}")["SequenceNumber"]

    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(put, range(200)))
    assert len(set(seqs)) == 200
