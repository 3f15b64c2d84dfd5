#!/usr/bin/env python3
"""Table-service benchmark: PutItem, GetItem, conditional UpdateItem and Query over HTTP with
16 concurrent keep-alive connections, against Petrel and moto_server in the same run.

    python3 bench/tables_bench.py                       # starts .build/release/petrel and moto_server
    python3 bench/tables_bench.py --petrel-bin .build/debug/petrel --seconds 3
    python3 bench/tables_bench.py --petrel-endpoint http://127.0.0.1:4566 --no-moto

Requests are pre-serialised JSON 1.0 bodies with a fixed SigV4-shaped Authorization header
(neither server verifies signatures), so the load generator spends little CPU per request. It
runs in several processes, each driving several connections with one request in flight per
connection. Only 127.0.0.1 is ever contacted; every phase is bounded in time.
"""
import argparse
import multiprocessing as mp
import os
import selectors
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from json_service import DYNAMODB  # noqa: E402
from local_servers import RELEASE_BIN, start_moto, start_petrel, stop  # noqa: E402

TABLE = "bench"
KEYS = 2000
call, raw_request = DYNAMODB.call, DYNAMODB.raw_request


def requests_for(workload, host, worker, count):
    """Pre-built request bytes for one connection."""
    out = []
    for i in range(count):
        k = f"k{(worker * 7919 + i) % KEYS}"
        if workload == "PutItem":
            body = {"TableName": TABLE, "Item": {"pk": {"S": f"w{worker}-{i}"}, "sk": {"N": str(i)}, "v": {"N": str(i)}, "s": {"S": "payload-" * 8}}}
        elif workload == "GetItem":
            body = {"TableName": TABLE, "Key": {"pk": {"S": k}, "sk": {"N": "0"}}}
        elif workload == "UpdateItem":
            body = {"TableName": TABLE, "Key": {"pk": {"S": k}, "sk": {"N": "0"}},
                    "UpdateExpression": "SET v = v + :one", "ConditionExpression": "attribute_exists(pk) AND v >= :zero",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}}}
        elif workload == "DescribeLimits":  # no storage at all: the HTTP and dispatch floor
            body = {}
        else:  # Query
            body = {"TableName": TABLE, "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                    "ExpressionAttributeValues": {":p": {"S": f"q{i % 50}"}, ":a": {"N": "0"}, ":b": {"N": "9"}}, "Limit": 10}
        out.append(raw_request(host, workload, body))
    return out


def read_response(sock, buf):
    """Reads one HTTP/1.1 response with Content-Length; returns (status, leftover)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return status, rest[length:]


def drive(args):
    """One process: `conns` connections, one request in flight on each, for `seconds`."""
    host, port, workload, first_worker, conns, seconds, queue = args
    sel = selectors.DefaultSelector()
    state = {}
    for c in range(conns):
        s = socket.create_connection((host, port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reqs = requests_for(workload, f"{host}:{port}", first_worker + c, 20000)
        state[s] = {"reqs": reqs, "i": 0, "buf": b"", "t": 0.0}
    latencies, errors = [], 0
    end = time.perf_counter() + seconds
    for s, st in state.items():
        st["t"] = time.perf_counter()
        s.sendall(st["reqs"][0])
        sel.register(s, selectors.EVENT_READ)
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            st = state[s]
            try:
                chunk = s.recv(65536)
            except ConnectionError:
                chunk = b""
            if not chunk:
                # The server closed the connection (moto's HTTP/1.0-style server does after each
                # response): count a complete response, then reconnect and carry on.
                sel.unregister(s)
                s.close()
                complete = b"\r\n\r\n" in st["buf"]
                t = time.perf_counter()
                if complete:
                    latencies.append(t - st["t"])
                    if int(st["buf"][9:12]) != 200:
                        errors += 1
                    st["i"] = (st["i"] + 1) % len(st["reqs"])
                else:
                    errors += 1
                del state[s]
                if t < end:
                    n = socket.create_connection((host, port))
                    n.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    st["buf"], st["t"] = b"", t
                    state[n] = st
                    n.sendall(st["reqs"][st["i"]])
                    sel.register(n, selectors.EVENT_READ)
                continue
            st["buf"] += chunk
            try:
                # Parse as many complete responses as arrived (one in flight, so at most one).
                if b"\r\n\r\n" not in st["buf"]:
                    continue
                head, _, rest = st["buf"].partition(b"\r\n\r\n")
                length = None
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None or len(rest) < length:
                    continue  # no length: the response ends when the server closes
                status = int(head[9:12])
                st["buf"] = rest[length:]
                closing = b"connection: close" in head.lower()
            except ValueError:
                errors += 1
                continue
            t = time.perf_counter()
            latencies.append(t - st["t"])
            if status != 200:
                errors += 1
            st["i"] = (st["i"] + 1) % len(st["reqs"])
            st["t"] = t
            if closing:
                # The server will not take another request on this connection: open a new one.
                sel.unregister(s)
                s.close()
                del state[s]
                s = socket.create_connection((host, port))
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                st["buf"] = b""
                state[s] = st
                sel.register(s, selectors.EVENT_READ)
            if t < end:
                s.sendall(st["reqs"][st["i"]])
    for s in list(state):
        s.close()
    queue.put((latencies, errors))


def run_workload(host, port, workload, seconds, connections=16, processes=4):
    queue = mp.Queue()
    per = connections // processes
    procs = [mp.Process(target=drive, args=((host, port, workload, p * per, per, seconds, queue),)) for p in range(processes)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    elapsed = time.perf_counter() - start
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    if not lat:
        return {"ops": 0, "p50": float("nan"), "p99": float("nan"), "errors": errors}
    return {"ops": len(lat) / seconds, "p50": lat[len(lat) // 2] * 1000, "p99": lat[int(len(lat) * 0.99)] * 1000,
            "errors": errors, "elapsed": elapsed}


def prepare(endpoint):
    try:
        call(endpoint, "DeleteTable", {"TableName": TABLE})
    except Exception:
        pass
    call(endpoint, "CreateTable", {
        "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]})
    for start in range(0, KEYS, 25):
        call(endpoint, "BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "sk": {"N": "0"}, "v": {"N": "0"}, "s": {"S": "payload-" * 8}}}}
            for i in range(start, min(start + 25, KEYS))]}})
    for q in range(50):
        call(endpoint, "BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": {"pk": {"S": f"q{q}"}, "sk": {"N": str(j)}, "v": {"N": str(j)}}}} for j in range(20)]}})


WORKLOADS = ("PutItem", "GetItem", "UpdateItem", "Query")


def bench(name, endpoint, seconds, connections, processes, workloads=WORKLOADS, fresh=True):
    host, port = endpoint.split("//")[1].split(":")
    if fresh:
        prepare(endpoint)
    out = {}
    for workload in workloads:
        r = run_workload(host, int(port), workload, seconds, connections, processes)
        out[workload] = r
        print(f"  {name:7s} {workload:10s} {r['ops']:9.0f} ops/s   p50 {r['p50']:7.3f} ms   p99 {r['p99']:7.3f} ms   errors {r['errors']}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--petrel-endpoint", help="use a running Petrel instead of starting one")
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--no-petrel", action="store_true", help="benchmark moto_server only")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--reuse-table", action="store_true", help="skip creating and loading the table (it exists already)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated; DescribeLimits measures the HTTP floor without storage")
    args = ap.parse_args()
    started, temp = [], tempfile.mkdtemp(prefix="tables-bench-")
    try:
        endpoint = args.petrel_endpoint
        petrel = None
        if not args.no_petrel and not endpoint:
            p, endpoint = start_petrel(args.petrel_bin, os.path.join(temp, "petrel"))
            started.append(p)
        workloads = tuple(args.workloads.split(","))
        if not args.no_petrel:
            print(f"Petrel at {endpoint}: {args.connections} connections, {args.seconds:.0f} s per workload")
            petrel = bench("petrel", endpoint, args.seconds, args.connections, args.processes, workloads, not args.reuse_table)
        moto = None
        moto_server = None if args.no_moto else start_moto()
        if moto_server:
            started.append(moto_server[0])
            print(f"moto_server at {moto_server[1]}")
            moto = bench("moto", moto_server[1], args.seconds, args.connections, args.processes, workloads)
        if moto and petrel:
            print("\nworkload     petrel ops/s  moto ops/s  ratio   petrel p50/p99 ms   moto p50/p99 ms")
            for w in petrel:
                a, b = petrel[w], moto[w]
                ratio = a["ops"] / b["ops"] if b["ops"] else float("inf")
                print(f"{w:10s} {a['ops']:12.0f} {b['ops']:11.0f} {ratio:6.1f}x   {a['p50']:6.3f}/{a['p99']:7.3f}    {b['p50']:6.3f}/{b['p99']:7.3f}")
    finally:
        stop(started)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
