#!/usr/bin/env python3
"""Petrel's benchmark: prints the figures the issues promise, each beside its floor.

Starts its own `petrel serve` (release build) on a free port with a temporary data dir.
Run: make bench   (or: swift build -c release && python3 bench/run.py [--seconds S] [--no-stream]
[--no-tables] [--no-s3] [--density [N]]); PETREL_BIN overrides the binary.
"""
import argparse
import base64
import contextlib
import functools
import http.client
import io
import json
import os
import shutil
import signal
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
PYTHON = dict(code=TRIVIAL_PY, runtime="python3.12", handler="app.handler", filename="app.py")
POOL_PAUSE = 0.4  # seconds between creates on the pool server, so the pool refills


from local_servers import free_port  # noqa: E402  (bench/ is on sys.path: this script's folder)


class Server:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="petrel-bench-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen([BIN, "serve", "--port", str(self.port), "--data-dir", self.dir, *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_up()
        except BaseException:  # including Ctrl-C while starting
            self.stop()
            raise

    def wait_up(self):
        for _ in range(300):
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except OSError:
                time.sleep(0.02)
        with open(self.log.name, errors="replace") as f:
            raise SystemExit("petrel did not start:\n" + f.read()[-2000:])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

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
        body = json.dumps({"FunctionName": name, "Runtime": runtime, "Handler": handler, "Role": ROLE,
                           "Code": {"ZipFile": base64.b64encode(buf.getvalue()).decode()}, **extra})
        status, data = self.request("POST", "/2015-03-31/functions", body.encode(), {"Content-Type": "application/json"})
        assert status == 201, data

    def invoke_url(self, name):
        return f"http://127.0.0.1:{self.port}/2015-03-31/functions/{name}/invocations"

    def status(self):
        return json.loads(self.request("GET", "/_petrel/status")[1])

    def invoke_ms(self, name, payload=b'{"x":1}'):
        started = time.perf_counter()
        status, data = self.request("POST", f"/2015-03-31/functions/{name}/invocations", payload)
        elapsed = (time.perf_counter() - started) * 1000
        assert status == 200, data
        return elapsed

    def first_invokes_ms(self, prefix, runs=10, pause=0, **create):
        """p50 of first invokes right after creating `runs` fresh functions (cold starts)."""
        samples = []
        for i in range(runs):
            time.sleep(pause)
            self.create(f"{prefix}-{i}", **create)
            samples.append(self.invoke_ms(f"{prefix}-{i}"))
        return statistics.median(samples)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@functools.cache
def no_pool_args():
    """`--warm-pool nodejs=0,python=0` where the binary has the flag; nothing otherwise (no pool)."""
    help_text = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True).stdout
    return ["--warm-pool", "nodejs=0,python=0"] if "--warm-pool" in help_text else []


def descendants_rss_kb(root_pid, marker):
    """{pid: resident memory (kB)} of each process under root_pid whose command line contains marker."""
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
    return {pid: rss.get(pid, 0) for pid, cmd in cmdlines.items()
            if marker in cmd and cmd.split(" ", 1)[0].endswith("/node") and under(pid)}


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


def warm_load(url, clients, seconds):
    """loadgen after as long again at the same concurrency, so `clients` instances exist and each
    one's JIT has settled (16 Node instances each compile the runtime's hot code for themselves:
    after only 1 s of warm-up they spend about twice the CPU per invocation they do later)."""
    loadgen(url, clients, seconds)
    return loadgen(url, clients, seconds)


