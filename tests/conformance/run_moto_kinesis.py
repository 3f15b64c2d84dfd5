#!/usr/bin/env python3
"""Runs moto's own Kinesis tests (tests/test_kinesis from moto's PyPI sdist) against a real Petrel.

moto's Kinesis tests are not marked `aws_verified`, so unlike run_moto.py's DynamoDB suite they
would run against moto's in-process mock. Here a pytest plugin (written to a temporary folder,
nothing of moto is copied into this repository) turns `mock_aws` into a no-op before the test
modules import it, points boto3 at Petrel with AWS_ENDPOINT_URL, and deletes every stream after
each test (moto resets its backend between tests; the tests reuse stream names).

    python3 tests/conformance/run_moto_kinesis.py               # build first: swift build
    python3 tests/conformance/run_moto_kinesis.py --failures    # every failing test and why

moto's DEFAULT_ACCOUNT_ID is set to Petrel's account (000000000000) so ARNs compare.
Consumers turn ACTIVE, and deregistered ones vanish, at once (PETREL_KINESIS_CONSUMER_DELAY_MS=0),
as moto's tests expect of its mock; AWS takes seconds. Failures
are counted by cause, read from each failing test's source: moto's frozen clock (freezegun moves
moto's time, not a real server's), moto's literal account id or sequence numbers, moto's own
resharding arithmetic, what Petrel leaves out (resource policies,
CloudFormation, moto's server mode), and the rest. Exits 1 when the server died or fewer tests passed than --min-pass.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_moto import arguments, cache_dir, finish, moto_sources, report_by_cause, run_suite, test_source, write_plugin  # noqa: E402

SUITE = "tests/test_kinesis"
OUT_OF_SCOPE_FILES = {
    "test_kinesis_resource_policy.py": "resource policies (not built)",
    "test_kinesis_cloudformation.py": "CloudFormation (not served)",
    "test_server.py": "moto's own server mode",
}
# What in a failing test's own source shows it checks moto rather than AWS: its frozen clock
# (freezegun moves moto's server time; a real server keeps its own), its literal account id, or
# its sequence numbers.
MOTO_SPECIFIC = {
    "freeze_time": "moto's frozen clock",
    "123456789012": "moto's account id",
    # AWS's consumer ARNs end in their creation time (`…/consumer/NAME:SECONDS`); moto's do not.
    '/consumer/newconsumer"': "moto's consumer ARN (no creation time)",
}
# A test comparing SequenceNumber with a small literal ("1", "3") asserts moto's numbering.
MOTO_SEQUENCE = re.compile(r'SequenceNumber"\]\s*==\s*"\d{1,4}"')

PLUGIN = '''
import boto3, moto, moto.core, pytest

# Petrel's account where moto's tests build ARNs and messages from moto's default.
moto.core.DEFAULT_ACCOUNT_ID = "000000000000"
try:
    import tests
    tests.DEFAULT_ACCOUNT_ID = "000000000000"
except ImportError:
    pass

class _NoMock:
    def __call__(self, func=None, *args, **kwargs):
        return func if callable(func) else self
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def start(self, *args, **kwargs):
        pass
    def stop(self, *args, **kwargs):
        pass

def mock_aws(func=None, *args, **kwargs):
    return func if callable(func) else _NoMock()

moto.mock_aws = mock_aws

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
           "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-south-1", "sa-east-1", "ca-central-1"]

@pytest.fixture(autouse=True)
def _fresh_streams():
    yield
    for region in REGIONS:
        client = boto3.client("kinesis", region_name=region)
        for name in client.list_streams(Limit=10000).get("StreamNames", []):
            try:
                client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
            except Exception:
                pass
'''


def classify(tree, file, name, message):
    if file in OUT_OF_SCOPE_FILES:
        return "out of scope"
    source = test_source(tree, SUITE, file, name)
    for marker, cause in MOTO_SPECIFIC.items():
        if marker in source:
            return cause
    if "SequenceNumber" in source and MOTO_SEQUENCE.search(source):
        return "moto's sequence numbers"
    if name.startswith("test_update_shard_count"):
        return "moto's resharding (total shard counts, no AWS half/double limit)"
    return "other"


def main():
    args = arguments(__doc__)
    tree = moto_sources(cache_dir())
    work = tempfile.mkdtemp(prefix="petrel-conformance-kinesis-")
    # The server run_suite starts inherits this process's environment (`env` is the tests').
    os.environ.update(PETREL_KINESIS_SHARD_LIMITS="off", PETREL_KINESIS_CONSUMER_DELAY_MS="0")
    env = dict(os.environ, **write_plugin(work, "petrel_nomock", PLUGIN))
    cases, died, seconds = run_suite(tree, args.petrel, work, args.endpoint, env, ["-p", "petrel_nomock", SUITE],
                                     keyword=args.keyword, junit=args.junit)
    passed = report_by_cause("Kinesis tests", cases, seconds,
                             lambda file, name, message: classify(tree, file, name, message), args.failures)
    print("  out of scope: " + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE_FILES.items()))
    return finish(died, work, passed, args.min_pass)


if __name__ == "__main__":
    sys.exit(main())
