"""Hardening: shutdown is bounded whatever the instances are doing, and request bodies the HTTP
layer cannot decode are the client's error (4xx in its protocol), never a 500."""
import json
import os
import signal
import socket
import threading
import time

import pytest

from conftest import create_function, invoke, unique, wait_for

SLOW_PY = {"slow.py": "import time\n\ndef handler(event, context):\n    time.sleep(event.get('s', 60))\n    return 'done'\n"}
HANG_INIT_PY = {"hang.py": "import time\ntime.sleep(120)\n\ndef handler(event, context):\n    return 'never'\n"}
# A custom runtime that takes its invocation and never answers (a misbehaving runtime).
TAKER_BOOTSTRAP = {"bootstrap": "#!/bin/sh\n"
                                 "curl -s \"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next\" >/dev/null\n"
                                 "sleep 600\n"}


def instance_pids(data_dir):
    """Processes that belong to this server's instances: their working directory is under the data dir."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if cwd.startswith(data_dir) or data_dir.encode() in cmdline:
            pids.append(int(pid))
    return pids


def invoke_in_background(server, name, payload):
    thread = threading.Thread(target=lambda: _swallow(lambda: invoke(server, name, payload)), daemon=True)
    thread.start()
    return thread


def _swallow(call):
    try:
        call()
    except Exception:  # noqa: BLE001 — the server going away is what these tests do
        pass


def stop_and_time(server, signals=(signal.SIGTERM,), gap=0.5):
    proc = server.proc
    started = time.time()
    for i, sig in enumerate(signals):
        if i:
            time.sleep(gap)
        proc.send_signal(sig)
    code = proc.wait(timeout=60)
    server.proc = None
    return code, time.time() - started


def busy(server, name):
    return wait_for(lambda: any(True for _ in instance_pids(server.data_dir)), timeout=20)


@pytest.mark.parametrize("case", ["busy", "init-hang", "taken-by-runtime", "frozen"])
def test_sigterm_finishes_within_the_shutdown_timeout(fresh_petrel, case):
    server = fresh_petrel("--shutdown-timeout", "3", "--warm-pool", "python=0,nodejs=0")
    if case == "busy":
        name = create_function(server, SLOW_PY, runtime="python3.11", handler="slow.handler", Timeout=120)
        invoke_in_background(server, name, {"s": 60})
    elif case == "init-hang":
        name = create_function(server, HANG_INIT_PY, runtime="python3.11", handler="hang.handler", Timeout=120)
        invoke_in_background(server, name, {})
    elif case == "taken-by-runtime":
        name = create_function(server, TAKER_BOOTSTRAP, runtime="provided.al2023", handler="x", Timeout=120)
        invoke_in_background(server, name, {})
    else:
        name = create_function(server, SLOW_PY, runtime="python3.11", handler="slow.handler")
        assert invoke(server, name, {"s": 0})[1] == "done"
        time.sleep(0.5)  # idle long enough to be frozen
    assert busy(server, name), "the instance never started"
    time.sleep(1)
    code, took = stop_and_time(server)
    assert code == 0
    limit = 3 + 4 if case != "frozen" else 4
    assert took < limit, f"shutdown took {took:.1f} s"
    assert wait_for(lambda: not instance_pids(server.data_dir), timeout=5), "instances outlived the server"


def test_a_second_signal_stops_at_once(fresh_petrel):
    server = fresh_petrel("--shutdown-timeout", "60", "--warm-pool", "python=0,nodejs=0")
    name = create_function(server, SLOW_PY, runtime="python3.11", handler="slow.handler", Timeout=120)
    invoke_in_background(server, name, {"s": 60})
    assert busy(server, name)
    time.sleep(1)
    code, took = stop_and_time(server, signals=(signal.SIGTERM, signal.SIGTERM))
    assert took < 5, f"a second SIGTERM took {took:.1f} s to stop the server"
    assert wait_for(lambda: not instance_pids(server.data_dir), timeout=5)


def test_in_flight_invocation_finishes_during_shutdown(fresh_petrel):
    server = fresh_petrel("--shutdown-timeout", "20", "--warm-pool", "python=0,nodejs=0")
    name = create_function(server, SLOW_PY, runtime="python3.11", handler="slow.handler", Timeout=60)
    result = {}
    thread = threading.Thread(target=lambda: result.update(out=invoke(server, name, {"s": 3})[1]), daemon=True)
    thread.start()
    assert busy(server, name)
    time.sleep(0.5)
    code, took = stop_and_time(server)
    thread.join(timeout=30)
    assert code == 0
    assert result.get("out") == "done", "the in-flight invocation was cut off before the timeout"
    assert took < 15


def test_queued_async_events_survive_shutdown(fresh_petrel):
    # An event cut off by the shutdown counts as a failed attempt and is retried after the
    # async retry delay: 1 s here, so the test waits for the retry rather than racing it.
    server = fresh_petrel("--shutdown-timeout", "1", "--warm-pool", "python=0,nodejs=0", "--async-retry-delay", "1")
    marker = unique("marker")
    code = {"rec.py": "import json\n\ndef handler(event, context):\n    print('GOT ' + json.dumps(event))\n    return 1\n"}
    name = create_function(server, code, runtime="python3.11", handler="rec.handler")
    lam = server.client("lambda")
    for i in range(5):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"m": marker, "i": i}))
    stop_and_time(server)
    server.start()
    from conftest import log_messages
    def seen():
        return {json.loads(m[4:])["i"] for m in log_messages(server, name) if marker in m and m.startswith("GOT")}
    wait_for(lambda: seen() == set(range(5)), timeout=30)
    assert seen() == set(range(5))


# --- Request bodies the HTTP layer cannot decode -----------------------------------------------

def raw(server, data, shut_write=False, timeout=30):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    try:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while b"\r\n\r\n" not in out or len(out.split(b"\r\n\r\n", 1)[1]) < _length(out):
            got = s.recv(65536)
            if not got:
                break
            out += got
        return out
    finally:
        s.close()


def _length(reply):
    for line in reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


DDB_HEAD = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
LAMBDA_HEAD = (b"POST /2015-03-31/functions/nope/invocations HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")


@pytest.mark.parametrize("head,protocol", [(DDB_HEAD, "json"), (LAMBDA_HEAD, "rest-json")])
@pytest.mark.parametrize("body,shut", [
    (b"zz\r\n{}\r\n0\r\n\r\n", False),       # chunk size not hex
    (b"2\r\n{}XX0\r\n\r\n", False),          # a chunk not followed by CRLF
    (b"10\r\n{\"a\":", True),                # cut off mid-chunk
])
def test_malformed_chunked_bodies_are_client_errors(petrel, head, protocol, body, shut):
    reply = raw(petrel, head + body, shut_write=shut)
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply[:300]
    payload = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    if protocol == "json":
        assert payload["__type"].endswith("#SerializationException")
    else:
        assert b"x-amzn-ErrorType: SerializationException" in reply
    assert "could not be read" in payload["message"]
    # The server goes on serving.
    assert petrel.client("dynamodb").list_tables()["TableNames"] is not None


# --- Overload: a burst past what the host can hold is throttled, not queued without bound -------

def test_burst_past_the_memory_budget_is_throttled(fresh_petrel):
    server = fresh_petrel("--memory-budget", "256", "--warm-pool", "python=0,nodejs=0")
    name = create_function(server, SLOW_PY, runtime="python3.11", handler="slow.handler", MemorySize=128, Timeout=30)
    from concurrent.futures import ThreadPoolExecutor
    from botocore.exceptions import ClientError

    def call(_):
        try:
            return invoke(server, name, {"s": 3})[1]
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
                    e.response.get("Reason"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, range(4)))
    done = [r for r in results if r == "done"]
    throttled = [r for r in results if r != "done"]
    assert len(done) == 2, results            # two 128 MB instances fit a 256 MB budget
    assert throttled and all(r[:2] == ("TooManyRequestsException", 429) for r in throttled), results
    assert all(r[2] == "ConcurrentInvocationLimitExceeded" for r in throttled), results
    # Once the burst is over, the function is served again.
    assert invoke(server, name, {"s": 0})[1] == "done"
