#!/usr/bin/env python3
"""Kinesis benchmark: PutRecords (25 records of 100 bytes) and PutRecord into a 4-shard stream
over 16 keep-alive connections, against Petrel and moto_server in the same run (moto_server is
the floor the issue names: the goal is ≥ 50× its PutRecords throughput).

    python3 bench/kinesis_bench.py                      # starts .build/release/petrel and moto_server
    python3 bench/kinesis_bench.py --petrel-bin .build/debug/petrel --seconds 3

Petrel runs with PETREL_KINESIS_SHARD_LIMITS=off (AWS's 1,000 records/s per shard would cap a
4-shard stream at 4,000 records/s). Uses tables_bench's load generator (pre-built requests with a
fixed SigV4-shaped header, one request in flight per connection); only 127.0.0.1 is contacted.
"""
import argparse
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables_bench  # noqa: E402

from json_service import KINESIS  # noqa: E402
from local_servers import RELEASE_BIN, petrel_and_moto  # noqa: E402

STREAM = "bench"
RECORDS_PER_BATCH = 25
DATA = base64.b64encode(b"x" * 100).decode()
call, raw_request = KINESIS.call, KINESIS.raw_request


def requests_for(workload, host, worker, count):
    out = []
    for i in range(min(count, 2000)):
        if workload == "PutRecords":
            body = {"StreamName": STREAM, "Records": [{"Data": DATA, "PartitionKey": f"w{worker}-{i}-{j}"} for j in range(RECORDS_PER_BATCH)]}
        else:
            body = {"StreamName": STREAM, "Data": DATA, "PartitionKey": f"w{worker}-{i}"}
        out.append(raw_request(host, workload, body))
    return out


def prepare(endpoint):
    try:
        call(endpoint, "DeleteStream", {"StreamName": STREAM})
    except Exception:
        pass
    call(endpoint, "CreateStream", {"StreamName": STREAM, "ShardCount": 4})


def bench(name, endpoint, seconds, connections, processes):
    host, port = endpoint.split("//")[1].split(":")
    prepare(endpoint)
    out = {}
    for workload in ("PutRecords", "PutRecord"):
        r = tables_bench.run_workload(host, int(port), workload, seconds, connections, processes)
        per = RECORDS_PER_BATCH if workload == "PutRecords" else 1
        r["records"] = r["ops"] * per
        out[workload] = r
        print(f"  {name:7s} {workload:10s} {r['ops']:8.0f} req/s {r['records']:9.0f} records/s   p50 {r['p50']:7.3f} ms"
              f"   p99 {r['p99']:7.3f} ms   errors {r['errors']}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    args = ap.parse_args()
    # The load generator's worker processes are forked: they build Kinesis requests.
    tables_bench.requests_for = requests_for
    with petrel_and_moto(args.petrel_bin, "kinesis", moto=not args.no_moto, env={"PETREL_KINESIS_SHARD_LIMITS": "off"}) as servers:
        print(f"Kinesis: 4 shards, {args.connections} connections, {args.seconds:.0f} s per workload")
        petrel = bench("petrel", servers.petrel, args.seconds, args.connections, args.processes)
        if servers.moto:
            moto = bench("moto", servers.moto, args.seconds, args.connections, args.processes)
            print("\nworkload     petrel records/s  moto records/s  ratio (goal for PutRecords ≥ 50x)")
            for w in petrel:
                a, b = petrel[w]["records"], moto[w]["records"]
                print(f"{w:10s} {a:16.0f} {b:15.0f} {a / b if b else float('inf'):6.1f}x")


if __name__ == "__main__":
    main()
