"""Pre-warmed ("blank") start against a normal cold start (not a test).

    python3 tests/runtime/python/bench_prewarmed.py [runs]

cold: from just before the spawn to the first GET /invocation/next (or the first answer) seen by
the fake Runtime API. pre-warmed: the blank process is spawned and left blocking on GET
/petrel/assignment; the time is from the moment the fake API writes the 200 answer to the first
GET /next (or the first answer). "no pre-imports" runs a copy of the runtime with
PREWARM_IMPORTS = (). RSS is the blank process's while it waits.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import BOOTSTRAP, PYTHON, RUNTIME_DIR, FakeRuntimeApi, base_env, blank_env, write_files  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
DEVNULL = subprocess.DEVNULL
TRIVIAL = {"app.py": "def handler(e, c):\n    return e\n"}
IMPORTING = {"app.py": "import json, logging, datetime, base64, urllib.parse\ndef handler(e, c):\n    return e\n"}


def runtime_without_preimports():
    folder = os.path.join(tempfile.mkdtemp(prefix="petrel-bench-rt-"), "python")
    shutil.copytree(RUNTIME_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = os.path.join(folder, "petrel_runtime.py")
    with open(path) as f:
        src = f.read()
    src, n = re.subn(r"(?m)^PREWARM_IMPORTS = \(.*\)$", "PREWARM_IMPORTS = ()", src)
    assert n == 1
    with open(path, "w") as f:
        f.write(src)
    subprocess.check_call([PYTHON, os.path.join(folder, "bootstrap.py"), "--compile"], stdout=DEVNULL)
    return os.path.join(folder, "bootstrap.py")


def measure(files, until, prewarmed, bootstrap=BOOTSTRAP):
    """(wall ms, blank RSS kB or None)."""
    api = FakeRuntimeApi()
    task_root = tempfile.mkdtemp(prefix="petrel-bench-task-")
    env = base_env(api.address, task_root, "app.handler")
    env["PYTHONPATH"] = "%s:/opt/python" % os.path.dirname(bootstrap)
    rid = api.enqueue({"hello": "world"}) if until == "answer" else None
    rss = None
    if prewarmed:
        spawn_env = blank_env(api.address, task_root)
        spawn_env["PYTHONPATH"] = env["PYTHONPATH"]
    else:
        write_files(task_root, files)
        spawn_env = env
    t0 = time.time()
    proc = subprocess.Popen([PYTHON, "-u", bootstrap], env=spawn_env, cwd=task_root,
                            stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
    if prewarmed:
        api.wait_assignment_request(timeout=60)
        time.sleep(0.05)  # let it reach the blocking read
        with open("/proc/%d/status" % proc.pid) as f:
            rss = int([line for line in f if line.startswith("VmRSS:")][0].split()[1])
        write_files(task_root, files)
        api.assign(env)
    if until == "answer":
        end = api.wait_answer(rid, timeout=60).received_at
    else:
        api.wait_next(1, timeout=60)
        end = api.next_times[0]
    wall = (end - (api.assigned_at if prewarmed else t0)) * 1000
    proc.kill()
    proc.wait()
    api.invocations.put(None)
    api.close()
    shutil.rmtree(task_root, ignore_errors=True)
    return wall, rss


def main():
    bare = runtime_without_preimports()
    variants = [
        ("cold start, trivial handler, spawn to first GET /next", lambda: measure(TRIVIAL, "next", False)),
        ("pre-warmed, trivial handler, assignment to first GET /next", lambda: measure(TRIVIAL, "next", True)),
        ("  same, runtime without PREWARM_IMPORTS", lambda: measure(TRIVIAL, "next", True, bare)),
        ("cold start, handler importing json+logging+..., to first answer", lambda: measure(IMPORTING, "answer", False)),
        ("pre-warmed, same handler, assignment to first answer", lambda: measure(IMPORTING, "answer", True)),
        ("  same, runtime without PREWARM_IMPORTS ", lambda: measure(IMPORTING, "answer", True, bare)),
    ]
    samples = {label: [] for label, _ in variants}
    for _ in range(RUNS):  # interleaved, so the machine's load weighs on every variant alike
        for label, run in variants:
            samples[label].append(run())
    print("python: %s (%s), %d runs each, interleaved; ms; load average %s" % (
        PYTHON, sys.version.split()[0], RUNS, open("/proc/loadavg").read().split()[0]))
    print("| %-66s | %8s | %8s | %8s | %14s |" % ("measurement", "wall min", "wall p50", "wall p90", "blank RSS p50"))
    print("|%s|%s|%s|%s|%s|" % ("-" * 68, "-" * 10, "-" * 10, "-" * 10, "-" * 16))
    for label, _ in variants:
        walls = sorted(w for w, _ in samples[label])
        rss = [r for _, r in samples[label] if r is not None]
        print("| %-66s | %8.2f | %8.2f | %8.2f | %14s |" % (
            label, walls[0], statistics.median(walls), walls[int(len(walls) * 0.9) - 1],
            "%.1f MB" % (statistics.median(rss) / 1024) if rss else ""))
    shutil.rmtree(os.path.dirname(os.path.dirname(bare)), ignore_errors=True)


if __name__ == "__main__":
    main()
