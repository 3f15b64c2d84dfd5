#!/usr/bin/env python3
"""Stream trigger figures: commit-to-handler latency and records/s through one shard.

Latency: one client writes items carrying their send time; the function logs, at the start of
each invocation, now minus that time for its records (so the figure includes the PutItem
request, i.e. it bounds commit-to-handler from above). Throughput: 16 clients write N items as
fast as they can; records/s = N / (first write → last record seen by the function), BatchSize 100.

    python3 bench/stream_bench.py [--endpoint URL]   (run.py starts a server and calls this)
"""
import argparse
import concurrent.futures
import time
import uuid

import boto3
from botocore.config import Config

import lag_function

def clients(endpoint):
    kwargs = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
                  config=Config(retries={"max_attempts": 5}, max_pool_connections=32))
    return boto3.client("dynamodb", **kwargs), boto3.client("lambda", **kwargs), boto3.client("logs", **kwargs)


def setup(ddb, lam, suffix):
    table = f"bench-stream-{suffix}"
    arn = ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]
    fn = f"bench-stream-{suffix}"
    lag_function.create(lam, fn)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST", BatchSize=100)
    return table, fn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    parser.add_argument("--latency-writes", type=int, default=200)
    parser.add_argument("--throughput-writes", type=int, default=5000)
    args = parser.parse_args()
    ddb, lam, logs = clients(args.endpoint)

    table, fn = setup(ddb, lam, uuid.uuid4().hex[:6])
    ddb.put_item(TableName=table, Item={"id": {"S": "warm"}, "t": {"N": str(int(time.time() * 1000))}})
    time.sleep(1.0)
    for i in range(args.latency_writes):
        ddb.put_item(TableName=table, Item={"id": {"S": f"l{i}"}, "t": {"N": str(int(time.time() * 1000))}})
        time.sleep(0.01)  # one record per batch: the latency of a lone write
    p50, p99 = lag_function.percentiles(lag_function.collect(logs, fn, args.latency_writes + 1, timeout=30)[1:])
    print(f"  {'write-to-handler latency p50 (ms)':<48} {p50:10.2f}")
    print(f"  {'write-to-handler latency p99 (ms)':<48} {p99:10.2f}")

    table, fn = setup(ddb, lam, uuid.uuid4().hex[:6])
    time.sleep(0.5)
    started = time.time()

    def write(chunk):
        client = clients(args.endpoint)[0]
        for i in chunk:
            client.put_item(TableName=table, Item={"id": {"S": f"t{i}"}, "t": {"N": str(int(time.time() * 1000))}})

    ids = list(range(args.throughput_writes))
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(write, [ids[i::16] for i in range(16)]))
    written = time.time()
    while time.time() < written + 60:
        if len(lag_function.lags(logs, fn)) >= args.throughput_writes:
            break
        time.sleep(0.1)
    done = time.time()
    print(f"  {'writes/s from 16 boto3 clients (load side)':<48} {args.throughput_writes / (written - started):10.0f}")
    print(f"  {'records/s delivered through one shard':<48} {args.throughput_writes / (done - started):10.0f}")
    print(f"  {'delivery finished after the last write (s)':<48} {done - written:10.2f}")


if __name__ == "__main__":
    main()
