"""Results and errors in the shapes awslambdaric (AWS's runtime interface client) gives."""
import collections
import decimal
import json
import os
import sys

import pytest

from conftest import RUNTIME_DIR

sys.path.insert(0, RUNTIME_DIR)
import petrel_runtime  # noqa: E402

try:
    from awslambdaric import lambda_runtime_marshaller as aws_marshaller
except ImportError:  # the oracle is optional
    aws_marshaller = None

VALUES = [
    {"a": 1, "b": [1, 2.5, None, True, False], "c": {"d": "e"}},
    "plain string", 42, 3.25, None, True, [],
    decimal.Decimal("1.10"), decimal.Decimal("-5E+9"), decimal.Decimal("NaN"), decimal.Decimal("Infinity"),
    {"price": decimal.Decimal("19.99"), "qty": [decimal.Decimal("1"), decimal.Decimal("0.000001")]},
    {"bytes": b"xyz"}, float("nan"), float("inf"), -float("inf"),
    "é☃\U0001F600", {"k\u00e9": "\u2028"}, {1: 2, None: 3, 1.5: 4, True: 5}, (1, 2),
    {"s": "\x00petrel-decimal-0\x00"}, 10 ** 40, -0.0, 1e-7,
]
NOT_SERIALISABLE = [
    ({1, 2}, "Object of type set is not JSON serializable"),
    (object(), "Object of type object is not JSON serializable"),
    ({"k": {"nested": {3}}}, "Object of type set is not JSON serializable"),
    ({decimal.Decimal(1): 2}, "keys must be str, int, float, bool or None, not Decimal"),
    ({(1, 2): 3}, "keys must be str, int, float, bool or None, not tuple"),
]


