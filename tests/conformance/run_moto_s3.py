#!/usr/bin/env python3
"""Runs moto's `aws_verified` S3 tests (tests/test_s3 from moto's PyPI sdist) against a real Petrel.

Like run_moto.py's DynamoDB suite: with MOTO_TEST_ALLOW_AWS_REQUEST=true the tests moto checked
against real AWS skip moto's mock and call the endpoint boto3 is given (AWS_ENDPOINT_URL, set to
Petrel by run_suite). Each test gets a time limit (a SIGALRM plugin written to the work folder),
so one hanging call fails that test instead of the run.

    python3 tests/conformance/run_moto_s3.py               # build first: swift build
    python3 tests/conformance/run_moto_s3.py --failures    # every failing test and why

Counts are split two ways: in scope (S3 behaviour Petrel claims) and out of scope (features
Petrel does not serve). Exits 1 when the server died or fewer
in-scope tests passed than --min-pass.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_moto import (MOTO_VERSION, TEST_TIMEOUT, arguments, cache_dir, counts, finish, moto_sources,  # noqa: E402
                      run_suite, write_timeout_plugin)

SUITE = "tests/test_s3"
OUT_OF_SCOPE_FILES = {
    "test_s3_lock.py": "object lock (not served)",
    "test_s3_logging.py": "server access logging (not served)",
    "test_s3_select.py": "S3 Select (not served)",
}
def main():
    args = arguments(__doc__, timeout=TEST_TIMEOUT)
    tree = moto_sources(cache_dir())
    work = tempfile.mkdtemp(prefix="petrel-conformance-s3-")
    env = dict(os.environ, MOTO_TEST_ALLOW_AWS_REQUEST="true", **write_timeout_plugin(work, args.timeout))
    cases, died, seconds = run_suite(tree, args.petrel, work, args.endpoint, env,
                                     ["-p", "petrel_timeout", "-m", "aws_verified", SUITE], keyword=args.keyword,
                                     junit=args.junit)

    def scope(file):
        if file in OUT_OF_SCOPE_FILES:
            return "out of scope: " + OUT_OF_SCOPE_FILES[file]
        return "in scope"

    if args.failures:
        for file, name, outcome, message in cases:
            if outcome in ("failed", "error"):
                print(f"FAIL [{scope(file)}] {file}::{name}\n     {message}")
    in_scope = [c for c in cases if scope(c[0]) == "in scope"]
    ip, i_f, i_s = counts(in_scope)
    p, f, s = counts(cases)
    print(f"moto {MOTO_VERSION} aws_verified S3 tests against Petrel ({seconds:.0f} s):")
    print(f"  all tests:   {p} passed, {f} failed, {s} skipped of {len(cases)}")
    print(f"  S3 in scope: {ip} passed, {i_f} failed, {i_s} skipped of {len(in_scope)}")
    print("  out of scope: " + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE_FILES.items()))
    return finish(died, work, ip, args.min_pass)


if __name__ == "__main__":
    sys.exit(main())
