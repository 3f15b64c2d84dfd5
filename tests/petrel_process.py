"""One `petrel serve` process on a free port with its own data directory: the one way every test
tool (the e2e suite, the fuzzing campaign, the conformance runner) starts a server."""
import hashlib
import os
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PETREL_BIN = os.environ.get("PETREL_BIN", os.path.join(ROOT, ".build", "debug", "petrel"))
# PETREL_STORE=postgres://user:pass@host:port/db runs every server on PostgreSQL instead of the
# embedded SQLite: each data directory gets a database of its own on that cluster (created on
# first start, kept across restarts), so servers stay as independent as with SQLite.
PETREL_STORE = os.environ.get("PETREL_STORE", "")


def store_url(data_dir):
    """The --store URL for a server with this data directory, or None for the SQLite default."""
    if not PETREL_STORE.startswith(("postgres://", "postgresql://")):
        return None
    url, mark, query = PETREL_STORE.partition("?")
    base, _, _ = url.rpartition("/")
    name = "petrel_" + hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:20]
    made = subprocess.run(["psql", PETREL_STORE, "-qAtc", f"CREATE DATABASE {name}"],
                          capture_output=True, text=True)
    if made.returncode != 0 and "already exists" not in made.stderr:
        raise RuntimeError(f"could not create database {name}: {made.stderr}")
    return f"{base}/{name}{mark}{query}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PetrelProcess:
    """One server process with its own data directory. Can be killed (-9) and restarted."""

    def __init__(self, data_dir, extra_args=(), binary=None):
        self.binary = binary or PETREL_BIN
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(data_dir, "server.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        log = open(self.log_path, "ab")
        store = store_url(self.data_dir)
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--data-dir", self.data_dir,
             *(["--store", store] if store else []), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("petrel exited at start:\n" + open(self.log_path).read())
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("petrel did not start:\n" + open(self.log_path).read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        self.port = free_port()
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines=40):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
