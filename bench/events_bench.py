#!/usr/bin/env python3
"""EventBridge benchmark, each figure beside its floor measured in the same run:

- PutEvents/s (one entry per request) with 16 keep-alive connections, Petrel beside moto_server
  (goal >= 50x), twice: with no rule matching, and with a rule sending each event to an SQS queue;
- PutEvents-to-handler latency through a rule, p50/p99 (goal p50 <= 5 ms): the lag function of
  the trigger benchmarks (bench/lag_function.py) as the rule's target, its input shaped by an
  InputTransformer into `{"Records": [{"body": "<send time>"}]}`; floors: the PutEvents request
  alone and a synchronous Invoke of the same function;
- pattern matching per event with 1,000 rules: petrel-patterns-bench, when built beside
  the server binary (`swift build [-c release] --product petrel-patterns-bench`).

    python3 bench/events_bench.py                       # .build/release/petrel and moto_server
    python3 bench/events_bench.py --petrel-bin .build/debug/petrel --seconds 3 --no-moto

Only 127.0.0.1 is contacted; every phase is bounded in time.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables_bench  # noqa: E402
from json_service import JsonService  # noqa: E402
from lag_function import collect, percentiles  # noqa: E402
from lag_function import create as lag_function  # noqa: E402
from local_servers import RELEASE_BIN, start_moto, start_petrel, stop  # noqa: E402

EVENTS = JsonService("AWSEvents", "application/x-amz-json-1.1", "events")
MATCHED = "bench.matched"


def requests_for(workload, host, worker, count):
    source = MATCHED if workload == "matched" else "bench.unmatched"
    return [EVENTS.raw_request(host, "PutEvents", {"Entries": [
        {"Source": source, "DetailType": "Bench", "Detail": json.dumps({"worker": worker, "i": i})}]})
        for i in range(min(count, 2000))]


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x", config=Config(retries={"max_attempts": 5}))


def prepare(endpoint):
    """A rule sending MATCHED events to an SQS queue (both servers deliver to SQS)."""
    sqs, events = client(endpoint, "sqs"), client(endpoint, "events")
    url = sqs.create_queue(QueueName=f"events-bench-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = events.put_rule(Name="bench-matched", EventPattern=json.dumps({"source": [MATCHED]}))["RuleArn"]
    events.put_targets(Rule="bench-matched", Targets=[{"Id": "q", "Arn": arn}])
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{   # as AWS, the rule needs it
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_rule(Name="bench-other", EventPattern=json.dumps({"source": ["bench.nothing"]}))


def throughput(name, endpoint, seconds, connections, processes):
    host, port = endpoint.split("//")[1].split(":")
    prepare(endpoint)
    out = {}
    for workload in ("unmatched", "matched"):
        r = tables_bench.run_workload(host, int(port), workload, seconds, connections, processes)
        out[workload] = r["ops"]
        print(f"  {name:7s} PutEvents ({workload:9s}) {r['ops']:8.0f}/s  p50 {r['p50']:.2f} ms  errors {r['errors']}", flush=True)
    return out


def row(label, p50, p99):
    print(f"  {label:<56} p50 {p50:8.2f}   p99 {p99:8.2f}")


def latency(endpoint, count):
    lam, logs, events = client(endpoint, "lambda"), client(endpoint, "logs"), client(endpoint, "events")
    fn = f"bench-events-{uuid.uuid4().hex[:6]}"
    lag_function(lam, fn)
    rule_arn = events.put_rule(Name=f"{fn}-rule", EventPattern=json.dumps({"source": ["bench.lag"]}))["RuleArn"]
    lam.add_permission(FunctionName=fn, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule=f"{fn}-rule", Targets=[{"Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:000000000000:function:{fn}",
                                                   "InputTransformer": {"InputPathsMap": {"t": "$.detail.t"},
                                                                        "InputTemplate": '{"Records": [{"body": "<t>"}]}'}}])

    def put():
        events.put_events(Entries=[{"Source": "bench.lag", "DetailType": "Lag", "Detail": json.dumps({"t": int(time.time() * 1000)})}])

    put()
    collect(logs, fn, 1)   # warm
    request = []
    for _ in range(count):
        started = time.perf_counter()
        put()
        request.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    lags = collect(logs, fn, count + 1)[1:]
    invoke = []
    for _ in range(count):
        started = time.perf_counter()
        lam.invoke(FunctionName=fn, Payload=b"{}")
        invoke.append((time.perf_counter() - started) * 1000)
    print(f"  PutEvents-to-handler latency through a rule, {count} single events, ms (send time to handler start)")
    if lags:
        row("PutEvents-to-handler (goal p50 <= 5 ms)", *percentiles(lags))
    else:
        print("  no lags were logged: the rule did not invoke the function")
    row("  floor: PutEvents request alone", *percentiles(request))
    row("  floor: synchronous Invoke round trip (same function)", *percentiles(invoke))


def patterns(petrel_bin):
    binary = os.path.join(os.path.dirname(os.path.abspath(petrel_bin)), "petrel-patterns-bench")
    if not os.path.exists(binary):
        print(f"  pattern matching: {binary} not built (swift build --product petrel-patterns-bench)")
        return
    print("  pattern matching with 1,000 rules (petrel-patterns-bench):")
    out = subprocess.run([binary], capture_output=True, text=True, timeout=300)
    for line in out.stdout.splitlines():
        print("    " + line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--events", type=int, default=200, help="single events for the latency figure")
    args = ap.parse_args()
    tables_bench.requests_for = requests_for  # the forked load generator builds PutEvents requests
    started, temp = [], tempfile.mkdtemp(prefix="events-bench-")
    try:
        p, endpoint = start_petrel(args.petrel_bin, os.path.join(temp, "petrel"))
        started.append(p)
        print(f"EventBridge: {args.connections} connections, {args.seconds:.0f} s per workload")
        petrel = throughput("petrel", endpoint, args.seconds, args.connections, args.processes)
        moto_server = None if args.no_moto else start_moto()
        if moto_server:
            started.append(moto_server[0])
            moto = throughput("moto", moto_server[1], args.seconds, args.connections, args.processes)
            print("\n  figure                          petrel      moto   ratio (goal >= 50x)")
            for key in ("unmatched", "matched"):
                a, b = petrel[key], moto[key]
                print(f"  PutEvents/s ({key:9s})        {a:8.0f} {b:9.0f} {a / b if b else float('inf'):6.1f}x")
        print()
        latency(endpoint, args.events)
        print()
        patterns(args.petrel_bin)
    finally:
        stop(started)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
