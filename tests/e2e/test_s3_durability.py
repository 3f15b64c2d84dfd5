"""An acknowledged PUT survives kill -9; a write cut short leaves nothing behind."""
import hashlib
import os
import sqlite3
import uuid

import pytest


def test_acknowledged_puts_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    s3 = server.client("s3")
    bucket = f"d-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    written = {}
    for i in range(20):
        body = os.urandom(1000 + i * 150_000)  # up to ~3 MB: several 1 MB chunks
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=body)
        written[f"k{i}"] = hashlib.md5(body).hexdigest()
    server.kill9()
    server.start()
    s3 = server.client("s3")
    for key, digest in written.items():
        assert hashlib.md5(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest() == digest
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed) == sorted(written)


@pytest.mark.skipif(bool(os.environ.get("PETREL_STORE")), reason="reads the SQLite file directly; the PostgreSQL pass has no such file")
def test_interrupted_upload_leaves_no_object_and_no_bytes(fresh_petrel):
    server = fresh_petrel()
    s3 = server.client("s3")
    bucket = f"d-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="kept", Body=b"kept")
    # Send half of a 4 MB body, then kill the server mid-request.
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(f"PUT /{bucket}/half HTTP/1.1\r\nHost: s3.localhost:{server.port}\r\nContent-Length: 4194304\r\n\r\n".encode())
    sock.sendall(b"x" * 2_500_000)
    import time
    time.sleep(0.5)
    server.kill9()
    sock.close()
    database = os.path.join(server.data_dir, "petrel.sqlite")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM s3_pending_blobs").fetchone()[0] >= 1
    server.start()
    s3 = server.client("s3")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["kept"]
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM s3_pending_blobs").fetchone()[0] == 0
        chunks = db.execute("SELECT COUNT(*) FROM s3_chunks").fetchone()[0]
    assert chunks == 1
