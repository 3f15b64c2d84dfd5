"""A custom runtime (provided.al2023) whose bootstrap is AWS's own Python runtime interface
client (awslambdaric from PyPI): proof that Petrel's Runtime API works with a client nobody
here wrote."""
import sys

import pytest

from conftest import create_function, invoke

awslambdaric = pytest.importorskip("awslambdaric", reason="awslambdaric is installed by scripts/install-deps.sh")

APP = """
import os
def handler(event, context):
    print("ric got", event)
    if event.get("boom"):
        raise ValueError("ric failure")
    return {"echo": event, "request_id": context.aws_request_id, "fn": context.function_name,
            "remaining": context.get_remaining_time_in_millis() > 0}
"""


def test_awslambdaric_as_a_custom_runtime(petrel):
    bootstrap = f"#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\"\nexec {sys.executable} -m awslambdaric app.handler\n"
    name = create_function(petrel, {"bootstrap": bootstrap, "app.py": APP}, runtime="provided.al2023", handler="app.handler")
    response, payload = invoke(petrel, name, {"a": 1}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload["echo"] == {"a": 1} and payload["fn"] == name and payload["remaining"] is True
    assert len(payload["request_id"]) == 36
    response, payload = invoke(petrel, name, {"boom": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError" and payload["errorMessage"] == "ric failure"
    # Warm reuse through the same client.
    assert invoke(petrel, name, {"b": 2})[1]["echo"] == {"b": 2}
