#!/usr/bin/env python3
"""Runs moto's `aws_verified` DynamoDB and DynamoDB Streams tests against a real Petrel server.

moto's test suite ships in its source distribution on PyPI. The tests marked `aws_verified` were
checked against real AWS: with MOTO_TEST_ALLOW_AWS_REQUEST=true they skip moto's mock and call
whatever endpoint boto3 is given, so with AWS_ENDPOINT_URL pointing at Petrel they are an
independent DynamoDB conformance suite. Nothing of moto is copied into this repository: the sdist
is downloaded (pip download) and unpacked into a cache directory the first time.

    python3 tests/conformance/run_moto.py                 # build first: swift build
    python3 tests/conformance/run_moto.py -k scan         # a subset
    python3 tests/conformance/run_moto.py --failures      # list every failing test and its error

Prints the pass/fail counts (all tests, and without the ones that need a service or an API
Petrel does not serve) and exits 0, or 1 when the server died during the run or fewer tests
passed than --min-pass.
"""
import argparse
import ast
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from petrel_process import PetrelProcess  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOTO_VERSION = "5.2.1"
SUITES = ["tests/test_dynamodb", "tests/test_dynamodbstreams"]
# Test files that exercise what Petrel does not serve (S3 import/export, resource policies,
# PartiQL) or that ask STS for the account: counted apart, so the headline figure is about
# DynamoDB behaviour Petrel claims to implement.
OUT_OF_SCOPE_FILES = {
    "test_dynamodb_import_table.py": "ImportTable (needs S3)",
    "test_dynamodb_export_table.py": "ExportTableToPointInTime (needs S3)",
    "test_dynamodb_resource_policy.py": "resource policies (not implemented)",
    "test_dynamodb_statements.py": "PartiQL ExecuteStatement (not implemented)",
}


def cache_dir():
    base = os.environ.get("PETREL_CONFORMANCE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "petrel-conformance")
    os.makedirs(base, exist_ok=True)
    return base


def moto_sources(cache):
    """The unpacked sdist, downloaded once."""
    tree = os.path.join(cache, f"moto-{MOTO_VERSION}")
    if os.path.isdir(os.path.join(tree, "tests", "test_dynamodb")):
        return tree
    archive = os.path.join(cache, f"moto-{MOTO_VERSION}.tar.gz")
    if not os.path.exists(archive):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"moto=={MOTO_VERSION}", "-d", cache], check=True, timeout=600)
    staging = tempfile.mkdtemp(dir=cache)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    os.replace(os.path.join(staging, f"moto-{MOTO_VERSION}"), tree)
    shutil.rmtree(staging, ignore_errors=True)
    return tree


class Server(PetrelProcess):
    def __init__(self, binary, data_dir):
        super().__init__(data_dir, binary=binary)
        self.start()


def results(junit_path):
    """(file, test name, outcome, message) per test case."""
    out = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        path = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
        name = case.get("name")
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                message = (child.get("message") or child.text or "").strip().splitlines()[0:1]
                message = message[0][:200] if message else ""
            elif child.tag == "skipped":
                outcome = "skipped"
        out.append((os.path.basename(path.split("::")[0]) or path, name, outcome, message))
    return out


def run_suite(tree, petrel, work, endpoint, env, pytest_args, keyword=None, junit=None):
    """Runs moto's tests (pytest in moto's source tree; `pytest_args` name plugins, markers and
    files) against `endpoint`, or against a Petrel started on `work`/data when endpoint is None.
    Returns (cases, log of the started server if it died meanwhile, seconds)."""
    server = None
    if not endpoint:
        server = Server(petrel, os.path.join(work, "data"))
        endpoint = server.endpoint
    junit = junit or os.path.join(work, "junit.xml")
    env = dict(env, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no", "-o", "addopts=",
               "--junitxml", junit, "-o", "junit_family=xunit1", *pytest_args]
    if keyword:
        command += ["-k", keyword]
    started = time.time()
    try:
        proc = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=3600)
    finally:
        died = server is not None and not server.alive()
        if server:
            server.stop()
    if not os.path.exists(junit):
        print(proc.stdout[-4000:], proc.stderr[-4000:])
        raise SystemExit("pytest wrote no results")
    return results(junit), (server.log_path if died else None), time.time() - started


