"""AWS's concurrency scaling rate, as a configurable limit: a function may add at most N new
instances per 10 seconds (`--scaling-rate`, AWS's 1,000 by default), refilled continuously; an
invocation that needs an instance past it is throttled with 429 FunctionInvocationRateLimitExceeded,
while invocations that a warm instance can take are not."""
import threading
import time

from botocore.exceptions import ClientError

from conftest import create_function, invoke

SLOW = {"index.js": "exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return 'done'; };"}


def test_a_burst_past_the_scaling_rate_is_throttled_until_it_refills(fresh_petrel):
    server = fresh_petrel("--scaling-rate", "2", "--warm-pool", "nodejs=0,python=0")
    name = create_function(server, SLOW, Timeout=30)
    outcomes, lock = [], threading.Lock()

    def call():
        try:
            outcome = invoke(server, name, {"ms": 2500})[1]
        except ClientError as error:
            outcome = (error.response["Error"]["Code"], error.response.get("Reason") or error.response["Error"].get("Reason"),
                       error.response["Error"]["Message"])
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttled = [o for o in outcomes if o != "done"]
    assert outcomes.count("done") == 2, outcomes
    assert len(throttled) == 2
    for code, reason, message in throttled:
        assert code == "TooManyRequestsException" and reason == "FunctionInvocationRateLimitExceeded"
        assert message.startswith("Rate Exceeded.") and "scaling rate" in message
    # Two warm instances serve two more at once without a new instance...
    both = []
    pair = [threading.Thread(target=lambda: both.append(invoke(server, name, {"ms": 200})[1])) for _ in range(2)]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join()
    assert both == ["done", "done"]
    # ...and one new instance is allowed again 5 s after the burst (2 per 10 s, refilled continuously).
    time.sleep(2.5)
    results = []
    three = [threading.Thread(target=lambda: results.append(invoke(server, name, {"ms": 1000})[1])) for _ in range(3)]
    for thread in three:
        thread.start()
    for thread in three:
        thread.join()
    assert results == ["done", "done", "done"]


def test_a_negative_scaling_rate_is_refused(tmp_path):
    import subprocess
    from conftest import PETREL_BIN
    proc = subprocess.run([PETREL_BIN, "serve", "--scaling-rate", "-1", "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0 and "--scaling-rate" in proc.stderr
