#!/usr/bin/env python3
"""Petrel's benchmark: prints the figures the issues promise, each beside its floor.

Starts its own `petrel serve` (release build) on a free port with a temporary data dir.
Run: make bench   (or: swift build -c release && python3 bench/run.py)
"""
import http.client
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("PETREL_BIN", os.path.join(ROOT, ".build", "release", "petrel"))
ROLE = "arn:aws:iam::000000000000:role/bench"
TRIVIAL = "exports.handler = async (event) => event;"
TRIVIAL_PY = "def handler(event, context):\n    return event\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="petrel-bench-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen([BIN, "serve", "--port", str(self.port), "--data-dir", self.dir, *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("petrel did not start; see " + self.log.name)

    def request(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data

    def create(self, name, code=TRIVIAL, runtime="nodejs20.x", handler="index.handler", filename="index.js", **extra):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(filename, code)
        import base64
        body = json.dumps({"FunctionName": name, "Runtime": runtime, "Handler": handler, "Role": ROLE,
                           "Code": {"ZipFile": base64.b64encode(buf.getvalue()).decode()}, **extra})
        status, data = self.request("POST", "/2015-03-31/functions", body.encode(), {"Content-Type": "application/json"})
        assert status == 201, data

    def invoke_ms(self, name, payload=b'{"x":1}'):
        started = time.perf_counter()
        status, data = self.request("POST", f"/2015-03-31/functions/{name}/invocations", payload)
        elapsed = (time.perf_counter() - started) * 1000
        assert status == 200, data
        return elapsed

    def first_invokes_ms(self, prefix, runs=10, **create):
        """p50 of first invokes right after creating `runs` fresh functions (cold starts)."""
        samples = []
        for i in range(runs):
            self.create(f"{prefix}-{i}", **create)
            samples.append(self.invoke_ms(f"{prefix}-{i}"))
        return statistics.median(samples)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


def descendants_rss_kb(root_pid, marker):
    """Resident memory (kB) of each process under root_pid whose command line contains marker."""
    parents, cmdlines, rss = {}, {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdlines[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:"):
                parents[int(entry)] = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1])

    def under(pid):
        while pid in parents and pid > 1:
            pid = parents[pid]
            if pid == root_pid:
                return True
        return False

    # The interpreter itself (bubblewrap's own processes carry the same arguments).
    return [rss.get(pid, 0) for pid, cmd in cmdlines.items()
            if marker in cmd and cmd.split(" ", 1)[0].endswith("/node") and under(pid)]


def bare_start_ms(argv, runs=15):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def loadgen(url, clients, seconds):
    out = subprocess.run(["node", os.path.join(ROOT, "bench", "loadgen.js"), url, str(clients), str(seconds), '{"x":1}'],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def row(label, value, floor=None, unit="ms"):
    ratio = f"{value / floor:6.2f}x" if floor else ""
    floor_text = f"{floor:10.2f} {unit}" if floor else " " * 13
    print(f"  {label:<48} {value:10.2f} {unit}  {floor_text}  {ratio}")


def main():
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: run `swift build -c release` first")
    print(f"Petrel benchmark ({os.cpu_count()} cores) — figure, floor measured in the same run, ratio\n")
    node_floor = bare_start_ms(["node", "-e", "0"])
    python_floor = bare_start_ms([sys.executable, "-c", "0"])

    print("Cold start (first invoke through the Lambda API, trivial Node handler; p50 of 10)")
    server = Server("--keep-alive", "1")
    try:
        row("first invoke after create", server.first_invokes_ms("cold"), node_floor)
        reaped = []
        for i in range(6):
            time.sleep(1.7)  # keep-alive is 1 s: the instance is reaped
            reaped.append(server.invoke_ms("cold-0"))
        row("first invoke after the idle instance was reaped", statistics.median(reaped), node_floor)
        row("bare `node -e 0` (floor)", node_floor)
        python_cold = server.first_invokes_ms("cold-py", code=TRIVIAL_PY, runtime="python3.12", handler="app.handler",
                                              filename="app.py")
        row("Python: first invoke after create", python_cold, python_floor)
        row("bare `python3 -c 0` (floor)", python_floor)
    finally:
        server.stop()

    print("\nSandbox cost (first invoke after create, p50 of 10, trivial Node handler)")
    plain = Server("--isolation", "none")
    try:
        without = plain.first_invokes_ms("plain")
    finally:
        plain.stop()
    sandboxed = Server()
    try:
        with_sandbox = sandboxed.first_invokes_ms("boxed")
        time.sleep(0.5)
        sizes = descendants_rss_kb(sandboxed.proc.pid, "nodejs/bootstrap.js")
    finally:
        sandboxed.stop()
    row("cold start with bubblewrap + cgroups", with_sandbox, without)
    row("cold start as a plain process (floor)", without)
    if sizes:
        row("resident memory of one idle warm Node instance", statistics.median(sizes) / 1024, unit="MB")

    print("\nWarm path (trivial Node handler at 1769 MB = one full core, keep-alive clients on loopback)")
    # CPU is proportional to memory, as on AWS: a 128 MB instance gets 7% of a core, which
    # caps one instance near 100 invocations/s. 1769 MB measures the platform, not the quota.
    server = Server()
    try:
        server.create("warm", MemorySize=1769)
        for _ in range(50):
            server.invoke_ms("warm")
        url = f"http://127.0.0.1:{server.port}/2015-03-31/functions/warm/invocations"
        loadgen(url, 16, 3)  # warm up 16 instances first: cold starts are measured above
        one = loadgen(url, 1, 5)
        row("warm invoke p50, 1 client", one["p50_ms"])
        row("warm invoke p99, 1 client", one["p99_ms"])
        row("invocations/s, 1 client", one["rps"], unit="/s")
        sixteen = loadgen(url, 16, 5)
        row("warm invoke p50, 16 clients", sixteen["p50_ms"])
        row("warm invoke p99, 16 clients", sixteen["p99_ms"])
        row("invocations/s, 16 clients", sixteen["rps"], unit="/s")
        server.create("warm-py", code=TRIVIAL_PY, runtime="python3.12", handler="app.handler", filename="app.py", MemorySize=1769)
        for _ in range(50):
            server.invoke_ms("warm-py")
        py = loadgen(f"http://127.0.0.1:{server.port}/2015-03-31/functions/warm-py/invocations", 1, 5)
        row("Python warm invoke p50, 1 client", py["p50_ms"])
        row("Python invocations/s, 1 client", py["rps"], unit="/s")
        if one["errors"] or sixteen["errors"]:
            print(f"  errors: {one['errors']} (1 client), {sixteen['errors']} (16 clients)")
    finally:
        server.stop()

    print("\nStream triggers (one shard, BatchSize 100)")
    server = Server()
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "stream_bench.py"), "--endpoint",
                        f"http://127.0.0.1:{server.port}"], check=False)
    finally:
        server.stop()

    tables = os.path.join(ROOT, "bench", "tables_bench.py")
    if os.path.exists(tables) and "--no-tables" not in sys.argv:
        print("\nTables")
        subprocess.run([sys.executable, tables], check=False)


if __name__ == "__main__":
    main()
