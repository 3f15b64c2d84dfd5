#!/usr/bin/env python3
"""S3 event notification latency against a running Petrel: for each of N small PutObjects, the
time from the PUT's acknowledgement to a parked ReceiveMessage answering with its event

- on a queue named by the bucket's QueueConfiguration (outbox → SendMessage), and
- on a queue that an EventBridge rule on aws.s3 targets (EventBridgeConfiguration → default bus),

beside their floor measured in the same run: a SendMessage's acknowledgement to the parked
ReceiveMessage answering (the queue's own wake-up), and the PutObject round trip itself.

    python3 bench/s3_notify_latency.py [--endpoint http://127.0.0.1:4566] [--count 40]
"""
import argparse
import json
import threading
import time
import uuid

import boto3


def percentile(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    kw = dict(endpoint_url=args.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    s3, sqs, events = boto3.client("s3", **kw), boto3.client("sqs", **kw), boto3.client("events", **kw)
    poller = boto3.client("sqs", **kw)
    suffix = uuid.uuid4().hex[:8]
    bucket = f"latency-{suffix}"
    s3.create_bucket(Bucket=bucket)

    def queue(name):
        url = sqs.create_queue(QueueName=f"{name}-{suffix}")["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    direct_url, direct_arn = queue("direct")
    bus_url, bus_arn = queue("bus")
    floor_url, _ = queue("floor")
    sqs.set_queue_attributes(QueueUrl=direct_url, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": direct_arn}]})})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": direct_arn, "Events": ["s3:ObjectCreated:*"]}], "EventBridgeConfiguration": {}})
    rule_arn = events.put_rule(Name=f"latency-{suffix}", EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}}))["RuleArn"]
    events.put_targets(Rule=f"latency-{suffix}", Targets=[{"Id": "q", "Arn": bus_arn}])
    sqs.set_queue_attributes(QueueUrl=bus_url, Attributes={"Policy": json.dumps({"Statement": [{   # as AWS, the rule needs it
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": bus_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    time.sleep(0.5)
    poller.purge_queue(QueueUrl=direct_url)  # the s3:TestEvent

    def parked(url):
        """Starts a long poll; returns a function that waits for its answer's time."""
        out = {}

        def poll():
            while "t" not in out:
                ms = poller.receive_message(QueueUrl=url, WaitTimeSeconds=10, MaxNumberOfMessages=1).get("Messages", [])
                if ms:
                    out["t"] = time.perf_counter()
                    poller.delete_message(QueueUrl=url, ReceiptHandle=ms[0]["ReceiptHandle"])
        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.05)  # let the receive park
        return lambda: (thread.join(), out["t"])[1]

    put, direct, bus, floor = [], [], [], []
    for i in range(args.count):
        wait = parked(floor_url)
        sqs.send_message(QueueUrl=floor_url, MessageBody="x")
        acked = time.perf_counter()
        floor.append(wait() - acked)
        # One PUT, two events: one on each queue, both receives parked before it.
        waits = parked(direct_url), parked(bus_url)
        t0 = time.perf_counter()
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
        acked = time.perf_counter()
        put.append(acked - t0)
        direct.append(waits[0]() - acked)
        bus.append(waits[1]() - acked)
    rows = [("PutObject round trip", put), ("SendMessage ack -> parked receive answers (floor)", floor),
            ("PutObject ack -> QueueConfiguration's queue answers", direct),
            ("PutObject ack -> EventBridge rule's queue answers", bus)]
    for name, values in rows:
        print(f"{name:55s} p50 {percentile(values, .5):6.1f} ms  p90 {percentile(values, .9):6.1f} ms")


if __name__ == "__main__":
    main()
