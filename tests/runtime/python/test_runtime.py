"""Petrel's Python runtime against a fake Runtime API: loading, the loop, context, marshalling."""
import json
import os
import re
import subprocess
import time

import pytest

from conftest import ARN, BOOTSTRAP, PYTHON, FakeRuntimeApi, Runtime, python_minor

ECHO = "def handler(event, context):\n    return {'event': event}\n"


def test_answers_invocations_in_a_loop_on_one_keep_alive_connection(runtime):
    rt = runtime({"app.py": ECHO})
    for i in range(5):
        post = rt.api.invoke({"n": i, "s": "é☃"})
        assert post.kind == "response"
        assert post.body == {"event": {"n": i, "s": "é☃"}}
        assert post.headers["content-type"] == "application/json"
    rt.api.wait_next(6)
    # Every GET /next and POST went over one TCP connection.
    assert len(rt.api.connections) == 1
    assert rt.proc.poll() is None


def test_a_petrel_server_answers_each_result_with_the_next_invocation(runtime):
    api = FakeRuntimeApi()
    api.then_next = True
    rt = runtime({"app.py": "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('asked to fail')\n    return {'event': event}\n"}, api=api)
    first = rt.api.invoke({"n": 1})
    failed = rt.api.invoke({"fail": True})
    third = rt.api.invoke({"n": 3})
    assert first.body == {"event": {"n": 1}} and third.body == {"event": {"n": 3}}
    assert failed.kind == "error" and failed.body["errorMessage"] == "asked to fail"
    assert first.headers["petrel-then-next"] == "1"
    # One GET /next for the first invocation; every later one came as the answer to a post.
    assert rt.api.next_calls == 1 and rt.api.then_next_calls == 3


@pytest.mark.parametrize("handler", ["pkg/sub/mod.handler", "pkg.sub.mod.handler"])
@pytest.mark.parametrize("with_init", [True, False])
def test_handler_in_packages_and_sub_folders(runtime, handler, with_init):
    files = {"pkg/sub/mod.py": "from . import helper\ndef handler(e, c):\n    return helper.VALUE + __name__\n",
             "pkg/sub/helper.py": "VALUE = 'helped:'\n"}
    if with_init:
        files["pkg/__init__.py"] = ""
        files["pkg/sub/__init__.py"] = ""
    rt = runtime(files, handler)
    assert rt.api.invoke({}).body == "helped:pkg.sub.mod"


