#!/usr/bin/env python3
"""A/B of two petrel binaries on the paths the per-instance Runtime API check touches.

Both servers run at once and are measured in alternating blocks, so a busy host skews them
alike. Prints, per binary: warm invoke p50/p90 (Node, 1 client, sequential), first invoke after
create with the warm pool (Node), and whether Petrel's Node runtime kept one Runtime API
connection for a whole warm run (its client port did not change).

Run: python3 bench/ab_isolation.py BIN_A BIN_B [--blocks 10] [--per-block 100] [--cold 12]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run as bench  # noqa: E402  (bench/run.py: Server, free_port, ...)


def runtime_api_client_ports(server_pid, public_port):
    """Client ports of established connections to the server's Runtime API ports, from ss."""
    out = subprocess.run(["ss", "-Htnp", "state", "established"], capture_output=True, text=True).stdout
    mine = {}
    for line in out.splitlines():
        fields = line.split()
        local, peer = fields[2], fields[3]
        if f"pid={server_pid}," in line and local.rsplit(":", 1)[1] != str(public_port):
            mine[local.rsplit(":", 1)[1]] = peer.rsplit(":", 1)[1]
    return mine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs=2)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--per-block", type=int, default=100)
    parser.add_argument("--cold", type=int, default=12)
    args = parser.parse_args()
    servers = {}
    try:
        for label, binary in zip("AB", args.binaries):
            bench.BIN = binary
            server = bench.Server()
            server.__enter__()
            server.create("warm", MemorySize=1769)
            server.invoke_ms("warm")
            servers[label] = server
        warm = {label: [] for label in servers}
        before = {label: runtime_api_client_ports(s.proc.pid, s.port) for label, s in servers.items()}
        for _ in range(args.blocks):
            for label, server in servers.items():
                warm[label] += [server.invoke_ms("warm") for _ in range(args.per_block)]
        after = {label: runtime_api_client_ports(s.proc.pid, s.port) for label, s in servers.items()}
        cold = {label: [] for label in servers}
        for i in range(args.cold):
            for label, server in servers.items():
                time.sleep(bench.POOL_PAUSE)
                server.create(f"cold-{i}")
                cold[label].append(server.invoke_ms(f"cold-{i}"))
        for label, binary in zip("AB", args.binaries):
            samples = sorted(warm[label])
            print(json.dumps({
                "binary": binary,
                "warm_p50_ms": round(statistics.median(samples), 3),
                "warm_p90_ms": round(samples[len(samples) * 9 // 10], 3),
                "warm_invocations": len(samples),
                "pool_first_invoke_p50_ms": round(statistics.median(cold[label]), 2),
                "cold_starts": len(cold[label]),
                "runtime_api_connection_kept": bool(before[label]) and before[label] == after[label],
            }))
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
