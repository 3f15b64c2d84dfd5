#!/usr/bin/env python3
"""SQS benchmark, Petrel beside moto_server in the same run (the floor the issue names: goal
>= 50x its throughput), JSON protocol over keep-alive connections:

- SendMessage/s with 16 connections (pre-built requests, tables_bench's load generator);
- messages/s through ReceiveMessage (10 at a time) + DeleteMessageBatch, 8 consumer processes;
- long-poll wake-up: a ReceiveMessage parked with WaitTimeSeconds=20 on one connection, a
  SendMessage on another; the time from the send's start to the receive's answer, p50/p99, beside
  the SendMessage round trip alone (its floor: the wake-up cannot come before the send commits).

`--backlog N` (Petrel only; heavy, minutes) measures instead whether a deep queue slows
ReceiveMessage: receive+delete messages/s (8 consumer processes) and the p50 of one consumer's
ReceiveMessage (10 at a time) and DeleteMessageBatch round trips, first on a queue holding a few
thousand messages (the floor), then on one filled with N messages through SendMessageBatch.

    python3 bench/sqs_bench.py                       # starts .build/release/petrel and moto_server
    python3 bench/sqs_bench.py --petrel-bin .build/debug/petrel --seconds 3 --no-moto
    python3 bench/sqs_bench.py --backlog 1000000 --seconds 5 [--store postgres://…/empty_db]

Only 127.0.0.1 is contacted; every phase is bounded in time.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables_bench  # noqa: E402
from json_service import SQS  # noqa: E402
from local_servers import RELEASE_BIN, petrel_and_moto  # noqa: E402

QUEUE = "bench"
BODY = "x" * 100


def queue_url(endpoint, name=QUEUE):
    return SQS.call(endpoint, "CreateQueue", {"QueueName": name})["QueueUrl"]


def requests_for(workload, host, worker, count):
    url = f"http://{host}/000000000000/{QUEUE}"  # both servers take the account/name path form
    return [SQS.raw_request(host, "SendMessage", {"QueueUrl": url, "MessageBody": f"{BODY}-{worker}-{i}"}) for i in range(min(count, 2000))]


class Connection:
    """One keep-alive connection speaking SQS's JSON protocol."""

    def __init__(self, endpoint):
        host, port = endpoint.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call(self, op, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": f"AmazonSQS.{op}", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": SQS.auth, "X-Amz-Date": "20240101T000000Z"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{op}: {response.status} {data[:200]!r}")
        return json.loads(data or b"{}")


def consume(args):
    endpoint, url, seconds, queue = args
    conn, done, end = Connection(endpoint), 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        messages = conn.call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}).get("Messages", [])
        if not messages:
            continue
        conn.call("DeleteMessageBatch", {"QueueUrl": url, "Entries": [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]})
        done += len(messages)
    queue.put(done)


def fill_worker(args):
    endpoint, url, batches, seconds, queue = args
    conn, sent, end = Connection(endpoint), 0, time.perf_counter() + seconds
    body = {"QueueUrl": url, "Entries": [{"Id": str(j), "MessageBody": BODY} for j in range(10)]}
    while sent < batches and time.perf_counter() < end:
        conn.call("SendMessageBatch", body)
        sent += 1
    queue.put(sent * 10)


