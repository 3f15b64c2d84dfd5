"""Concurrency and durability: no lost updates under contention; acknowledged writes survive kill -9."""
import threading
import time

from tables_helpers import create_table, read_stream


def test_eight_concurrent_conditional_incrementers(petrel):
    ddb = petrel.client("dynamodb")
    name = create_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
    per_worker, conflicts = 40, []

    def worker():
        client = petrel.client("dynamodb")
        done = 0
        while done < per_worker:
            current = client.get_item(TableName=name, Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]["n"]["N"]
            try:
                client.update_item(TableName=name, Key={"pk": {"S": "counter"}}, UpdateExpression="SET n = :new",
                                   ConditionExpression="n = :old",
                                   ExpressionAttributeValues={":old": {"N": current}, ":new": {"N": str(int(current) + 1)}})
                done += 1
            except client.exceptions.ConditionalCheckFailedException:
                conflicts.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    final = ddb.get_item(TableName=name, Key={"pk": {"S": "counter"}})["Item"]["n"]["N"]
    assert final == str(8 * per_worker)


def test_acknowledged_writes_and_stream_records_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    ddb = server.client("dynamodb")
    name = create_table(ddb, stream="NEW_IMAGE")
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def writer(w):
        client = server.client("dynamodb")
        i = 0
        while not stop.is_set():
            key = f"w{w}-{i}"
            try:
                client.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": str(i)}})
            except Exception:
                return  # the server died mid-request: this write was never acknowledged
            with lock:
                acknowledged.append(key)
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) > 20
    server.start()
    ddb = server.client("dynamodb")
    streams = server.client("dynamodbstreams")
    present = set()
    start = None
    while True:
        kwargs = {"TableName": name}
        if start:
            kwargs["ExclusiveStartKey"] = start
        r = ddb.scan(**kwargs)
        present |= {i["pk"]["S"] for i in r["Items"]}
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    missing = [k for k in acknowledged if k not in present]
    assert missing == []
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    in_stream = {r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn)}
    assert [k for k in acknowledged if k not in in_stream] == []
    assert in_stream == present
