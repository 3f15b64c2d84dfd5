#!/usr/bin/env python3
"""Density: how many warm 128 MB Node instances fit at once, and what they cost in memory.

Starts its own `petrel serve` (no warm pool), creates one Node function (128 MB) whose handler
waits on a barrier (a GET to this script's HTTP server, answered only after the measurement), fires
N concurrent synchronous invocations so N instances are busy at once, and reports the instances
reached (GET /_petrel/status), the summed VmRSS of the server's descendant `node`
processes, MemAvailable before and at the peak, and whether swap was used.

    python3 bench/density.py [N]      (default 200; or: python3 bench/run.py --density N)
"""
import argparse
import contextlib
import http.server
import json
import threading
import time
import urllib.request

from run import Server, descendants_rss_kb, exit_on_sigterm, free_port, header, no_pool_args, row

WAITER = """const http = require('http');
exports.handler = (event) => new Promise((resolve, reject) =>
  http.get(event.barrier, (res) => { res.resume(); res.on('end', () => resolve({})); }).on('error', reject));
"""


def meminfo_kb():
    with open("/proc/meminfo") as f:
        return {line.split(":")[0]: int(line.split()[1]) for line in f}


def pss_kb(pid):
    """Proportional set size: resident memory with shared pages divided among their sharers."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


@contextlib.contextmanager
def barrier(timeout):
    """An HTTP server whose GETs block until released (or timeout); yields (url, release)."""
    released = threading.Event()

    class Wait(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            released.wait(timeout)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Wait)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", released.set
    finally:
        released.set()
        server.shutdown()
        server.server_close()


def fire(url, payload, timeout, failures):
    """One synchronous invocation; counts a failure instead of raising (it runs in a thread)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=payload, method="POST"), timeout=timeout) as r:
            r.read()
    except Exception:
        failures.append(1)


def wait_for_peak(server, n, threads, deadline):
    """Polls the status until n instances are busy, every invocation returned, or the deadline."""
    most = 0
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        most = max(most, server.status()["instances"].get("busy", 0))
        if most >= n:
            break
        time.sleep(0.25)
    return most


def density_section(n):
    patience = 60 + n / 2  # seconds allowed for all n to start (cold starts at 7% of a core each)
    print(f"\nDensity ({n} concurrent invocations of one 128 MB Node function held on a barrier, no pool)")
    with Server(*no_pool_args()) as server, barrier(patience) as (url, release):
        server.create("density", code=WAITER, Timeout=int(patience) + 30)
        before = meminfo_kb()
        payload = json.dumps({"barrier": url}).encode()
        failures = []
        threads = [threading.Thread(target=fire, args=(server.invoke_url("density"), payload, patience + 60, failures),
                                    daemon=True) for _ in range(n)]
        started = time.monotonic()
        for t in threads:
            t.start()
        reached = wait_for_peak(server, n, threads, started + patience)
        elapsed = time.monotonic() - started
        sizes = descendants_rss_kb(server.proc.pid, "nodejs/bootstrap.js")
        pss_mb = sum(map(pss_kb, sizes)) / 1024
        peak = meminfo_kb()
        release()
        for t in threads:
            t.join(timeout=max(0.0, started + patience + 60 - time.monotonic()))
    rss_mb = sum(sizes.values()) / 1024
    row("instances busy at once (/_petrel/status)", f"{reached} of {n}, {elapsed:.1f} s after firing")
    row(f"VmRSS of the instances' node processes (sum of {len(sizes)})", rss_mb, unit="MB")
    if sizes:
        row("VmRSS per instance (average; counts shared pages in each)", rss_mb / len(sizes), unit="MB")
        row("Pss per instance (average; shared pages divided)", pss_mb / len(sizes), unit="MB")
    row("MemAvailable before", before["MemAvailable"] / 1024, unit="MB")
    row("MemAvailable at the peak", peak["MemAvailable"] / 1024, unit="MB")
    if reached:
        row("MemAvailable drop per busy instance", (before["MemAvailable"] - peak["MemAvailable"]) / 1024 / reached, unit="MB")
    swap_used = (peak["SwapTotal"] - peak["SwapFree"]) / 1024
    swap = "no swap configured" if not peak["SwapTotal"] else f"{swap_used:.0f} MB in use at the peak " \
        f"({'up' if peak['SwapFree'] < before['SwapFree'] else 'not up'} from before)"
    row("swap", swap)
    if failures:
        row("failed invocations", str(len(failures)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="?", default=200, help="concurrent invocations (default 200)")
    args = parser.parse_args()
    exit_on_sigterm()
    header()
    density_section(args.instances)


if __name__ == "__main__":
    main()
