#!/usr/bin/env python3
"""Trigger latency through the event-source engine: SQS send-to-handler, DynamoDB and Kinesis
write-to-handler, p50 and p99, each beside its floor measured in the same run.

The function logs, at the start of each invocation, now minus the send time the message or item
carries, so each figure includes the client's request (SendMessage / PutItem). The floors are
what that path cannot go below: the request itself, and a synchronous Invoke of the same
function (the invoke path every mapping goes through).

    python3 bench/sqs_trigger_bench.py [--endpoint URL] [--messages N]
"""
import argparse
import time
import uuid

import boto3
from botocore.config import Config

from lag_function import collect, percentiles
from lag_function import create as function

def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 5}))


def row(label, p50, p99):
    print(f"  {label:<52} p50 {p50:8.2f}   p99 {p99:8.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    sqs, ddb, lam, logs, kinesis = (client(args.endpoint, s) for s in ("sqs", "dynamodb", "lambda", "logs", "kinesis"))
    suffix = uuid.uuid4().hex[:6]

    # SQS: send-to-handler, one message at a time.
    fn = f"bench-sqs-{suffix}"
    function(lam, fn)
    url = sqs.create_queue(QueueName=f"bench-sqs-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10, ScalingConfig={"MaximumConcurrency": 2})
    sqs.send_message(QueueUrl=url, MessageBody=str(int(time.time() * 1000)))
    collect(logs, fn, 1)
    request = []
    for _ in range(args.messages):
        started = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody=str(int(time.time() * 1000)))
        request.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    sqs_lags = collect(logs, fn, args.messages + 1)[1:]

    # DynamoDB: write-to-handler, one item at a time.
    dfn = f"bench-ddb-{suffix}"
    function(lam, dfn)
    table = f"bench-ddb-{suffix}"
    stream = ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=dfn, StartingPosition="LATEST", BatchSize=100)
    time.sleep(0.5)
    ddb.put_item(TableName=table, Item={"id": {"S": "warm"}, "t": {"N": str(int(time.time() * 1000))}})
    collect(logs, dfn, 1)
    put_request = []
    for i in range(args.messages):
        started = time.perf_counter()
        ddb.put_item(TableName=table, Item={"id": {"S": f"l{i}"}, "t": {"N": str(int(time.time() * 1000))}})
        put_request.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    ddb_lags = collect(logs, dfn, args.messages + 1)[1:]

    # Kinesis: put-to-handler, one record at a time (one shard).
    kfn = f"bench-kinesis-{suffix}"
    function(lam, kfn)
    kstream = f"bench-kinesis-{suffix}"
    kinesis.create_stream(StreamName=kstream, ShardCount=1)
    karn = kinesis.describe_stream_summary(StreamName=kstream)["StreamDescriptionSummary"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=karn, FunctionName=kfn, StartingPosition="LATEST", BatchSize=100)
    time.sleep(0.5)
    kinesis.put_record(StreamName=kstream, PartitionKey="warm", Data=str(int(time.time() * 1000)).encode())
    collect(logs, kfn, 1)
    kput_request = []
    for i in range(args.messages):
        started = time.perf_counter()
        kinesis.put_record(StreamName=kstream, PartitionKey=f"k{i}", Data=str(int(time.time() * 1000)).encode())
        kput_request.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    kinesis_lags = collect(logs, kfn, args.messages + 1)[1:]

    # The floor of all three: a synchronous Invoke of the same (warm) function.
    invoke = []
    for _ in range(args.messages):
        started = time.perf_counter()
        lam.invoke(FunctionName=fn, Payload=b"{}")
        invoke.append((time.perf_counter() - started) * 1000)

    print(f"trigger latency, {args.messages} single messages/items, ms (send time to handler start)")
    row("SQS send-to-handler", *percentiles(sqs_lags))
    row("  floor: SendMessage request alone", *percentiles(request))
    row("DynamoDB write-to-handler", *percentiles(ddb_lags))
    row("  floor: PutItem request alone", *percentiles(put_request))
    row("Kinesis put-to-handler", *percentiles(kinesis_lags))
    row("  floor: PutRecord request alone", *percentiles(kput_request))
    row("floor: synchronous Invoke round trip (same function)", *percentiles(invoke))


if __name__ == "__main__":
    main()
