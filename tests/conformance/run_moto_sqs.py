#!/usr/bin/env python3
"""Runs moto's SQS tests (tests/test_sqs from moto's PyPI sdist) in moto's server mode against Petrel.

moto's SQS tests marked `aws_verified` are few (26), so the rest run too, in moto's own server
mode: with TEST_SERVER_MODE=true, `mock_aws` only points boto3 at TEST_SERVER_MODE_ENDPOINT
(set here to the Petrel under test) and the tests that need moto's in-process backend skip
themselves. A pytest plugin written to the work folder (nothing of moto is copied into this
repository) sets moto's DEFAULT_ACCOUNT_ID to Petrel's account (000000000000) so URLs and ARNs
compare, and deletes every queue after each test (moto's server resets between tests; the
tests reuse queue names). run_moto_s3.py's per-test time limit applies.

    python3 tests/conformance/run_moto_sqs.py               # build first: swift build
    python3 tests/conformance/run_moto_sqs.py --failures    # every failing test and why

Failures are counted by cause, read from each failing test's source: moto's frozen clock
(freezegun moves the test's time, not a real server's), moto's literal account id or server
address (localhost:5000), and the rest. Exits 1 when the server died or fewer tests passed than
--min-pass.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_moto import (TEST_TIMEOUT, arguments, cache_dir, finish, moto_sources, report_by_cause,  # noqa: E402
                      run_suite, test_source, write_plugin, write_timeout_plugin)

SUITE = "tests/test_sqs"
FILES = ["test_sqs.py", "test_sqs_message_attributes.py"]
# Files left out, and why.
OUT_OF_SCOPE_FILES = {
    "test_sqs_cloudformation.py": "CloudFormation (not served)",
    "test_sqs_integration.py": "moto's Lambda event source mappings in Docker",
    "test_sqs_authentication.py": "moto's IAM access-key bookkeeping (INITIAL_NO_AUTH_ACTION_COUNT)",
    "test_sqs_multiaccount.py": "moto's per-account backends",
    "test_server.py": "moto's own Flask server",
}
# What in a failing test's own source shows it checks moto rather than SQS.
MOTO_SPECIFIC = {
    "freeze_time": "moto's frozen clock",
    "123456789012": "moto's account id",
    "localhost:5000": "moto's server address",
}

PLUGIN = '''
import os, boto3, pytest, moto.core

# Petrel's account where moto's tests build URLs and ARNs from moto's default.
moto.core.DEFAULT_ACCOUNT_ID = "000000000000"
try:
    import tests
    tests.DEFAULT_ACCOUNT_ID = "000000000000"
except ImportError:
    pass
os.environ["TEST_SERVER_MODE_ENDPOINT"] = os.environ["AWS_ENDPOINT_URL"]

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-northeast-1"]

@pytest.fixture(autouse=True)
def _fresh_queues():
    yield
    for region in REGIONS:
        client = boto3.client("sqs", region_name=region, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        for page in client.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                try:
                    client.delete_queue(QueueUrl=url)
                except Exception:
                    pass
'''


def classify(tree, file, name):
    source = test_source(tree, SUITE, file, name)
    for marker, cause in MOTO_SPECIFIC.items():
        if marker in source:
            return cause
    return "other"


def main():
    args = arguments(__doc__, timeout=TEST_TIMEOUT)
    tree = moto_sources(cache_dir())
    work = tempfile.mkdtemp(prefix="petrel-conformance-sqs-")
    extra = write_timeout_plugin(work, args.timeout)
    write_plugin(work, "petrel_sqs_server_mode", PLUGIN)
    env = dict(os.environ, MOTO_TEST_ALLOW_AWS_REQUEST="true", TEST_SERVER_MODE="true", MOTO_CALL_RESET_API="false",
               **extra)
    cases, died, seconds = run_suite(tree, args.petrel, work, args.endpoint, env,
                                     ["-p", "petrel_timeout", "-p", "petrel_sqs_server_mode",
                                      *(f"{SUITE}/{f}" for f in FILES)], keyword=args.keyword, junit=args.junit)
    passed = report_by_cause("SQS tests (server mode)", cases, seconds,
                             lambda file, name, _: classify(tree, file, name), args.failures)
    print("  out of scope: " + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE_FILES.items()))
    return finish(died, work, passed, args.min_pass)


if __name__ == "__main__":
    sys.exit(main())