def arguments(description, timeout=None):
    """The options every runner takes (and --timeout, a per-test limit, where it applies)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--petrel", default=os.environ.get("PETREL_BIN", os.path.join(ROOT, ".build", "debug", "petrel")))
    parser.add_argument("--endpoint", help="use a running server instead of starting one")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--failures", action="store_true", help="list every failing test")
    parser.add_argument("--min-pass", type=int, default=0, help="exit 1 if fewer (in-scope) tests pass")
    parser.add_argument("--junit", help="keep pytest's JUnit XML here")
    if timeout is not None:
        parser.add_argument("--timeout", type=int, default=timeout, help="seconds one test may take")
    return parser.parse_args()


def counts(rows):
    """(passed, failed or errored, skipped) of `results` rows."""
    passed = sum(1 for r in rows if r[2] == "passed")
    failed = sum(1 for r in rows if r[2] in ("failed", "error"))
    return passed, failed, len(rows) - passed - failed


def write_plugin(work, module, text):
    """Writes a pytest plugin (`-p module`) into `work`; returns the env additions that make it importable."""
    with open(os.path.join(work, module + ".py"), "w") as f:
        f.write(text)
    return {"PYTHONPATH": work + os.pathsep + os.environ.get("PYTHONPATH", "")}


# Seconds one test may take (moto's largest aws_verified S3 objects are 10 MB).
TEST_TIMEOUT = 60

TIMEOUT_PLUGIN = '''
import os, signal, pytest

LIMIT = int(os.environ.get("PETREL_CONFORMANCE_TEST_TIMEOUT", "60"))

class TestTimedOut(Exception):
    pass

def _expired(signum, frame):
    raise TestTimedOut(f"the test took longer than {LIMIT} s")

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
'''


def write_timeout_plugin(work, seconds):
    """Writes the per-test time limit plugin (`-p petrel_timeout`) into `work`; returns the env
    additions that make it importable and set the limit."""
    return dict(write_plugin(work, "petrel_timeout", TIMEOUT_PLUGIN), PETREL_CONFORMANCE_TEST_TIMEOUT=str(seconds))


def test_source(tree, suite, file, name):
    """The source of test `name` (parametrisation stripped) in `suite`/`file` of moto's tree."""
    path = os.path.join(tree, suite, file)
    if not os.path.exists(path):
        return ""
    text = open(path).read()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef) and node.name == name.split("[")[0]:
            return ast.get_source_segment(text, node) or ""
    return ""


def report_by_cause(title, cases, seconds, classify, list_failures):
    """Prints the counts, the failures grouped by `classify(file, name, message)` (each one
    with --failures); returns the number passed."""
    passed, failed, skipped = counts(cases)
    by_cause = {}
    for file, name, outcome, message in cases:
        if outcome in ("failed", "error"):
            cause = classify(file, name, message)
            by_cause[cause] = by_cause.get(cause, 0) + 1
            if list_failures:
                print(f"FAIL [{cause}] {file}::{name}\n     {message}")
    print(f"moto {MOTO_VERSION} {title} against Petrel ({seconds:.0f} s):")
    print(f"  {passed} passed, {failed} failed, {skipped} skipped of {len(cases)}")
    for cause, n in sorted(by_cause.items()):
        print(f"  failing, {cause}: {n}")
    return passed


def finish(died, work, passed, min_pass, keep_work=False):
    """The exit status: 1 when the server died (its log's end is printed) or fewer than
    `min_pass` passed. The work folder is removed unless asked to keep it."""
    if died:
        print("THE SERVER DIED during the run; its log: " + died)
        print(open(died, errors="replace").read()[-3000:])
        return 1
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if passed < min_pass else 0


def main():
    args = arguments(__doc__)
    tree = moto_sources(cache_dir())
    work = tempfile.mkdtemp(prefix="petrel-conformance-")
    env = dict(os.environ, MOTO_TEST_ALLOW_AWS_REQUEST="true")
    cases, died, seconds = run_suite(tree, args.petrel, work, args.endpoint, env, ["-m", "aws_verified", *SUITES],
                                     keyword=args.keyword, junit=args.junit)
    in_scope = [c for c in cases if c[0] not in OUT_OF_SCOPE_FILES]
    if args.failures:
        for file, name, outcome, message in cases:
            if outcome in ("failed", "error"):
                scope = f" [{OUT_OF_SCOPE_FILES[file]}]" if file in OUT_OF_SCOPE_FILES else ""
                print(f"FAIL {file}::{name}{scope}\n     {message}")
    p, f, s = counts(cases)
    ip, i_f, i_s = counts(in_scope)
    print(f"moto {MOTO_VERSION} aws_verified DynamoDB tests against Petrel ({seconds:.0f} s):")
    print(f"  all tests:        {p} passed, {f} failed, {s} skipped of {len(cases)}")
    print(f"  DynamoDB in scope: {ip} passed, {i_f} failed, {i_s} skipped of {len(in_scope)}"
          f" ({100.0 * ip / max(1, len(in_scope)):.1f} %)")
    print("  out of scope: " + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE_FILES.items()))
    return finish(died, work, ip, args.min_pass, keep_work=bool(args.junit))


if __name__ == "__main__":
    sys.exit(main())
