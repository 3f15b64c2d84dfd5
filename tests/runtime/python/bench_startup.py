"""Start-up figures of Petrel's Python runtime (not a test).

    python3 tests/runtime/python/bench_startup.py [runs]

Every child gets the instance environment of the contract (conftest.base_env). Times are from just
before the spawn to the moment the fake Runtime API sees the first GET /invocation/next (or the
first answer), so they include fork/exec, the interpreter's own start (site, .pth files) and the
runtime's imports.
"""
import os
import shutil
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
    """(wall ms, CPU ms) from spawn to exit."""
    env = base_env("127.0.0.1:1", "/tmp", "app.handler")
    t0 = time.time()
    proc = subprocess.Popen(argv, env=env, cwd="/tmp", stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.time() - t0) * 1000
    proc.returncode = 0
    assert status == 0, argv
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def spawn_to_first_next(argv, files=None, until="next"):
    """(wall ms, CPU ms) from spawn to the first GET /next (or the first answer). The child blocks
    in the long poll afterwards, so its CPU time when killed is the CPU time it took to get there."""
    api = FakeRuntimeApi()
    task_root = "/tmp/petrel-bench-task"
    shutil.rmtree(task_root, ignore_errors=True)
    os.makedirs(task_root)
    write_files(task_root, files or {"app.py": "def handler(e, c):\n    return e\n"})
    env = base_env(api.address, task_root, "app.handler")
    rid = api.enqueue({"hello": "world"}) if until == "answer" else None
    t0 = time.time()
    proc = subprocess.Popen(argv, env=env, cwd=task_root, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
    if until == "answer":
        wall = (api.wait_answer(rid, timeout=60).received_at - t0) * 1000
        api.wait_next(1, timeout=60)
    else:
        api.wait_next(1, timeout=60)
        wall = (api.next_times[0] - t0) * 1000
    time.sleep(0.01)  # let it reach the blocking read
    proc.kill()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = -9
    api.invocations.put(None)
    api.close()
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def warm_round_trips():
    rt = Runtime({"app.py": "def handler(e, c):\n    return e\n"}, "app.handler")
    try:
        rt.api.invoke({})
        samples = []
        for _ in range(max(RUNS * 10, 200)):
            t0 = time.time()
            rt.api.invoke({"n": 1})
            samples.append((time.time() - t0) * 1000)
        return sorted(samples)
    finally:
        rt.close()


def row(label, samples):
    walls = sorted(w for w, _ in samples)
    cpus = sorted(c for _, c in samples)
    print("| %-60s | %6.1f | %6.1f | %6.1f | %6.1f |" % (
        label, walls[0], statistics.median(walls), cpus[0], statistics.median(cpus)))


def main():
    variants = [
        ("`python3 -c 0`, spawn to exit", lambda: spawn_to_exit([PYTHON, "-c", "0"])),
        ("`python3 -S -c 0` (no site, reference), spawn to exit", lambda: spawn_to_exit([PYTHON, "-S", "-c", "0"])),
        ("bare `_socket` GET /next, spawn to first GET", lambda: spawn_to_first_next([PYTHON, "-u", "-c", BARE_SOCKET_GET])),
        ("bare `socket`+`json` GET /next, spawn to first GET", lambda: spawn_to_first_next([PYTHON, "-u", "-c", SOCKET_JSON_GET])),
        ("bare `http.client` GET /next, spawn to first GET", lambda: spawn_to_first_next([PYTHON, "-u", "-c", HTTP_CLIENT_GET])),
        ("bootstrap.py, trivial handler, spawn to first GET /next", lambda: spawn_to_first_next([PYTHON, "-u", BOOTSTRAP])),
        ("  same with -S (no site: the runtime's own cost on a bare python)", lambda: spawn_to_first_next([PYTHON, "-S", "-u", BOOTSTRAP])),
        ("  bare `_socket` GET /next with -S", lambda: spawn_to_first_next([PYTHON, "-S", "-u", "-c", BARE_SOCKET_GET])),
        ("  bare `socket`+`json` GET /next with -S", lambda: spawn_to_first_next([PYTHON, "-S", "-u", "-c", SOCKET_JSON_GET])),
        ("  bare `http.client` GET /next with -S", lambda: spawn_to_first_next([PYTHON, "-S", "-u", "-c", HTTP_CLIENT_GET])),
        ("bootstrap.py, trivial handler, spawn to first answer", lambda: spawn_to_first_next([PYTHON, "-u", BOOTSTRAP], until="answer")),
        ("bootstrap.py, handler using logging, to first answer", lambda: spawn_to_first_next(
            [PYTHON, "-u", BOOTSTRAP], {"app.py": "import logging\ndef handler(e, c):\n    logging.warning('x')\n"}, until="answer")),
    ]
    try:
        import boto3  # noqa: F401

        variants.append(("bootstrap.py, handler importing boto3 + client, to answer", lambda: spawn_to_first_next(
            [PYTHON, "-u", BOOTSTRAP], {"app.py": "import boto3\nc = boto3.client('lambda')\ndef handler(e, c):\n    return 1\n"},
            until="answer")))
    except ImportError:
        pass
    samples = {label: [] for label, _ in variants}
    for _ in range(RUNS):  # interleaved, so the machine's load weighs on every variant alike
        for label, measure in variants:
            samples[label].append(measure())
    print("python: %s (%s), %d runs each, interleaved; ms; load average %s" % (
        PYTHON, sys.version.split()[0], RUNS, open("/proc/loadavg").read().split()[0]))
    print("| %-60s | %6s | %6s | %6s | %6s |" % ("measurement", "wall min", "wall p50", "CPU min", "CPU p50"))
    print("|%s|%s|%s|%s|%s|" % ("-" * 62, "-" * 8, "-" * 8, "-" * 8, "-" * 8))
    for label, _ in variants:
        row(label, samples[label])
    warm = warm_round_trips()
    print("| %-60s |        | %6.2f |        |        |" % ("warm invocation round trip (fake API in Python, loopback)", statistics.median(warm)))


if __name__ == "__main__":
    main()
