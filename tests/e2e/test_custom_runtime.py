"""A custom runtime (provided.al2023) whose bootstrap is AWS's own Python runtime interface
client (awslambdaric from PyPI): proof that Petrel's Runtime API works with a client nobody
here wrote."""
import os
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


def vendored_packages():
    """awslambdaric and its dependencies, bundled into the zip as a user would vendor them."""
    files = {}
    site = os.path.dirname(os.path.dirname(awslambdaric.__file__))
    for entry in os.listdir(site):
        if not entry.startswith(("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")):
            continue
        path = os.path.join(site, entry)
        if os.path.isfile(path):
            files[entry] = open(path, "rb").read()
            continue
        for folder, _, names in os.walk(path):
            for name in names:
                if name.endswith(".pyc"):
                    continue
                full = os.path.join(folder, name)
                files[os.path.relpath(full, site)] = open(full, "rb").read()
    return files


def test_awslambdaric_as_a_custom_runtime(petrel):
    # The system interpreter (visible inside the sandbox), with the vendored client on its path.
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    bootstrap = f"#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\"\nexport PYTHONPATH=\"$LAMBDA_TASK_ROOT\"\nexec {python} -m awslambdaric app.handler\n"
    code = {"bootstrap": bootstrap, "app.py": APP, **vendored_packages()}
    name = create_function(petrel, code, runtime="provided.al2023", handler="app.handler")
    response, payload = invoke(petrel, name, {"a": 1}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload["echo"] == {"a": 1} and payload["fn"] == name and payload["remaining"] is True
    assert len(payload["request_id"]) == 36
    response, payload = invoke(petrel, name, {"boom": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError" and payload["errorMessage"] == "ric failure"
    # Warm reuse through the same client.
    assert invoke(petrel, name, {"b": 2})[1]["echo"] == {"b": 2}