def test_task_root_is_first_on_sys_path_and_wins_over_installed_packages(runtime):
    rt = runtime({
        "app.py": "import sys, boto3\ndef handler(e, c):\n    return {'path': sys.path, 'boto3': boto3.WHO, 'cwd': __import__('os').getcwd()}\n",
        "boto3/__init__.py": "WHO = 'bundled'\n",
    }, env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
    body = rt.api.invoke({}).body
    assert body["path"][0] == rt.task_root
    assert body["boto3"] == "bundled"  # a bundled copy shadows the machine's, as on AWS
    assert body["cwd"] == rt.task_root
    # Layers next, as AWS orders them: the function's runtime's site-packages, the interpreter's, /opt/python.
    layer_dirs = ["/opt/python/lib/python3.12/site-packages"]
    if python_minor(PYTHON) != "3.12":
        layer_dirs.append("/opt/python/lib/python%s/site-packages" % python_minor(PYTHON))
    assert body["path"][1:len(layer_dirs) + 2] == layer_dirs + ["/opt/python"]
    assert body["path"][-1].endswith("/Runtimes/python")  # the runtime's folder last


def test_context_object(runtime):
    src = (
        "import time\n"
        "def handler(event, context):\n"
        "    cc = context.client_context\n"
        "    return {\n"
        "        'function_name': context.function_name, 'function_version': context.function_version,\n"
        "        'invoked_function_arn': context.invoked_function_arn, 'memory_limit_in_mb': context.memory_limit_in_mb,\n"
        "        'aws_request_id': context.aws_request_id, 'log_group_name': context.log_group_name,\n"
        "        'log_stream_name': context.log_stream_name, 'remaining': context.get_remaining_time_in_millis(),\n"
        "        'custom': cc.custom, 'env': cc.env, 'installation_id': cc.client.installation_id,\n"
        "        'app_title': cc.client.app_title,\n"
        "        'identity_id': context.identity.cognito_identity_id,\n"
        "        'identity_pool_id': context.identity.cognito_identity_pool_id,\n"
        "        'trace': __import__('os').environ.get('_X_AMZN_TRACE_ID'),\n"
        "    }\n"
    )
    rt = runtime({"app.py": src})
    client_context = {"custom": {"k": "v"}, "env": {"platform": "x"}, "client": {"installation_id": "inst-1", "app_title": "T"}}
    identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    rid = rt.api.enqueue({}, request_id="req-ctx-1", timeout_ms=5000, headers={
        "Lambda-Runtime-Client-Context": json.dumps(client_context),
        "Lambda-Runtime-Cognito-Identity": json.dumps(identity),
    })
    body = rt.api.wait_answer(rid).body
    assert body["function_name"] == "testfn"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == ARN
    assert body["memory_limit_in_mb"] == "256"  # a string, as on AWS
    assert body["aws_request_id"] == "req-ctx-1"
    assert body["log_group_name"] == "/aws/lambda/testfn"
    assert body["log_stream_name"] == "2026/01/01/[$LATEST]0123456789abcdef"
    assert 0 < body["remaining"] <= 5000
    assert body["custom"] == {"k": "v"} and body["env"] == {"platform": "x"}
    assert body["installation_id"] == "inst-1" and body["app_title"] == "T"
    assert body["identity_id"] == "id-1" and body["identity_pool_id"] == "pool-1"
    assert body["trace"].startswith("Root=1-5759e988")


def test_context_without_client_context_or_identity(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    return [c.client_context, c.identity.cognito_identity_id, c.identity.cognito_identity_pool_id]\n"})
    assert rt.api.invoke({}).body == [None, None, None]


def test_remaining_time_counts_down(runtime):
    rt = runtime({"app.py": "import time\ndef handler(e, c):\n    a = c.get_remaining_time_in_millis()\n    time.sleep(0.3)\n    return [a, c.get_remaining_time_in_millis()]\n"})
    a, b = rt.api.invoke({}, timeout_ms=3000).body
    assert 2000 < a <= 3000
    assert 250 <= a - b < 1500


def test_bad_client_context_is_an_error_of_that_invocation(runtime):
    rt = runtime({"app.py": ECHO})
    post = rt.api.invoke({}, headers={"Lambda-Runtime-Client-Context": "{not json"})
    assert post.kind == "error"
    assert post.body["errorType"] == "Runtime.LambdaContextUnmarshalError"
    assert post.body["errorMessage"].startswith("Unable to parse Client Context JSON: ")
    assert rt.api.invoke({"x": 1}).body == {"event": {"x": 1}}  # and the runtime carries on


def test_invalid_event_json_is_an_unmarshal_error(runtime):
    rt = runtime({"app.py": ECHO})
    rid = rt.api.enqueue(None, raw=b"{oops")
    post = rt.api.wait_answer(rid)
    assert post.body["errorType"] == "Runtime.UnmarshalError"
    assert post.body["errorMessage"] == "Unable to unmarshal input: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"


def test_event_values_survive_the_round_trip(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    return {'types': [type(v).__name__ for v in e], 'e': e}\n"})
    event = [1, 2.5, "s", None, True, {"a": [1, {"b": "c"}]}, 10 ** 30, -0.0, "\u2603\U0001F600"]
    body = rt.api.invoke(event).body
    assert body["e"] == event
    assert body["types"] == ["int", "float", "str", "NoneType", "bool", "dict", "int", "float", "str"]


def test_exit_when_the_runtime_api_is_unreachable():
    api = FakeRuntimeApi()
    address = api.address
    api.close()  # nothing listens there any more
    rt = Runtime({"app.py": ECHO}, "app.handler", api=FakeRuntimeApi(), api_address=address)
    try:
        assert rt.wait_exit(10) == 1
        assert "unreachable" in rt.output()
    finally:
        rt.close()


def test_exit_when_the_server_goes_away_between_invocations(runtime):
    rt = runtime({"app.py": ECHO})
    assert rt.api.invoke({}).kind == "response"
    rt.api.wait_next(2)
    # The server closes the connection of the pending GET /next, then stops listening.
    rt.api.invocations.put(None)
    rt.api.invocations.put(None)
    assert rt.wait_exit(10) == 1


def test_retries_once_when_a_keep_alive_connection_was_closed(runtime):
    rt = runtime({"app.py": ECHO})
    assert rt.api.invoke({"a": 1}).kind == "response"
    rt.api.wait_next(2)
    rt.api.invocations.put(None)  # the server drops the connection once (e.g. idle close)
    assert rt.api.invoke({"a": 2}).body == {"event": {"a": 2}}
    assert rt.proc.poll() is None


def test_exit_status_of_sys_exit_in_handler(runtime):
    rt = runtime({"app.py": "import sys\ndef handler(e, c):\n    print('bye')\n    sys.exit(3)\n"})
    rt.api.enqueue({})
    assert rt.wait_exit(10) == 3
    assert "bye\n" in rt.output()


def test_no_needless_modules_are_imported_before_the_handler_runs(runtime):
    """The runtime itself imports none of json, socket, http, logging, traceback, decimal."""
    baseline = set(json.loads(subprocess.check_output(
        [PYTHON, "-u", "-c", "import sys, json; print(json.dumps(sorted(sys.modules)))"], env={"PATH": "/usr/bin:/bin"})))
    rt = runtime({"app.py": "import sys\nLOADED = sorted(sys.modules)\ndef handler(e, c):\n    return LOADED\n"})
    loaded = set(rt.api.invoke({}).body)
    for name in ("json", "socket", "http", "http.client", "logging", "traceback", "decimal", "email", "ssl",
                 "selectors", "enum", "re", "importlib.util"):
        if name not in baseline:
            assert name not in loaded, name
    assert loaded - baseline <= {"_json", "_socket", "petrel_runtime", "__main__", "app", "posixpath", "genericpath"} | baseline


def test_starts_on_a_python_without_the_u_flag_and_still_flushes(runtime):
    """Output must be in the file before the answer is posted, even if stdout were buffered."""
    api = FakeRuntimeApi()
    rt = Runtime({"app.py": "import sys\ndef handler(e, c):\n    print('buffered line')\n    sys.stderr.write('err line\\n')\n    return 1\n"},
                 "app.handler", api=api)
    try:
        # Restart it without -u (block-buffered stdout to a file).
        rt.proc.kill()
        rt.proc.wait()
        log = open(rt.log_path, "wb")
        rt.proc = subprocess.Popen([PYTHON, BOOTSTRAP], cwd=rt.task_root, env=rt.env, stdout=log, stderr=log)
        log.close()
        rid = api.enqueue({})
        api.wait_answer(rid)
        assert "buffered line\n" in api.log_at_post[rid]
        assert "err line\n" in api.log_at_post[rid]
    finally:
        rt.close()


def test_compile_writes_a_checked_hash_pyc_and_prints_the_interpreter_and_its_version(tmp_path):
    import importlib.util
    import shutil
    import struct

    from conftest import RUNTIME_DIR

    copy = tmp_path / "python"
    shutil.copytree(RUNTIME_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.check_output([PYTHON, str(copy / "bootstrap.py"), "--compile"]).decode().strip()
    executable, version = out.splitlines()
    assert os.path.realpath(executable) == os.path.realpath(PYTHON)
    # The exact version, for `petrel status` and the runtime → interpreter table.
    assert version == subprocess.check_output([PYTHON, "-c", "import platform; print(platform.python_version())"]).decode().strip()
    pyc = (copy / "__pycache__" / ("petrel_runtime.%s.pyc" % sys_implementation_tag())).read_bytes()
    flags = struct.unpack("<I", pyc[4:8])[0]
    assert flags == 0b11  # hash-based, checked: survives copies that change file times
    assert pyc[8:16] == importlib.util.source_hash((copy / "petrel_runtime.py").read_bytes())


def sys_implementation_tag():
    return subprocess.check_output([PYTHON, "-c", "import sys; print(sys.implementation.cache_tag)"]).decode().strip()


def test_large_event_and_result(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    return {'n': len(e['blob']), 'back': e['blob'][::-1]}\n"})
    blob = "x" * (5 * 1024 * 1024) + "é"
    post = rt.api.invoke({"blob": blob})
    assert post.body["n"] == len(blob)
    assert post.body["back"] == blob[::-1]


def test_logging_hook_leaves_sys_meta_path_once_logging_is_configured(runtime):
    src = ("import sys\nBEFORE = [type(f).__name__ for f in sys.meta_path]\nimport logging\n"
           "def handler(e, c):\n    return [BEFORE, [type(f).__name__ for f in sys.meta_path]]\n")
    rt = runtime({"app.py": src})
    before, after = rt.api.invoke({}).body
    assert "LoggingImportHook" in before
    assert "LoggingImportHook" not in after


def _api_with_canned_answer(raw):
    """A RuntimeApi whose connection is one end of a socket pair, the other end sending raw."""
    import socket
    import sys as _sys

    from conftest import RUNTIME_DIR
    if RUNTIME_DIR not in _sys.path:
        _sys.path.insert(0, RUNTIME_DIR)
    import petrel_runtime

    ours, theirs = socket.socketpair()
    api = petrel_runtime.RuntimeApi("127.0.0.1:9")
    api.sock = ours
    theirs.sendall(raw)
    return api, theirs


def test_http_client_reads_chunked_and_close_delimited_answers():
    api, other = _api_with_canned_answer(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: r1\r\n\r\n"
        b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")
    status, headers, body = api._read_response()
    assert (status, headers["lambda-runtime-aws-request-id"], body) == (200, "r1", b"hello, world")
    assert api._read_response() == (202, {"content-length": "2"}, b"ok")  # pipelined, same buffer
    other.shutdown(2)
    status, headers, body = api._read_response()
    assert (status, body) == (200, b"until the end")
    assert api.sock is None  # closed after a close-delimited answer
    other.close()


def test_http_client_raises_no_response_when_the_connection_closes_before_an_answer():
    api, other = _api_with_canned_answer(b"")
    other.close()
    with pytest.raises(ConnectionError) as info:
        api._read_response()
    assert type(info.value).__name__ == "NoResponse"  # what makes a keep-alive request retry once
