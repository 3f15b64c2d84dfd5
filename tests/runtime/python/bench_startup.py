"""Start-up figures of Petrel's Python runtime (not a test).

    python3 tests/runtime/python/bench_startup.py [runs]

Every child gets the instance environment of the contract (conftest.base_env). Times are from just
before the spawn to the moment the fake Runtime API sees the first GET /invocation/next (or the
first answer), so they include fork/exec, the interpreter's own start (site, .pth files) and the
runtime's imports.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import BOOTSTRAP, PYTHON, FakeRuntimeApi, Runtime, base_env, write_files  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
DEVNULL = subprocess.DEVNULL

BARE_SOCKET_GET = (
    "import _socket,os;h,p=os.environ['AWS_LAMBDA_RUNTIME_API'].split(':');"
    "s=_socket.socket();s.connect((h,int(p)));"
    "s.sendall(b'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');s.recv(65536)"
)
HTTP_CLIENT_GET = (
    "import http.client,os;c=http.client.HTTPConnection(os.environ['AWS_LAMBDA_RUNTIME_API']);"
    "c.request('GET','/2018-06-01/runtime/invocation/next');c.getresponse().read()"
)
SOCKET_JSON_GET = (
    "import socket,json,os;h,p=os.environ['AWS_LAMBDA_RUNTIME_API'].split(':');"
    "s=socket.create_connection((h,int(p)));"
    "s.sendall(b'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');s.recv(65536)"
)


def spawn_to_exit(argv):
    env = base_env("127.0.0.1:1", "/tmp", "app.handler")
    samples = []
    for _ in range(RUNS):
        t0 = time.time()
        subprocess.run(argv, env=env, cwd="/tmp", stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL, check=True)
        samples.append((time.time() - t0) * 1000)
    return samples


def spawn_to_first_next(argv, files=None, until="next"):
    samples = []
    for _ in range(RUNS):
        api = FakeRuntimeApi()
        task_root = "/tmp/petrel-bench-task"
        os.makedirs(task_root, exist_ok=True)
        write_files(task_root, files or {"app.py": "def handler(e, c):\n    return e\n"})
        env = base_env(api.address, task_root, "app.handler")
        rid = api.enqueue({"hello": "world"}) if until == "answer" else None
        t0 = time.time()
        proc = subprocess.Popen(argv, env=env, cwd=task_root, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
        if until == "answer":
            post = api.wait_answer(rid, timeout=60)
            samples.append((post.received_at - t0) * 1000)
        else:
            api.wait_next(1, timeout=60)
            samples.append((api.next_times[0] - t0) * 1000)
        proc.kill()
        proc.wait()
        api.invocations.put(None)
        api.close()
    return samples


def warm_round_trips():
    rt = Runtime({"app.py": "def handler(e, c):\n    return e\n"}, "app.handler")
    try:
        rt.api.invoke({})
        samples = []
        for _ in range(max(RUNS * 10, 200)):
            t0 = time.time()
            rt.api.invoke({"n": 1})
            samples.append((time.time() - t0) * 1000)
        return samples
    finally:
        rt.close()


def row(label, samples):
    samples = sorted(samples)
    p50 = statistics.median(samples)
    print("| %-62s | %7.1f | %7.1f | %7.1f |" % (label, samples[0], p50, samples[int(len(samples) * 0.9) - 1]))


def main():
    print("python: %s (%s), %d runs each, ms" % (PYTHON, sys.version.split()[0], RUNS))
    print("| %-62s | %7s | %7s | %7s |" % ("measurement", "min", "p50", "p90"))
    print("|%s|%s|%s|%s|" % ("-" * 64, "-" * 9, "-" * 9, "-" * 9))
    row("`python3 -c 0`, spawn to exit", spawn_to_exit([PYTHON, "-c", "0"]))
    row("`python3 -S -c 0` (no site, for reference), spawn to exit", spawn_to_exit([PYTHON, "-S", "-c", "0"]))
    row("bare `_socket` GET /next, spawn to first GET", spawn_to_first_next([PYTHON, "-u", "-c", BARE_SOCKET_GET]))
    row("bare `socket`+`json` GET /next, spawn to first GET", spawn_to_first_next([PYTHON, "-u", "-c", SOCKET_JSON_GET]))
    row("bare `http.client` GET /next, spawn to first GET", spawn_to_first_next([PYTHON, "-u", "-c", HTTP_CLIENT_GET]))
    row("bootstrap.py, trivial handler, spawn to first GET /next", spawn_to_first_next([PYTHON, "-u", BOOTSTRAP]))
    row("bootstrap.py, trivial handler, spawn to first answer", spawn_to_first_next([PYTHON, "-u", BOOTSTRAP], until="answer"))
    row("bootstrap.py, handler using logging, spawn to first answer", spawn_to_first_next(
        [PYTHON, "-u", BOOTSTRAP], {"app.py": "import logging\ndef handler(e, c):\n    logging.warning('x')\n"}, until="answer"))
    try:
        import boto3  # noqa: F401

        row("bootstrap.py, handler importing boto3 + client, to first answer", spawn_to_first_next(
            [PYTHON, "-u", BOOTSTRAP], {"app.py": "import boto3\nc = boto3.client('lambda')\ndef handler(e, c):\n    return 1\n"},
            until="answer"))
    except ImportError:
        pass
    row("warm invocation round trip (fake API in Python, loopback)", warm_round_trips())


if __name__ == "__main__":
    main()
