"""A full disk is an error, not data loss: writes fail with an AWS-shaped 500 and a log line that
says what is full, every write acknowledged before stays, and Petrel recovers by itself once
space returns. The data directory is a small tmpfs of the test's own."""
import os
import subprocess
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess

SIZE_MB = 24


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield str(mount)
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(path, leave_bytes):
    """Fills the filesystem with a ballast file until about `leave_bytes` remain."""
    ballast = os.path.join(path, "ballast")
    stat = os.statvfs(path)
    free = stat.f_bavail * stat.f_frsize
    with open(ballast, "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    return ballast


def test_full_disk_fails_writes_cleanly_and_recovers(small_disk):
    server = PetrelProcess(os.path.join(small_disk, "data"), ["--warm-pool", "python=0,nodejs=0"]).start()
    try:
        ddb = server.client("dynamodb")
        table = "full-" + uuid.uuid4().hex[:8]
        ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        ballast = fill(small_disk, 256 * 1024)
        acknowledged, failure = [], None
        blob = "x" * 60_000
        for i in range(400):
            try:
                ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "v": {"S": blob}})
                acknowledged.append(f"k{i}")
            except ClientError as e:
                failure = e.response
                break
        assert failure is not None, "the disk never filled"
        assert failure["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert failure["Error"]["Code"] == "InternalServerError"  # DynamoDB's own code for a 500
        assert "disk" in failure["Error"]["Message"].lower() or "space" in failure["Error"]["Message"].lower()
        # The server says what is full.
        log = open(server.log_path, errors="replace").read()
        assert "full" in log.lower() and small_disk in log, log[-2000:]
        # Reads still work, and every acknowledged write is there.
        for key in acknowledged:
            assert ddb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item"), key
        # Space returns: writes work again without a restart.
        os.remove(ballast)
        deadline = time.time() + 10
        while True:
            try:
                ddb.put_item(TableName=table, Item={"pk": {"S": "after"}, "v": {"S": "ok"}})
                break
            except ClientError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        # And everything acknowledged survives a kill -9.
        server.kill9()
        server.start()
        ddb = server.client("dynamodb")
        for key in acknowledged + ["after"]:
            assert ddb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item"), key
    finally:
        server.stop()
