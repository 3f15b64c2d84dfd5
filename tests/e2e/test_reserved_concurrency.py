"""Reserved concurrency: PutFunctionConcurrency caps a function (the third of two concurrent
invocations is throttled with AWS's reason), 0 throttles everything, reservations come out of
the account's pool (GetAccountSettings) and can never leave less than a tenth of it unreserved."""
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, wait_for

SLOW = {"index.js": "exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return 'done'; };"}


def throttle_reason(error):
    return error.response.get("Reason") or error.response["Error"].get("Reason")


def test_reserved_concurrency_two_throttles_the_third(fresh_petrel):
    server = fresh_petrel("--concurrency-limit", "20")
    lam = server.client("lambda")
    name = create_function(server, SLOW, Timeout=30)
    assert lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)["ReservedConcurrentExecutions"] == 2
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 2
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 2}
    limits = lam.get_account_settings()["AccountLimit"]
    assert limits["ConcurrentExecutions"] == 20 and limits["UnreservedConcurrentExecutions"] == 18

    invoke(server, name, {"ms": 0})  # one warm instance, so the timing below is the invocations'
    results = []
    threads = [threading.Thread(target=lambda: results.append(invoke(server, name, {"ms": 3000})[1])) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    with pytest.raises(ClientError) as throttled:
        invoke(server, name, {"ms": 0})
    for thread in threads:
        thread.join()
    assert results == ["done", "done"]
    error = throttled.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException" and error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert throttle_reason(throttled.value) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert invoke(server, name, {"ms": 0})[1] == "done"  # capacity again once they ended

    # 0 throttles everything; deleting the reservation lifts it.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as zero:
        invoke(server, name)
    assert throttle_reason(zero.value) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    out = server.cli("lambda", "get-function-concurrency", "--function-name", name)
    assert out == {"ReservedConcurrentExecutions": 0}
    lam.delete_function_concurrency(FunctionName=name)
    assert lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    assert "Concurrency" not in lam.get_function(FunctionName=name)
    assert invoke(server, name)[1] == "done"


def test_reservations_leave_a_tenth_unreserved_and_survive_restarts(fresh_petrel):
    server = fresh_petrel("--concurrency-limit", "20")
    lam = server.client("lambda")
    first, second = create_function(server, SLOW), create_function(server, SLOW)
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=10)
    with pytest.raises(ClientError) as refused:
        lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=9)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "minimum value of [2]" in refused.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=8)
    # Changing a function's own reservation does not count it twice.
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=10)

    server.restart()
    lam = server.client("lambda")
    assert lam.get_function_concurrency(FunctionName=second)["ReservedConcurrentExecutions"] == 8
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 2
    lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as zero:
        invoke(server, second)
    assert throttle_reason(zero.value) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    with pytest.raises(ClientError) as missing:
        lam.put_function_concurrency(FunctionName="no-such-function", ReservedConcurrentExecutions=1)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