@contextlib.contextmanager
def echo_server():
    """A bare Node HTTP echo server on a free port (the warm path's floor); yields its URL."""
    port = free_port()
    proc = subprocess.Popen(["node", os.path.join(ROOT, "bench", "echo_server.js"), str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()  # "listening"
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait()


LABEL = 64


def header():
    print(f"  {'':<{LABEL}} {'Petrel':>13}  {'floor':>13}  ratio")


def row(label, value, floor=None, unit="ms"):
    """One figure beside its floor and the ratio figure/floor; value may be a text such as n/a."""
    if isinstance(value, str):
        print(f"  {label:<{LABEL}} {value}")
        return
    ratio = f"{value / floor:6.2f}x" if floor else ""
    floor_text = f"{floor:10.2f} {unit}" if floor else " " * 13
    print(f"  {label:<{LABEL}} {value:10.2f} {unit}  {floor_text}  {ratio}")


def cold_start_section():
    node_floor = bare_start_ms(["node", "-e", "0"])
    python_floor = bare_start_ms([sys.executable, "-c", "0"])
    print("Cold start (first invoke after CreateFunction through the Lambda API, trivial handler, 128 MB; p50 of 10)")
    with Server("--keep-alive", "1", *no_pool_args()) as server:
        node, python = server.first_invokes_ms("cold"), server.first_invokes_ms("cold-py", **PYTHON)
        reaped = []
        for _ in range(6):
            time.sleep(1.7)  # keep-alive is 1 s: the instance is reaped
            reaped.append(server.invoke_ms("cold-0"))
    if no_pool_args():
        with Server() as server:  # the default pool
            pool_node = server.first_invokes_ms("pool", pause=POOL_PAUSE)
            pool_python = server.first_invokes_ms("pool-py", pause=POOL_PAUSE, **PYTHON)
    else:
        pool_node = pool_python = "n/a (no --warm-pool)"
    with_pool = f"pool ({POOL_PAUSE} s between creates)"
    row("Node: first invoke after create, no pool", node, node_floor)
    row(f"Node: first invoke after create, {with_pool}", pool_node, node_floor)
    row("Node: first invoke after the idle instance was reaped, no pool", statistics.median(reaped), node_floor)
    row("bare `node -e 0` (floor)", node_floor)
    row("Python: first invoke after create, no pool", python, python_floor)
    row(f"Python: first invoke after create, {with_pool}", pool_python, python_floor)
    row("bare `python3 -c 0` (floor)", python_floor)


def sandbox_section():
    print("\nSandbox cost (first invoke after create, p50 of 10, trivial Node handler, no pool)")
    with Server("--isolation", "none", *no_pool_args()) as plain:
        without = plain.first_invokes_ms("plain")
    with Server(*no_pool_args()) as sandboxed:
        with_sandbox = sandboxed.first_invokes_ms("boxed")
        time.sleep(0.5)
        sizes = descendants_rss_kb(sandboxed.proc.pid, "nodejs/bootstrap.js")
    row("cold start with bubblewrap + cgroups", with_sandbox, without)
    row("cold start as a plain process (floor)", without)
    if sizes:
        row("resident memory of one idle warm Node instance", statistics.median(sizes.values()) / 1024, unit="MB")


def warm_section(seconds):
    print(f"\nWarm path (trivial handler at 1769 MB = one full core, keep-alive clients on loopback, {seconds:g} s each"
          f"\n  after {seconds:g} s of warm-up; floor: a bare Node HTTP echo server, same load generator and body)")
    # CPU is proportional to memory, as on AWS: a 128 MB instance gets 7% of a core, which
    # caps one instance near 100 invocations/s. 1769 MB measures the platform, not the quota.
    with Server(*no_pool_args()) as server, echo_server() as echo:
        server.create("warm", MemorySize=1769)
        for clients in (1, 16):
            name = f"{clients} client" + ("s" if clients > 1 else "")
            floor = warm_load(echo, clients, seconds)
            petrel = warm_load(server.invoke_url("warm"), clients, seconds)
            row(f"Node warm invoke p50, {name}", petrel["p50_ms"], floor["p50_ms"])
            row(f"Node warm invoke p99, {name}", petrel["p99_ms"], floor["p99_ms"])
            row(f"Node invocations/s, {name}", petrel["rps"], floor["rps"], unit="/s")
            if petrel["errors"]:
                row(f"errors, {name}", str(petrel["errors"]))
            # Petrel's own HTTP server answering a trivial request: one of the three HTTP
            # exchanges an invocation makes (client, and the runtime's /response and /next).
            http = warm_load(f"http://127.0.0.1:{server.port}/health", clients, seconds)
            row(f"Petrel HTTP alone (POST /health) p50, {name}", http["p50_ms"], floor["p50_ms"])
            row(f"Petrel HTTP alone requests/s, {name}", http["rps"], floor["rps"], unit="/s")
        server.create("warm-py", MemorySize=1769, **PYTHON)
        py = warm_load(server.invoke_url("warm-py"), 1, seconds)
        row("Python warm invoke p50, 1 client", py["p50_ms"])
        row("Python invocations/s, 1 client", py["rps"], unit="/s")


def stream_section():
    print("\nStream triggers (one shard, BatchSize 100)")
    with Server(*no_pool_args()) as server:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "stream_bench.py"), "--endpoint",
                        f"http://127.0.0.1:{server.port}"], check=False)