@pytest.fixture(params=["_json", "json-package"])
def encoder(request, monkeypatch):
    """The runtime's encoder on the C accelerator, and its fallback on the json package."""
    if request.param == "json-package":
        monkeypatch.setattr(petrel_runtime, "_encode", petrel_runtime._py_encode)
        monkeypatch.setattr(petrel_runtime, "_scan_once", None)
    else:
        assert petrel_runtime._encode is petrel_runtime._c_encode  # the fast path is in use here
    return request.param


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:40] for v in VALUES])
def test_json_encoding_is_awslambdarics(value, ensure_ascii, encoder):
    ours = petrel_runtime.json_dumps(value, ensure_ascii=ensure_ascii)
    if aws_marshaller is None:
        pytest.skip("awslambdaric not installed")
    old = os.environ.get("AWS_EXECUTION_ENV")
    os.environ["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3.11" if ensure_ascii else "AWS_Lambda_python3.12"
    try:
        theirs = aws_marshaller.to_json(value)
    finally:
        if old is None:
            del os.environ["AWS_EXECUTION_ENV"]
        else:
            os.environ["AWS_EXECUTION_ENV"] = old
    assert ours == theirs


def test_json_encoding_without_the_oracle():
    assert petrel_runtime.json_dumps({"p": decimal.Decimal("1.10"), "b": b"x", "n": float("nan")}) == '{"p": 1.10, "b": "x", "n": NaN}'
    assert petrel_runtime.json_dumps("é", ensure_ascii=True) == '"\\u00e9"'
    assert petrel_runtime.json_dumps("é", ensure_ascii=False) == '"é"'


@pytest.mark.parametrize("value,message", NOT_SERIALISABLE, ids=[m for _, m in NOT_SERIALISABLE])
def test_not_serialisable_values_fail_as_on_aws(value, message, encoder):
    with pytest.raises(petrel_runtime.FaultException) as info:
        petrel_runtime._marshal_response(value)
    assert info.value.exception_type == "Runtime.MarshalError"
    assert info.value.msg == "Unable to marshal response: " + message
    if aws_marshaller is not None:
        with pytest.raises(Exception) as theirs:
            aws_marshaller.LambdaMarshaller().marshal_response(value)
        assert theirs.value.msg == info.value.msg


def test_json_decoding_matches_json_loads(encoder):
    for text in ['{"a": [1, 2.5, "x", null, true, false, {"b": {}}]}', "  [1]  ", '"s"', "1e400", "NaN", '{"a": 1, "a": 2}']:
        assert repr(petrel_runtime.json_loads(text)) == repr(json.loads(text))
    for bad in ["", "{", "[1] x", "{'a': 1}"]:
        with pytest.raises(ValueError) as ours:
            petrel_runtime.json_loads(bad)
        with pytest.raises(ValueError) as theirs:
            json.loads(bad)
        assert str(ours.value) == str(theirs.value)


# --- through the process -----------------------------------------------------------------------

def test_decimal_result_is_a_json_number(runtime):
    rt = runtime({"app.py": "from decimal import Decimal\ndef handler(e, c):\n    return {'price': Decimal('19.990'), 'n': [Decimal('1E+2')]}\n"})
    post = rt.api.invoke({})
    assert post.kind == "response"
    assert post.raw == b'{"price": 19.990, "n": [1E+2]}'


def test_bytes_result_is_sent_raw(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    return b'\\x00raw\\xff'\n"})
    post = rt.api.invoke({})
    assert post.kind == "response"
    assert post.raw == b"\x00raw\xff"
    assert post.headers["content-type"] == "application/unknown"


def test_none_result_is_null(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    pass\n"})
    assert rt.api.invoke({}).raw == b"null"


@pytest.mark.parametrize("execution_env,expected", [
    ("AWS_Lambda_python3.11", b'"\\u00e9\\u2603"'),
    ("AWS_Lambda_python3.12", '"é☃"'.encode("utf-8")),
])
def test_non_ascii_output_depends_on_the_runtime_version_as_on_aws(runtime, execution_env, expected):
    rt = runtime({"app.py": "def handler(e, c):\n    return 'é☃'\n"}, env={"AWS_EXECUTION_ENV": execution_env})
    assert rt.api.invoke({}).raw == expected


def test_unserialisable_result_is_a_marshal_error(runtime):
    rt = runtime({"app.py": "import datetime\ndef handler(e, c):\n    return {'when': datetime.datetime(2020, 1, 1)}\n"})
    rid = rt.api.enqueue({}, request_id="req-marshal")
    post = rt.api.wait_answer(rid)
    assert post.kind == "error"
    assert post.headers["lambda-runtime-function-error-type"] == "Runtime.MarshalError"
    assert post.body == {
        "errorMessage": "Unable to marshal response: Object of type datetime is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": "req-marshal",
        "stackTrace": [],
    }
    # awslambdaric puts a "Traceback (most recent call last):" header over the empty trace too;
    # Petrel leaves out a header with nothing under it (issue 13).
    assert rt.api.log_at_post[rid].endswith(
        "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type datetime is not JSON serializable\n")


def test_unmarshal_error_log_line_has_no_dangling_traceback_header(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    return e\n"})
    rid = rt.api.enqueue(None, request_id="req-unmarshal", raw=b"{not json")
    post = rt.api.wait_answer(rid)
    assert post.kind == "error"
    assert post.body["errorType"] == "Runtime.UnmarshalError"
    assert post.body["errorMessage"].startswith("Unable to unmarshal input: Expecting property name")
    log = rt.api.log_at_post[rid]
    line = next(l for l in log.splitlines() if "Runtime.UnmarshalError" in l)
    assert line.startswith("[ERROR] Runtime.UnmarshalError: Unable to unmarshal input:")
    assert "Traceback" not in line


APP_RAISES = (
    "def helper(x):\n"
    "    raise ValueError('boom %s' % x)\n"
    "\n"
    "def handler(event, context):\n"
    "    return helper(event['x'])\n"
)


def test_exception_shape_and_stack_trace(runtime):
    rt = runtime({"app.py": APP_RAISES})
    rid = rt.api.enqueue({"x": 7}, request_id="req-exc")
    post = rt.api.wait_answer(rid)
    app = os.path.join(rt.task_root, "app.py")
    assert post.kind == "error"
    assert post.headers["lambda-runtime-function-error-type"] == "ValueError"
    assert post.body == {
        "errorMessage": "boom 7",
        "errorType": "ValueError",
        "requestId": "req-exc",
        "stackTrace": [
            '  File "%s", line 5, in handler\n    return helper(event[\'x\'])\n' % app,
            '  File "%s", line 2, in helper\n    raise ValueError(\'boom %%s\' %% x)\n' % app,
        ],
    }
    nbsp = "\u00a0"
    logged = rt.api.log_at_post[rid]
    assert logged.endswith(
        "[ERROR] ValueError: boom 7\rTraceback (most recent call last):\r"
        + nbsp * 2 + 'File "%s", line 5, in handler\r' % app
        + nbsp * 4 + "return helper(event['x'])\r"
        + nbsp * 2 + 'File "%s", line 2, in helper\r' % app
        + nbsp * 4 + "raise ValueError('boom %s' % x)\n")
    # The runtime goes on.
    assert rt.api.invoke({"x": 8}).body["errorMessage"] == "boom 8"


def test_custom_exception_and_empty_message(runtime):
    rt = runtime({"app.py": "class MyError(Exception):\n    pass\ndef handler(e, c):\n    raise MyError()\n"})
    post = rt.api.invoke({})
    assert post.body["errorType"] == "MyError"
    assert post.body["errorMessage"] == ""
    assert len(post.body["stackTrace"]) == 1


def _init_error(runtime, files, handler="app.handler", **kwargs):
    rt = runtime(files, handler, **kwargs)
    post = rt.api.wait_init_error()
    code = rt.wait_exit(10)
    assert code != 0
    assert rt.api.next_calls == 0  # no GET /next after a failed init
    return rt, post


def test_missing_module_is_an_import_module_error(runtime):
    rt, post = _init_error(runtime, {"other.py": ""}, "app.handler")
    assert post.headers["lambda-runtime-function-error-type"] == "Runtime.ImportModuleError"
    assert post.body == {"errorMessage": "Unable to import module 'app': No module named 'app'",
                         "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    out = rt.output()
    assert "[WARNING]\t" in out and "LAMBDA_WARNING: Unhandled exception." in out
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'app'\n" in out  # no header over an empty trace


def test_missing_dependency_inside_the_module_is_an_import_module_error(runtime):
    rt, post = _init_error(runtime, {"lib/app.py": "import requests_that_do_not_exist\n"}, "lib/app.handler")
    assert post.body["errorType"] == "Runtime.ImportModuleError"
    assert post.body["errorMessage"] == "Unable to import module 'lib/app': No module named 'requests_that_do_not_exist'"


def test_missing_handler_function(runtime):
    rt, post = _init_error(runtime, {"app.py": "def other(e, c):\n    pass\n"})
    assert post.body == {"errorMessage": "Handler 'handler' missing on module 'app'",
                         "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}


def test_syntax_error(runtime):
    rt, post = _init_error(runtime, {"app.py": "def handler(e, c):\n    return (\n"})
    app = os.path.join(rt.task_root, "app.py")
    assert post.body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert post.body["errorMessage"].startswith("Syntax error in module 'app': ")
    assert "(app.py, line 2)" in post.body["errorMessage"]
    assert post.body["stackTrace"] == ['  File "%s" Line 2\n        return (\n' % app]


def test_malformed_handler_name(runtime):
    rt, post = _init_error(runtime, {"app.py": ECHO_SRC}, "app")
    assert post.body["errorType"] == "Runtime.MalformedHandlerName"
    assert post.body["errorMessage"] == "Bad handler 'app': not enough values to unpack (expected 2, got 1)"


def test_built_in_module_conflict(runtime):
    rt, post = _init_error(runtime, {"app.py": ECHO_SRC}, "sys.handler")
    assert post.body["errorType"] == "Runtime.BuiltInModuleConflict"
    assert post.body["errorMessage"] == "Cannot use built-in module sys as a handler module"


def test_exception_raised_by_module_code(runtime):
    rt, post = _init_error(runtime, {"app.py": "X = 1\nY = X / 0\n"})
    app = os.path.join(rt.task_root, "app.py")
    assert post.headers["lambda-runtime-function-error-type"] == "ZeroDivisionError"
    assert post.body["errorType"] == "ZeroDivisionError"
    assert post.body["errorMessage"] == "division by zero"
    assert post.body["requestId"] == ""
    # Only the function's frame: the runtime's and importlib's frames are gone from the top.
    assert post.body["stackTrace"][-1] == '  File "%s", line 2, in <module>\n    Y = X / 0\n' % app
    assert all("petrel_runtime" not in line and "bootstrap.py" not in line for line in post.body["stackTrace"])


ECHO_SRC = "def handler(e, c):\n    return e\n"


def test_multi_line_error_message_is_logged_as_one_line(runtime):
    rt = runtime({"app.py": "def handler(e, c):\n    raise RuntimeError('line one\\nline two')\n"})
    rid = rt.api.enqueue({})
    post = rt.api.wait_answer(rid)
    assert post.body["errorMessage"] == "line one\nline two"  # the answer keeps the message as is
    logged = rt.api.log_at_post[rid]
    assert logged.count("\n") == 1
    assert logged.startswith("[ERROR] RuntimeError: line one\rline two\rTraceback (most recent call last):\r")
