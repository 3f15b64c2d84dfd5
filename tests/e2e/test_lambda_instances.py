"""Instance lifecycle: concurrency limit, keep-alive reaping, async durability across kill -9."""
import concurrent.futures
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, log_messages, log_tail, wait_for

SLOW = {"index.js": "exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return e.ms; };"}


def test_account_concurrency_limit_throttles_with_reason(fresh_petrel):
    server = fresh_petrel("--concurrency-limit", "2")
    name = create_function(server, SLOW)

    def call(_):
        try:
            return invoke(server, name, {"ms": 1500})[1]
        except ClientError as e:
            return e.response

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(call, i) for i in range(2)]
        time.sleep(0.6)
        throttled = call(None)
        results = [f.result() for f in futures]
    assert results == [1500, 1500]
    assert throttled["Error"]["Code"] == "TooManyRequestsException"
    assert throttled["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert throttled["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_idle_instances_are_reaped_after_keep_alive(fresh_petrel):
    server = fresh_petrel("--keep-alive", "1")
    name = create_function(server, SLOW)
    first, _ = invoke(server, name, LogType="Tail")
    warm, _ = invoke(server, name, LogType="Tail")
    assert "Init Duration" in log_tail(first) and "Init Duration" not in log_tail(warm)
    time.sleep(2.5)
    cold, _ = invoke(server, name, LogType="Tail")
    assert "Init Duration" in log_tail(cold)


def test_queued_async_invocation_survives_kill_9(fresh_petrel):
    server = fresh_petrel("--concurrency-limit", "1")
    name = create_function(server, {"index.js": """
        exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms)); console.log('finished', e.tag); };
    """}, Timeout=10)
    client = server.client("lambda")
    # The first event occupies the only slot; the second waits in the durable queue.
    client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"ms": 3000, "tag": "first"}))
    client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"ms": 10, "tag": "second"}))
    time.sleep(0.5)
    server.kill9()
    server.start()
    messages = wait_for(lambda: [m for m in log_messages(server, name) if "finished" in m and "second" in m], timeout=20)
    assert messages
    assert wait_for(lambda: [m for m in log_messages(server, name) if "finished" in m and "first" in m], timeout=20)


def test_async_function_errors_are_retried_twice(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "0.2")
    name = create_function(server, {"index.js": "exports.handler = async (e) => { console.log('attempt', e.tag); throw new Error('no'); };"})
    server.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"tag": "retry-me"}))
    attempts = wait_for(lambda: len([m for m in log_messages(server, name) if "attempt retry-me" in m]) >= 3, timeout=15)
    assert attempts
    time.sleep(1.0)
    assert len([m for m in log_messages(server, name) if "attempt retry-me" in m]) == 3
