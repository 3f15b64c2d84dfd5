#!/usr/bin/env python3
"""CPU that the petrel server spends per warm invocation: utime+stime of the server process
(from /proc) over a steady load, divided by the invocations served. Less sensitive to other
load on the machine than throughput or latency, so it compares two builds on a busy machine.

Usage: PETREL_BIN=… python3 bench/invoke_cpu.py [--clients 1,16] [--seconds 5]
Prints, per client count: invocations/s and server CPU µs per invocation (and per /health
request, the HTTP floor).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run  # noqa: E402  (bench/run.py: Server, loadgen, no_pool_args)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def measure(server, url, clients, seconds):
    run.loadgen(url, clients, seconds)  # warm-up: instances exist, JIT settled
    before = cpu_seconds(server.proc.pid)
    result = run.loadgen(url, clients, seconds)
    used = cpu_seconds(server.proc.pid) - before
    return result, used * 1e6 / max(1, result["requests"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    print(f"{run.BIN}")
    with run.Server(*run.no_pool_args()) as server:
        server.create("warm", MemorySize=1769)
        for clients in [int(c) for c in args.clients.split(",")]:
            invoke, invoke_us = measure(server, server.invoke_url("warm"), clients, args.seconds)
            health, health_us = measure(server, f"http://127.0.0.1:{server.port}/health", clients, args.seconds)
            print(f"  {clients:>2} clients: {invoke['rps']:8.0f} invocations/s, p50 {invoke['p50_ms']:.2f} ms, "
                  f"server CPU {invoke_us:6.0f} µs/invocation | /health {health['rps']:8.0f}/s, "
                  f"{health_us:5.0f} µs/request")


if __name__ == "__main__":
    main()