def fill(endpoint, url, messages, seconds, processes=4):
    """Sends up to `messages` messages (SendMessageBatch of 10, `processes` connections) for at
    most `seconds`; returns (messages sent, elapsed seconds)."""
    queue, started = mp.Queue(), time.perf_counter()
    per = -(-messages // 10 // processes)
    procs = [mp.Process(target=fill_worker, args=((endpoint, url, per, seconds, queue),)) for _ in range(processes)]
    for p in procs:
        p.start()
    sent = sum(queue.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join(timeout=10)
    return sent, time.perf_counter() - started


def receive_delete(endpoint, seconds, processes=8, prefill=100_000, prefill_seconds=60, url=None):
    """Messages/s consumed by `processes` receive+delete loops from a queue filled beforehand
    (with up to `prefill` messages, for at most `prefill_seconds`, so consumers never starve)."""
    url = url or queue_url(endpoint)
    if prefill:
        fill(endpoint, url, prefill, prefill_seconds)
    queue = mp.Queue()
    procs = [mp.Process(target=consume, args=((endpoint, url, seconds, queue),)) for _ in range(processes)]
    for p in procs:
        p.start()
    total = sum(queue.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join(timeout=10)
    return total / seconds


def round_trips(endpoint, url, rounds=200):
    """One consumer alone: p50 of ReceiveMessage (10 at a time) and of DeleteMessageBatch, ms."""
    conn, receives, deletes = Connection(endpoint), [], []
    for _ in range(rounds):
        started = time.perf_counter()
        messages = conn.call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}).get("Messages", [])
        receives.append((time.perf_counter() - started) * 1000)
        if messages:
            started = time.perf_counter()
            conn.call("DeleteMessageBatch", {"QueueUrl": url, "Entries": [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]})
            deletes.append((time.perf_counter() - started) * 1000)
    return pct(receives)[0], pct(deletes)[0]


def backlog(endpoint, messages, seconds):
    """Receive+delete on a shallow queue (the floor) and on one holding `messages` messages."""
    rows = {}
    for label, name, depth in (("shallow", "bench-shallow", 5_000 + int(4000 * seconds)), ("deep", "bench-deep", messages)):
        url = queue_url(endpoint, name)
        sent, took = fill(endpoint, url, depth, seconds=3600)
        print(f"  filled {name}: {sent} messages in {took:.0f} s ({sent / took:.0f} messages/s through SendMessageBatch)", flush=True)
        receive50, delete50 = round_trips(endpoint, url)
        rate = receive_delete(endpoint, seconds, prefill=0, url=url)
        left = SQS.call(endpoint, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]})
        rows[label] = (rate, receive50, delete50, sent, int(left["Attributes"]["ApproximateNumberOfMessages"]))
    print(f"\n{'figure':46s} {'1M backlog' if messages == 1_000_000 else str(messages) + ' backlog':>12s} {'shallow':>10s}  ratio")
    names = ("receive+delete messages/s (8 consumers)", "ReceiveMessage p50, one consumer (ms)", "DeleteMessageBatch p50, one consumer (ms)")
    for i, label in enumerate(names):
        deep, shallow = rows["deep"][i], rows["shallow"][i]
        print(f"{label:46s} {deep:12.2f} {shallow:10.2f} {deep / shallow if shallow else float('inf'):6.2f}x")
    print(f"(messages in the queue at the start: {rows['deep'][3]} and {rows['shallow'][3]}; visible at the end: "
          f"{rows['deep'][4]} and {rows['shallow'][4]})")


def wake_up(endpoint, rounds=50):
    url = queue_url(endpoint, "bench-wake")
    receiver, sender = Connection(endpoint), Connection(endpoint)
    lags, sends = [], []
    for i in range(rounds):
        got = {}

        def park():
            got["r"] = receiver.call("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 20})
            got["t"] = time.perf_counter()
            for m in got["r"].get("Messages", []):
                receiver.call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})

        thread = threading.Thread(target=park)
        thread.start()
        time.sleep(0.05)  # the receive is parked
        started = time.perf_counter()
        sender.call("SendMessage", {"QueueUrl": url, "MessageBody": str(i)})
        sends.append((time.perf_counter() - started) * 1000)
        thread.join(timeout=30)
        if got.get("r", {}).get("Messages"):
            lags.append((got["t"] - started) * 1000)
    return lags, sends


def pct(values):
    values = sorted(values)
    return (statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))]) if values else (float("nan"), float("nan"))


def bench(name, endpoint, seconds, connections, processes):
    host, port = endpoint.split("//")[1].split(":")
    queue_url(endpoint)
    send = tables_bench.run_workload(host, int(port), "SendMessage", seconds, connections, processes)
    consumed = receive_delete(endpoint, seconds)
    lags, sends = wake_up(endpoint)
    lag50, lag99 = pct(lags)
    send50, send99 = pct(sends)
    print(f"  {name:7s} SendMessage {send['ops']:8.0f}/s (p50 {send['p50']:.2f} ms, errors {send['errors']})   "
          f"receive+delete {consumed:8.0f} messages/s   long-poll wake-up p50 {lag50:.2f} ms p99 {lag99:.2f} ms "
          f"(floor, SendMessage alone: p50 {send50:.2f} ms)", flush=True)
    return {"send": send["ops"], "consume": consumed, "wake": lag50, "floor": send50}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--backlog", type=int, default=0, metavar="N",
                    help="Petrel only: receive+delete on a queue holding N messages beside a shallow queue")
    ap.add_argument("--store", help="a PostgreSQL URL for `petrel serve --store` (an empty database)")
    args = ap.parse_args()
    tables_bench.requests_for = requests_for  # the forked load generator builds SQS requests
    with petrel_and_moto(args.petrel_bin, "sqs", moto=not args.no_moto and not args.backlog,
                         args=["--store", args.store] if args.store else []) as servers:
        if args.backlog:
            print(f"SQS backlog: {args.backlog} messages, {args.seconds:.0f} s of receive+delete per queue")
            backlog(servers.petrel, args.backlog, args.seconds)
            return
        print(f"SQS: {args.connections} connections, {args.seconds:.0f} s per workload")
        petrel = bench("petrel", servers.petrel, args.seconds, args.connections, args.processes)
        if servers.moto:
            moto = bench("moto", servers.moto, args.seconds, args.connections, args.processes)
            print("\nfigure                     petrel      moto   ratio (goal >= 50x)")
            for key, label in (("send", "SendMessage/s"), ("consume", "receive+delete messages/s")):
                a, b = petrel[key], moto[key]
                print(f"{label:26s} {a:8.0f} {b:9.0f} {a / b if b else float('inf'):6.1f}x")


if __name__ == "__main__":
    main()
