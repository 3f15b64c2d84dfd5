#!/usr/bin/env python3
"""Runs moto's `aws_verified` S3 tests (tests/test_s3 from moto's PyPI sdist) against a real Petrel.

Like run_moto.py's DynamoDB suite: with MOTO_TEST_ALLOW_AWS_REQUEST=true the tests moto checked
against real AWS skip moto's mock and call the endpoint boto3 is given (AWS_ENDPOINT_URL, set to
Petrel by run_suite). Each test gets a time limit (a SIGALRM plugin written to the work folder),
so one hanging call fails that test instead of the run.

    python3 tests/conformance/run_moto_s3.py               # build first: swift build
    python3 tests/conformance/run_moto_s3.py --failures    # every failing test and why

Counts are split three ways: in scope (S3 behaviour Petrel claims), pending (bucket policies,
ACLs, public access block and ownership controls: being built, counted apart until they land),
and out of scope (features Petrel does not serve). Exits 1 when the server died or fewer
in-scope tests passed than --min-pass.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_moto import MOTO_VERSION, ROOT, cache_dir, moto_sources, run_suite  # noqa: E402

SUITE = "tests/test_s3"
OUT_OF_SCOPE_FILES = {
    "test_s3_lock.py": "object lock (not served)",
    "test_s3_logging.py": "server access logging (not served)",
    "test_s3_select.py": "S3 Select (not served)",
}
# Authorization features another branch builds: in scope, counted apart while they are pending.
PENDING_FILES = {
    "test_s3_bucket_policy.py": "bucket policies",
    "test_s3_acl.py": "ACLs",
    "test_s3_ownership.py": "ownership controls",
}
# Seconds one test may take (moto's largest aws_verified objects are 10 MB).
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
    with open(os.path.join(work, "petrel_timeout.py"), "w") as f:
        f.write(TIMEOUT_PLUGIN)
    return {"PYTHONPATH": work + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PETREL_CONFORMANCE_TEST_TIMEOUT": str(seconds)}


def counts(rows):
    passed = sum(1 for r in rows if r[2] == "passed")
    failed = sum(1 for r in rows if r[2] in ("failed", "error"))
    return passed, failed, len(rows) - passed - failed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--petrel", default=os.environ.get("PETREL_BIN", os.path.join(ROOT, ".build", "debug", "petrel")))
    parser.add_argument("--endpoint", help="use a running server instead of starting one")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--failures", action="store_true", help="list every failing test")
    parser.add_argument("--min-pass", type=int, default=0, help="exit 1 if fewer in-scope tests pass")
    parser.add_argument("--timeout", type=int, default=TEST_TIMEOUT, help="seconds one test may take")
    args = parser.parse_args()

    tree = moto_sources(cache_dir())
    work = tempfile.mkdtemp(prefix="petrel-conformance-s3-")
    env = dict(os.environ, MOTO_TEST_ALLOW_AWS_REQUEST="true", **write_timeout_plugin(work, args.timeout))
    cases, died, seconds = run_suite(tree, args.petrel, work, args.endpoint, env,
                                     ["-p", "petrel_timeout", "-m", "aws_verified", SUITE], keyword=args.keyword)

    def scope(file):
        if file in OUT_OF_SCOPE_FILES:
            return "out of scope: " + OUT_OF_SCOPE_FILES[file]
        if file in PENDING_FILES:
            return "pending: " + PENDING_FILES[file]
        return "in scope"

    if args.failures:
        for file, name, outcome, message in cases:
            if outcome in ("failed", "error"):
                print(f"FAIL [{scope(file)}] {file}::{name}\n     {message}")
    in_scope = [c for c in cases if scope(c[0]) == "in scope"]
    pending = [c for c in cases if c[0] in PENDING_FILES]
    ip, i_f, i_s = counts(in_scope)
    p, f, s = counts(cases)
    pp, pf, _ = counts(pending)
    print(f"moto {MOTO_VERSION} aws_verified S3 tests against Petrel ({seconds:.0f} s):")
    print(f"  all tests:   {p} passed, {f} failed, {s} skipped of {len(cases)}")
    print(f"  S3 in scope: {ip} passed, {i_f} failed, {i_s} skipped of {len(in_scope)}")
    print(f"  pending ({', '.join(PENDING_FILES.values())}): {pp} passed, {pf} failed")
    print("  out of scope: " + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE_FILES.items()))
    if died:
        print("THE SERVER DIED during the run; its log: " + died)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 1 if ip < args.min_pass else 0


if __name__ == "__main__":
    sys.exit(main())
