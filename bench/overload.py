"""Overload: a burst far past the sustainable rate is shed with 429s, memory stays bounded, and
latency returns to normal right after.

    python3 bench/overload.py [--seconds 5] [--connections 5000]

Three phases against one trivial Node function (1769 MB, a full core per instance):
1. before: 16 keep-alive clients, the sustainable rate and its p99;
2. burst: --connections clients at once (closed loop, so the offered load is as much as they can
   send), counting served and throttled answers, with the server's and its instances' resident
   memory sampled every 100 ms;
3. after: 16 clients again, the p99 beside the one before the burst.
The memory bound is Petrel's --memory-budget (here 8 GB of configured memory, so at most four
1769 MB instances start and the rest of the burst is throttled).
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

BUDGET_MB = 8192


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Peak resident memory of the server and, separately, of all its instances."""

    def __init__(self, server):
        self.server = server
        self.peak_server = 0
        self.peak_instances = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stopped.is_set():
            self.peak_server = max(self.peak_server, rss_kb(self.server.proc.pid))
            self.peak_instances = max(self.peak_instances, sum(bench.descendants_rss_kb(self.server.proc.pid, "node").values()))
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()


def overload_section(seconds, connections):
    print(f"\nOverload ({connections} connections at once against a trivial Node function, {seconds:g} s per phase;"
          f"\n  --memory-budget {BUDGET_MB} MB; floor: the same figure before the burst)")
    with bench.Server("--memory-budget", str(BUDGET_MB), *bench.no_pool_args()) as server:
        server.create("overload", MemorySize=1769)
        url = server.invoke_url("overload")
        before = bench.warm_load(url, 16, seconds)
        with MemorySampler(server) as memory:
            burst = bench.loadgen(url, connections, seconds)
        after = bench.loadgen(url, 16, seconds)
        statuses = burst.get("statuses", {})
        throttled = statuses.get("429", 0)
        other = {k: v for k, v in statuses.items() if k not in ("200", "429")}
        bench.row("invocations/s, 16 clients, before the burst", before["rps"], unit="/s")
        bench.row(f"served/s during the burst ({connections} connections)", burst["rps"], before["rps"], unit="/s")
        bench.row("throttled (429)/s during the burst", throttled / burst["seconds"], unit="/s")
        bench.row("served p99 during the burst", burst["p99_ms"] or 0, before["p99_ms"])
        bench.row("p99, 16 clients, right after the burst", after["p99_ms"], before["p99_ms"])
        bench.row("p50, 16 clients, right after the burst", after["p50_ms"], before["p50_ms"])
        bench.row("peak RSS of the server during the burst", memory.peak_server / 1024, unit="MB")
        bench.row("peak RSS of all instances during the burst", memory.peak_instances / 1024, unit="MB")
        if other:
            bench.row("other answers during the burst", str(other))
        status = server.status()
        bench.row("server still answering after the burst", "yes" if status.get("status") == "running" else str(status))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=5000)
    args = parser.parse_args()
    bench.exit_on_sigterm()
    bench.header()
    overload_section(args.seconds, args.connections)


if __name__ == "__main__":
    main()