def tables_section(seconds):
    print("\nTables")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "tables_bench.py"), "--petrel-bin", BIN,
                    "--seconds", str(seconds)], check=False)


def s3_section(seconds):
    print("\nS3 (1 KB objects at 16 connections beside moto_server, 128 MB transfers beside dd, notification latency)")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "s3_bench.py"), "--petrel-bin", BIN,
                    "--seconds", str(seconds)], check=False)


def kinesis_section(seconds):
    print("\nKinesis (PutRecords into 4 shards, 16 connections; floor: moto_server, goal >= 50x)")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "kinesis_bench.py"), "--petrel-bin", BIN,
                    "--seconds", str(seconds)], check=False)


def sqs_section(seconds):
    print("\nSQS (SendMessage at 16 connections, receive+delete, long-poll wake-up; floor: moto_server, goal >= 50x)")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "sqs_bench.py"), "--petrel-bin", BIN,
                    "--seconds", str(seconds)], check=False)


def events_section(seconds):
    print("\nEventBridge (PutEvents at 16 connections, floor: moto_server, goal >= 50x; PutEvents-to-handler p50, goal <= 5 ms)")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "events_bench.py"), "--petrel-bin", BIN,
                    "--seconds", str(seconds)], check=False)


def identity_section():
    print("\nIdentity: a warm GetItem and Invoke per --iam mode (one signed request replayed over keep-alive, p50 and mean)")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "identity_overhead.py"), BIN, "2000"], check=False)


def exit_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so servers are stopped and temporary directories removed."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="measurement duration per load run (default 5)")
    parser.add_argument("--no-stream", action="store_true", help="skip the stream-trigger figures")
    parser.add_argument("--no-tables", action="store_true", help="skip the tables benchmark (Petrel against moto)")
    parser.add_argument("--no-s3", action="store_true", help="skip the S3 benchmark (Petrel against moto and dd)")
    parser.add_argument("--no-overload", action="store_true", help="skip the 5,000-connection overload burst")
    parser.add_argument("--no-kinesis", action="store_true", help="skip the Kinesis benchmark (Petrel against moto)")
    parser.add_argument("--no-sqs", action="store_true", help="skip the SQS benchmark (Petrel against moto)")
    parser.add_argument("--no-events", action="store_true", help="skip the EventBridge benchmark (Petrel against moto)")
    parser.add_argument("--no-identity", action="store_true", help="skip the per --iam mode GetItem/Invoke figures")
    parser.add_argument("--density", type=int, nargs="?", const=200, default=0, metavar="N",
                        help="also run bench/density.py with N concurrent instances (default 200; heavy, off by default)")
    args = parser.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: run `swift build -c release` first")
    exit_on_sigterm()
    print(f"Petrel benchmark ({os.cpu_count()} cores) — figure, floor measured in the same run, ratio = figure / floor\n")
    header()
    cold_start_section()
    sandbox_section()
    warm_section(args.seconds)
    if args.density:
        import density
        density.density_section(args.density)
    if not args.no_stream:
        stream_section()
    if not args.no_tables:
        tables_section(args.seconds)
    if not args.no_s3:
        s3_section(args.seconds)
    if not args.no_kinesis:
        kinesis_section(args.seconds)
    if not args.no_sqs:
        sqs_section(args.seconds)
    if not args.no_events:
        events_section(args.seconds)
    if not args.no_identity:
        identity_section()
    if not args.no_overload:
        import overload
        overload.overload_section(args.seconds, 5000)


if __name__ == "__main__":
    main()
