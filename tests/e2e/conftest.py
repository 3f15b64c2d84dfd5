"""End-to-end fixtures: a real `petrel serve` on a free port, driven by the real AWS CLI and boto3."""
import json
import os
import sys
import signal
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REGION = "us-east-1"
CLIENT_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": REGION,
}


sys.path.insert(0, os.path.join(ROOT, "tests"))
from petrel_process import PETREL_BIN, PetrelProcess as _Process, free_port  # noqa: E402


class PetrelProcess(_Process):
    """A server with the e2e suite's clients: boto3 and the real AWS CLI."""

    def client(self, service, config=None):
        """A boto3 client for this server (no retries unless `config` says otherwise)."""
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=config or Config(retries={"max_attempts": 0}, read_timeout=120),
        )

    def cli(self, *args, check=True, input=None):
        """Runs the real AWS CLI against this server; returns parsed JSON (or raw text)."""
        env = dict(os.environ, **CLIENT_ENV)
        proc = subprocess.run(
            ["aws", "--endpoint-url", self.endpoint, "--output", "json", *args],
            env=env, capture_output=True, text=True, input=input, timeout=180,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        if not check:
            return proc
        out = proc.stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out


@pytest.fixture(scope="session")
def petrel(tmp_path_factory):
    server = PetrelProcess(str(tmp_path_factory.mktemp("petrel-data"))).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_petrel(tmp_path, request):
    """A server of the test's own, for tests that restart or kill it."""
    servers = []
    request.node.petrel_servers = servers

    def make(*extra_args):
        server = PetrelProcess(str(tmp_path / f"data{len(servers)}"), extra_args).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop(signal.SIGKILL)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the last lines of its servers' logs (CI keeps nothing else)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    servers = list(getattr(item, "petrel_servers", []))
    if "petrel" in getattr(item, "funcargs", {}):
        servers.append(item.funcargs["petrel"])
    for server in servers:
        try:
            report.sections.append((f"petrel log {server.log_path}", server.tail(30)))
        except OSError:
            pass


# --- Lambda helpers -------------------------------------------------------------------------

import base64
import io
import uuid
import zipfile

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files):
    """A deployment package from {path: text-or-bytes}; bootstraps and bin/ files are executable."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, content in files.items():
            info = zipfile.ZipInfo(path)
            executable = path.endswith("bootstrap") or path.startswith("bin/")
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.create_system = 3
            zf.writestr(info, content)
    return buf.getvalue()


def unique(prefix="fn"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_function(server, code, name=None, runtime="nodejs20.x", handler="index.handler", **kwargs):
    """Creates a function from {path: source} (or raw zip bytes) with boto3; returns its name."""
    name = name or unique()
    zip_bytes = code if isinstance(code, bytes) else make_zip(code)
    server.client("lambda").create_function(
        FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE, Code={"ZipFile": zip_bytes}, **kwargs
    )
    return name


def invoke(server, name, payload=None, **kwargs):
    """Invokes synchronously; returns (response, decoded payload)."""
    body = json.dumps(payload if payload is not None else {})
    response = server.client("lambda").invoke(FunctionName=name, Payload=body, **kwargs)
    raw = response["Payload"].read()
    try:
        return response, json.loads(raw) if raw else None
    except ValueError:
        return response, raw


def log_tail(response):
    return base64.b64decode(response["LogResult"]).decode()


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def log_messages(server, name):
    logs = server.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []  # nothing logged yet
    return [e["message"] for e in events]
