"""Starting and stopping the servers a benchmark measures: Petrel (a binary on a free loopback
port with a throwaway data directory) and moto_server, the floor several benchmarks compare with.
Only 127.0.0.1 is contacted; every wait is bounded."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RELEASE_BIN = os.path.join(ROOT, ".build", "release", "petrel")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc, seconds=60):
    """Until `url` answers anything over HTTP (an error status counts: the server is up)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError as e:
            if getattr(e, "code", None):
                return
            time.sleep(0.05)
    raise RuntimeError(f"server did not start within {seconds} s")


def start_petrel(binary, data_dir, *args, env=None, log=None):
    """`petrel serve` on a free port; returns (process, endpoint). `log`: a file path for its output."""
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", data_dir, *args],
                            stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, **(env or {})))
    endpoint = f"http://127.0.0.1:{port}"
    wait_up(endpoint + "/", proc)
    return proc, endpoint


def start_moto():
    """moto_server on a free port, or None when it is not installed; returns (process, endpoint)."""
    if not shutil.which("moto_server"):
        return None
    port = free_port()
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    wait_up(endpoint + "/moto-api/", proc)
    return proc, endpoint


def stop(processes):
    for p in processes:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=10)
        except Exception:
            p.kill()


class Servers:
    """What `petrel_and_moto` started: Petrel's endpoint and process, its data directory, a
    scratch directory on the same disk, and moto_server's endpoint (None when not wanted or
    not installed)."""

    def __init__(self, petrel, petrel_proc, data_dir, scratch, moto):
        self.petrel, self.petrel_proc, self.data_dir, self.scratch, self.moto = petrel, petrel_proc, data_dir, scratch, moto


@contextlib.contextmanager
def petrel_and_moto(binary, name, moto=True, env=None, args=()):
    """Petrel (`binary`, a throwaway data directory, `env` added to its environment) and, unless
    `moto` is false, moto_server, both on free loopback ports; yields a `Servers`. On exit both
    are stopped and the temporary directory removed, whatever happened."""
    started, temp = [], tempfile.mkdtemp(prefix=f"{name}-bench-")
    try:
        data_dir, scratch = os.path.join(temp, "petrel"), os.path.join(temp, "scratch")
        os.makedirs(scratch)
        proc, endpoint = start_petrel(binary, data_dir, *args, env=env)
        started.append(proc)
        moto_server = start_moto() if moto else None
        if moto_server:
            started.append(moto_server[0])
        yield Servers(endpoint, proc, data_dir, scratch, moto_server[1] if moto_server else None)
    finally:
        stop(started)
        shutil.rmtree(temp, ignore_errors=True)
